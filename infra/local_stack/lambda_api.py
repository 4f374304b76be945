"""The Lambda Invoke API (what ``sam local start-lambda`` offers): ``POST /2015-03-31/functions/{name}/invocations``.

boto3 ``client("lambda", endpoint_url=...)`` works unchanged: ``RequestResponse`` answers 200 with the
result (``X-Amz-Function-Error: Unhandled`` for a failed invocation), ``Event`` answers 202 and runs the
invocation in the background with Lambda's retries and destinations, ``DryRun`` answers 204. Errors are
shaped so botocore raises the modeled exceptions (``ResourceNotFoundException``, ``RequestTooLargeException``,
``InvalidRequestContentException``).
"""

import json
import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local_stack.functions import FunctionRegistry
from local_stack.responses import aws_error, read_body
from local_stack.template import function_arn

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024
PATH = "/2015-03-31/functions/{function_name}/invocations"


def parse_function_name(raw: str) -> tuple[str, str | None]:
    """``name``, ``name:qualifier``, ``123456789012:function:name`` or a full ARN -> (name, qualifier)."""
    parts = raw.split(":")
    if raw.startswith("arn:") and len(parts) >= 7:
        return parts[6], parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":
        return parts[2], parts[3] if len(parts) > 3 else None
    return parts[0], parts[1] if len(parts) > 1 else None


class LambdaApi:
    def __init__(self, functions: FunctionRegistry):
        self.functions = functions

    def routes(self) -> list[Route]:
        return [Route(PATH, self.invoke, methods=["POST"])]

    async def invoke(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        raw_name = request.path_params["function_name"]
        name, qualifier = parse_function_name(raw_name)
        qualifier = request.query_params.get("Qualifier", qualifier)
        pool = self.functions.get(name)
        if pool is None or qualifier not in (None, "$LATEST"):
            await read_body(request, 0)
            arn = function_arn(name) + (f":{qualifier}" if qualifier else "")
            return aws_error(
                404, "ResourceNotFoundException", f"Function not found: {arn}", message_key="Message", Type="User"
            )

        invocation_type = request.headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type not in ("RequestResponse", "Event", "DryRun"):
            await read_body(request, 0)
            return aws_error(
                400, "InvalidParameterValueException", f"Unsupported invocation type '{invocation_type}'.", Type="User"
            )
        limit = MAX_EVENT_PAYLOAD if invocation_type == "Event" else MAX_SYNC_PAYLOAD
        payload = await read_body(request, limit)
        if payload is None:
            operation = "InvokeAsync" if invocation_type == "Event" else "InvokeFunction"
            return aws_error(
                413,
                "RequestTooLargeException",
                f"Request must be smaller than {limit} bytes for the {operation} operation",
                Type="User",
            )
        if payload:
            try:
                json.loads(payload)
            except ValueError as exc:
                return aws_error(
                    400, "InvalidRequestContentException", f"Could not parse request body into json: {exc}", Type="User"
                )
        headers = {"x-amzn-RequestId": request_id, "X-Amz-Executed-Version": "$LATEST"}
        if invocation_type == "DryRun":
            return Response(status_code=204, headers=headers)
        if invocation_type == "Event":
            self.functions.invoke_event(pool, payload, request_id)
            return Response(status_code=202, headers={"x-amzn-RequestId": request_id})

        result = await self.functions.invoke(name, payload, request_id=request_id)
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        return Response(result.payload, status_code=200, headers=headers, media_type="application/json")
