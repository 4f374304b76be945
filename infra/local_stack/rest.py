"""API Gateway REST API (Lambda proxy integration, payload format 1.0) in front of the template's function.

Each HTTP request under the template's ``Api`` event paths becomes the event API Gateway would send; the
function's answer (``statusCode``, ``headers``, ``multiValueHeaders``, ``body``, ``isBase64Encoded``) becomes
the HTTP response. API Gateway's own answers are kept: 413 over 10 MB, 502 when the function fails or
answers something that is not a proxy response, 504 after the 29-second integration timeout.

Routes guarded by a Cognito authorizer in the template need ``Authorization: Bearer <ID token>``; the token is
verified with :class:`practice_shared.auth.TokenVerifier` (the code the WebSocket authorizer runs) against the local
development issuer, its claims reach the function in ``requestContext.authorizer.claims`` as API Gateway passes
them (strings), and a missing or invalid token gets the template's ``UNAUTHORIZED`` gateway response.
"""

import asyncio
import base64
import fnmatch
import json
import time
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from local_stack.cfn import ACCOUNT_ID
from local_stack.functions import FunctionRegistry
from local_stack.responses import read_body
from local_stack.template import RestRoute, RestSpec
from practice_shared.auth import TokenVerifier, bearer_token
from practice_shared.errors import AppError

MAX_REQUEST_BYTES = 10 * 1024 * 1024
MAX_LAMBDA_EVENT_BYTES = 6 * 1024 * 1024
INTEGRATION_TIMEOUT = 29.0
API_ID = "localrest"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
# Entries of the authorizer cache before expired ones are dropped.
MAX_CACHED_TOKENS = 10_000


def starlette_path(resource: str) -> str:
    """``/api/{proxy+}`` -> ``/api/{proxy:path}``."""
    return resource.replace("+}", ":path}")


def is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    media_type = (content_type or "").split(";")[0].strip().lower()
    return bool(media_type) and any(fnmatch.fnmatch(media_type, pattern.lower()) for pattern in binary_media_types)


