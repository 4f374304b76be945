"""Test-only functions for the local stack's authorizer emulation: they answer with what their event carried.

``authorize`` is a WebSocket REQUEST authorizer: the token ``deny`` gets a Deny policy, ``boom`` fails, anything
else goes to the real authorizer (gateway.authorizer).
"""

import json
from typing import Any


def rest(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """REST: the authorizer's part of the event."""
    return {"statusCode": 200, "body": json.dumps({"authorizer": event["requestContext"].get("authorizer")})}


def ws(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """WebSocket (a two-way route): the authorizer's part of the event, sent back to the client."""
    context_ = event["requestContext"]
    return {
        "statusCode": 200,
        "body": json.dumps({"route": context_["routeKey"], "authorizer": context_.get("authorizer")}),
    }


def authorize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = (event.get("queryStringParameters") or {}).get("token")
    if token == "boom":
        raise RuntimeError("the authorizer fails on purpose")
    if token == "deny":
        statement = {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": event["methodArn"]}
        return {"principalId": "denied", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}
    from gateway import authorizer  # this function alone has the gateway's code (a layer of the test template)

    return authorizer.lambda_handler(event, context)
