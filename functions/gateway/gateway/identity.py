"""Who is calling: the identity API Gateway's authorizers verified, read from the Lambda event.

REST requests pass the REST API's Cognito authorizer, which puts the token's claims in
``requestContext.authorizer.claims``; WebSocket events carry what the ``$connect`` REQUEST authorizer
(:mod:`gateway.authorizer`) returned: ``requestContext.authorizer.principalId`` and its context. An event with
neither did not pass an authorizer, and is refused with 401.
"""

from typing import Any

from fastapi import Request

from practice_shared import errors
from practice_shared.auth import Identity, identity_from_claims, parse_groups
from practice_shared.config import get_settings


def identity_from_event(event: dict[str, Any]) -> Identity:
    """The verified caller of a REST or WebSocket event; 401 when no authorizer vouched for one."""
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    claims = authorizer.get("claims")
    if isinstance(claims, dict) and claims.get("sub"):
        return identity_from_claims(claims)
    principal = authorizer.get("principalId")
    if principal:
        return Identity(
            user_id=str(principal),
            username=str(authorizer.get("username") or ""),
            groups=parse_groups(authorizer.get("groups")),
        )
    raise errors.Unauthorized("Please sign in: this request carries no verified identity.")


def user_from_event(event: dict[str, Any]) -> str:
    """The caller's user id (the token's ``sub`` claim)."""
    return identity_from_event(event).user_id


def current_identity(request: Request) -> Identity:
    """The verified caller of a FastAPI request (what the dependencies below read)."""
    return identity_from_event(request.scope.get("aws.event") or {})


async def current_user(request: Request) -> str:
    """FastAPI dependency: the caller's user id."""
    return current_identity(request).user_id


async def current_admin(request: Request) -> Identity:
    """FastAPI dependency: the caller, who must belong to the administrators' group (403 otherwise)."""
    identity = current_identity(request)
    if not identity.in_group(get_settings().admin_group):
        raise errors.Forbidden("Only administrators may see this.")
    return identity