def build_event(
    request: Request,
    body: bytes,
    route: RestRoute,
    spec: RestSpec,
    request_id: str,
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Lambda proxy event of ``request``, as API Gateway builds it (``authorizer``: what the authorizer adds)."""
    multi_headers: dict[str, list[str]] = {}
    for raw_name, raw_value in request.headers.raw:
        multi_headers.setdefault(raw_name.decode("latin-1"), []).append(raw_value.decode("latin-1"))
    client_ip = request.client.host if request.client else "127.0.0.1"
    multi_headers.setdefault("x-forwarded-for", [client_ip])
    multi_headers.setdefault("x-forwarded-proto", [request.url.scheme])
    multi_headers.setdefault("x-forwarded-port", [str(request.url.port or 80)])
    multi_query: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        multi_query.setdefault(name, []).append(value)
    path_parameters = {k: str(v) for k, v in request.path_params.items()} or None
    binary = is_binary(request.headers.get("content-type"), spec.binary_media_types)
    if not body:
        event_body = None
    elif binary:
        event_body = base64.b64encode(body).decode()
    else:
        # As API Gateway: a body whose type is not a binary media type is passed as text, bytes that are not
        # UTF-8 included (they arrive mangled, which is the bug to find locally rather than in AWS).
        event_body = body.decode("utf-8", errors="replace")
    now = time.time()
    host = request.headers.get("host", "127.0.0.1")
    return {
        "resource": route.path,
        "path": request.url.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.path).hex[:6],
            "resourcePath": route.path,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "path": f"/{spec.stage}{request.url.path}",
            "accountId": ACCOUNT_ID,
            "protocol": f"HTTP/{request.scope.get('http_version', '1.1')}",
            "stage": spec.stage,
            "domainPrefix": host.split(".")[0],
            "requestTimeEpoch": int(now * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": client_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": request.headers.get("user-agent"),
                "user": None,
            },
            "domainName": host,
            "apiId": API_ID,
            **({"authorizer": authorizer} if authorizer else {}),
        },
        "body": event_body,
        "isBase64Encoded": binary,
    }


def to_response(result: Any, request_id: str) -> Response | None:
    """The HTTP response for a proxy integration result, or None when it is malformed (API Gateway: 502)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return None
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        return None
    try:
        content = base64.b64decode(body) if body and result.get("isBase64Encoded") else (body or "").encode()
    except ValueError:
        return None
    response = Response(content=content, status_code=result["statusCode"])
    del response.headers["content-length"]
    headers: dict[str, list[str]] = {k: [str(v)] for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.setdefault(name, [])
        headers[name].extend(str(v) for v in values if str(v) not in headers[name])
    for name, values in headers.items():
        for value in values:
            response.headers.append(name, value)
    response.headers["content-length"] = str(len(content))
    response.headers["x-amzn-RequestId"] = request_id
    return response


def _specificity(route: RestRoute) -> tuple[bool, int, int]:
    """Sort key: API Gateway prefers literal paths to ``{param}`` paths, and those to greedy ``{proxy+}`` ones."""
    return "+}" in route.path, route.path.count("{"), -route.path.count("/")


def _claim_text(value: Any) -> str:
    """A claim as API Gateway's Cognito authorizer passes it: always a string, lists comma-separated."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class RestApi:
    """The REST API's routes, bound to the functions that serve them."""

    def __init__(self, spec: RestSpec, functions: FunctionRegistry, verifier: TokenVerifier | None = None):
        if verifier is None and any(route.authorizer for route in spec.routes):
            raise ValueError("Routes with a Cognito authorizer need a token verifier.")
        self.spec = spec
        self.functions = functions
        self.verifier = verifier
        # API Gateway's authorizer cache: (authorizer, token) -> (until, what the authorizer passes on).
        self._authorized: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}

    def routes(self) -> list[Route]:
        routes = []
        for route in sorted(self.spec.routes, key=_specificity):
            methods = ALL_METHODS if route.method == "ANY" else [route.method]
            if self.spec.cors and "OPTIONS" not in methods:
                methods = [*methods, "OPTIONS"]
            routes.append(Route(starlette_path(route.path), self._endpoint(route), methods=methods))
        return routes

    def _endpoint(self, route: RestRoute) -> Any:
        async def endpoint(request: Request) -> Response:
            return await self.handle(request, route)

        return endpoint

    async def handle(self, request: Request, route: RestRoute) -> Response:
        request_id = str(uuid.uuid4())
        if request.method == "OPTIONS" and self.spec.cors:
            return self._preflight()
        body = await read_body(request, MAX_REQUEST_BYTES)
        if body is None:
            return self._refusal(
                "REQUEST_TOO_LARGE", 413, f"HTTP content length exceeded {MAX_REQUEST_BYTES} bytes.", request_id
            )
        authorizer = None
        if route.authorizer:
            outcome = await self._authorize(request, route, request_id)
            if isinstance(outcome, Response):
                return outcome
            authorizer = outcome
        event = json.dumps(build_event(request, body, route, self.spec, request_id, authorizer)).encode()
        if len(event) > MAX_LAMBDA_EVENT_BYTES:
            return self._refusal(
                "REQUEST_TOO_LARGE",
                413,
                "Request Too Long: the proxy event exceeds Lambda's 6 MB payload limit.",
                request_id,
            )
        try:
            result = await asyncio.wait_for(self.functions.invoke(route.function, event), INTEGRATION_TIMEOUT)
        except TimeoutError:
            return self._refusal("INTEGRATION_TIMEOUT", 504, "Endpoint request timed out", request_id)
        if result.function_error:
            return self._refusal("DEFAULT_5XX", 502, "Internal server error", request_id)
        try:
            response = to_response(result.json(), request_id)
        except ValueError:
            response = None
        return response or self._refusal("DEFAULT_5XX", 502, "Internal server error", request_id)

    # ------------------------------------------------------------------ the Cognito authorizer
    async def _authorize(self, request: Request, route: RestRoute, request_id: str) -> dict[str, Any] | Response:
        """The verified claims, shaped as API Gateway passes them, or the response refusing the request.

        A token's result is cached for the route's ``authorizer_cache_seconds`` as API Gateway does, though never
        past the token's expiry.
        """
        assert self.verifier is not None and route.authorizer is not None
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            return self._refusal("UNAUTHORIZED", 401, "Unauthorized", request_id)
        now = time.time()
        cached = self._authorized.get((route.authorizer, token))
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            # In a thread: the verifier may fetch the JWKS from this very server.
            claims = await asyncio.to_thread(self.verifier.claims, token)
        except AppError as exc:
            if exc.status == 401:
                return self._refusal("UNAUTHORIZED", 401, "Unauthorized", request_id)
            return self._refusal("AUTHORIZER_FAILURE", 500, "Internal server error", request_id)
        authorizer = {"claims": {name: _claim_text(value) for name, value in claims.items()}}
        if route.authorizer_cache_seconds > 0:
            if len(self._authorized) >= MAX_CACHED_TOKENS:
                self._authorized = {key: entry for key, entry in self._authorized.items() if entry[0] > now}
            until = min(now + route.authorizer_cache_seconds, float(claims["exp"]))
            self._authorized[(route.authorizer, token)] = (until, authorizer)
        return authorizer

    def _refusal(self, kind: str, status: int, message: str, request_id: str) -> Response:
        """API Gateway's own answer to an error of one type, as the template's ``GatewayResponses`` shape it."""
        status, headers, body = self.spec.gateway_response(kind, status).render(status, message, request_id)
        headers.update({"content-type": "application/json", "x-amzn-RequestId": request_id})
        if kind == "UNAUTHORIZED":
            headers["x-amzn-ErrorType"] = "UnauthorizedException"
        return Response(body, status_code=status, headers=headers)

    def _preflight(self) -> Response:
        cors = self.spec.cors
        assert cors is not None
        headers = {"Access-Control-Allow-Origin": cors.allow_origin}
        if cors.allow_methods:
            headers["Access-Control-Allow-Methods"] = cors.allow_methods
        if cors.allow_headers:
            headers["Access-Control-Allow-Headers"] = cors.allow_headers
        if cors.max_age:
            headers["Access-Control-Max-Age"] = cors.max_age
        return Response(status_code=200, headers=headers)
