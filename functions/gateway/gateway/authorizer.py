"""The WebSocket API's ``$connect`` REQUEST authorizer: verifies the sign-in token of a new connection.

Browsers cannot set headers on a WebSocket handshake, so the token travels in the query string (``?token=``). A
valid token gets an Allow policy for the connection's ``$connect`` with the user id as ``principalId`` and the user
name and groups as context; API Gateway passes both to every event of the connection in
``requestContext.authorizer`` (read by :mod:`gateway.identity`). Anything else raises "Unauthorized", which API
Gateway answers with 401. The token itself is never logged. ``{"action": "health"}`` (the local stack's health
check) reports whether the issuer's signing keys can be fetched.
"""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from practice_shared import auth, errors
from practice_shared.dispatch import dispatch
from practice_shared.observability import logger, metrics, tracer

TOKEN_PARAMETER = "token"


class Unauthorized(Exception):
    """API Gateway answers 401 when an authorizer fails with exactly this message."""

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def allow(identity: auth.Identity, method_arn: str) -> dict[str, Any]:
    """The authorizer's answer for a verified caller: an Allow policy and the identity as context."""
    return {
        "principalId": identity.user_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}],
        },
        "context": {"username": identity.username, "groups": ",".join(identity.groups)},
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Allow the connection of a valid token's owner; refuse everything else with 401."""
    if event.get("action") == "health":
        return dispatch(event, {"health": _health})
    token = (event.get("queryStringParameters") or {}).get(TOKEN_PARAMETER)
    if not token:
        logger.info("Connection refused: no token")
        raise Unauthorized()
    try:
        identity = auth.verifier().verify(token)
    except errors.Unauthorized as exc:
        logger.info("Connection refused", extra={"reason": exc.message})
        raise Unauthorized() from exc
    logger.info("Connection allowed")
    return allow(identity, event["methodArn"])


def _health(_: dict[str, Any]) -> dict[str, Any]:
    return {"status": "ok", "function": "authorizer", "signing_keys": auth.verifier().signing_keys()}
