"""Test-only functions for the local stack's runtime contract; the real functions never misbehave on purpose.

Added to a test stack through ``LocalStack(extra_functions=...)``.
"""

import base64
import importlib.util
import json
import os
import time
from typing import Any

INVOCATIONS = 0


def describe(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """What a function sees: its context, its environment, and how warm its container is."""
    global INVOCATIONS
    INVOCATIONS += 1
    names = (
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_REGION",
        "TABLE_NAME",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_LAMBDA",
    )
    names += ("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", "POWERTOOLS_TRACE_DISABLED", "HOST_ONLY_SETTING")
    return {
        "event": event,
        "invocations": INVOCATIONS,
        "pid": os.getpid(),
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "env": {name: os.environ.get(name) for name in names},
        "importable": {
            name: importlib.util.find_spec(name) is not None for name in ("gateway", "voice", "practice_shared")
        },
    }


def crash(event: dict[str, Any], context: Any) -> None:
    raise ValueError(f"crashed on purpose: {event.get('why', 'no reason')}")


def sleep(event: dict[str, Any], context: Any) -> dict[str, float]:
    time.sleep(float(event["seconds"]))
    return {"slept": float(event["seconds"])}


def exit_process(event: dict[str, Any], context: Any) -> None:
    os._exit(3)


def gate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """WebSocket routes: $connect needs ?token=let-me-in; echo and silent answer the body; boom fails."""
    route = event["requestContext"]["routeKey"]
    if route == "$connect":
        token = (event.get("queryStringParameters") or {}).get("token")
        return {"statusCode": 200} if token == "let-me-in" else {"statusCode": 401, "body": "a token is required"}
    if route == "boom":
        raise RuntimeError("the boom route fails on purpose")
    return {"statusCode": 200, "body": event["body"]}


def rest(event: dict[str, Any], context: Any) -> Any:
    """REST proxy answers chosen by the path: raise, malformed, binary, or an echo of the event."""
    what = event["pathParameters"]["proxy"]
    if what == "raise":
        raise RuntimeError("the REST function fails on purpose")
    if what == "malformed":
        return "not a proxy response"
    if what == "binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "audio/wav"},
            "isBase64Encoded": True,
            "body": base64.b64encode(b"RIFF\x00\x01").decode(),
        }
    echoed = {key: event[key] for key in ("resource", "path", "httpMethod", "pathParameters", "isBase64Encoded")}
    echoed["body"] = event["body"]
    return {"statusCode": 201, "multiValueHeaders": {"x-seen": ["a", "b"]}, "body": json.dumps(echoed)}
