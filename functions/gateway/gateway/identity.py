"""Who is calling: the identity API Gateway's authorizer verified, read from the Lambda event."""

from typing import Any

from fastapi import Request

ANONYMOUS = "anonymous"


def user_from_event(event: dict[str, Any]) -> str:
    """The caller's user id (the token's ``sub`` claim) from a REST or WebSocket event.

    Without an authorizer in front (no identity issue delivered yet), every caller is the anonymous user.
    """
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims") or authorizer
    return str(claims.get("sub") or authorizer.get("principalId") or ANONYMOUS)


def current_user(request: Request) -> str:
    """FastAPI dependency: the caller's user id."""
    return user_from_event(request.scope.get("aws.event") or {})
