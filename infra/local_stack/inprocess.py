"""Several functions in one process: Lambda Invoke calls go straight to the callee's handler.

For tests and benchmarks that run the gateway with the interview (and voice) handlers in the calling process,
usually inside moto's ``mock_aws``. Inside :func:`route_invokes`, the shared ``lambda`` client answers
``Invoke`` by running the named handler with a Lambda-like context, as the local stack's workers do but without
worker processes or HTTP. The payload still goes through JSON both ways, and a handler that raises answers
``FunctionError: Unhandled`` as on Lambda. ``Event`` invocations run to completion before the call returns
(the caller gets 202), so their effects are visible at once.
"""

import contextlib
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

from local_stack.cfn import ACCOUNT_ID, REGION
from local_stack.runtime import LambdaContext, _json_default, error_payload

Handler = Callable[[dict[str, Any], Any], Any]
TIMEOUT_MS = 30_000


def context(function_name: str, memory_size: int = 512, timeout_ms: int = TIMEOUT_MS) -> LambdaContext:
    """A context object like the Python runtime's, for calling a handler directly."""
    request_id = str(uuid.uuid4())
    return LambdaContext(
        {"function_name": function_name, "memory_size": memory_size, "log_stream_name": f"local/{function_name}"},
        {
            "request_id": request_id,
            "invoked_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}",
            "deadline_ms": int(time.time() * 1000) + timeout_ms,
        },
    )


def rest_event(
    method: str, path: str, body: str | dict[str, Any] | None = None, user: str = "user-1"
) -> dict[str, Any]:
    """The REST API's proxy event (payload 1.0) for ``method path`` under the template's ``/api/{proxy+}``, from
    ``user`` as its Cognito authorizer passes a valid ID token's claims; ``body`` a string, or JSON to encode."""
    headers = {"content-type": "application/json", "host": "api.example.com"}
    return {
        "resource": "/api/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": path.removeprefix("/api/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/api/{proxy+}",
            "httpMethod": method,
            "path": f"/dev{path}",
            "stage": "dev",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "in-process"},
            "apiId": "local",
            "authorizer": {"claims": {"sub": user, "cognito:username": user, "token_use": "id"}},
        },
        "body": json.dumps(body) if isinstance(body, dict) else body,
        "isBase64Encoded": False,
    }


def _response(status: int, body: bytes, function_error: str | None) -> tuple[AWSResponse, dict[str, Any]]:
    parsed: dict[str, Any] = {
        "StatusCode": status,
        "Payload": StreamingBody(io.BytesIO(body), len(body)),
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}},
    }
    if function_error:
        parsed["FunctionError"] = function_error
    return AWSResponse("", status, {}, None), parsed


def invoke(handler: Handler, function_name: str, payload: bytes) -> tuple[bytes, str | None]:
    """Run ``handler`` on a JSON ``payload`` as Lambda would: (response payload, function error or None)."""
    try:
        result = handler(json.loads(payload or b"{}"), context(function_name))
    except Exception as exc:
        return json.dumps(error_payload(exc)).encode(), "Unhandled"
    return json.dumps(result, default=_json_default).encode(), None


@contextlib.contextmanager
def route_invokes(lambda_client: Any, handlers: Mapping[str, Handler]) -> Iterator[None]:
    """While open, ``lambda_client.invoke(FunctionName=name, ...)`` runs ``handlers[name]`` in this process.

    Names not in ``handlers`` fail as Lambda does for an unknown function (the call is never sent anywhere).
    """
    events = lambda_client.meta.events

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["inprocess_params"] = dict(params)

    def answer(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = context["inprocess_params"]
        name = params["FunctionName"].rsplit(":function:", 1)[-1].split(":", 1)[0]
        if name not in handlers:
            error = {"Error": {"Code": "ResourceNotFoundException", "Message": f"Function not found: {name}"}}
            return AWSResponse("", 404, {}, None), {**error, "ResponseMetadata": {"HTTPStatusCode": 404}}
        raw = params.get("Payload") or b"{}"
        body, function_error = invoke(handlers[name], name, raw if isinstance(raw, bytes) else raw.encode())
        if params.get("InvocationType") == "Event":
            return _response(202, b"", None)
        return _response(200, body, function_error)

    events.register("before-parameter-build.lambda.Invoke", keep_params, unique_id="inprocess-params")
    events.register("before-call.lambda.Invoke", answer, unique_id="inprocess-invoke")
    try:
        yield
    finally:
        events.unregister("before-parameter-build.lambda.Invoke", unique_id="inprocess-params")
        events.unregister("before-call.lambda.Invoke", unique_id="inprocess-invoke")
