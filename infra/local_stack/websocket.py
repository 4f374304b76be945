"""API Gateway WebSocket API: route events to the template's functions, and the @connections API.

A client connects to ``/ws``; the ``$connect`` route's function decides (2xx accepts, anything else refuses
the handshake with that status). Each message is routed by the template's route selection expression
(``$request.body.action``): a matching route key, else ``$default``. Messages are dispatched concurrently,
as API Gateway does. A function's answer reaches the client only on routes with a route response; functions
push messages through ``POST /ws/@connections/{id}`` instead. Frame and message limits are enforced by
:mod:`local_stack.ws_protocol`; idle (10 min) and total (2 h) connection limits here.

A ``$connect`` route with a Lambda REQUEST authorizer runs it first: a missing identity source refuses the
handshake with 401 without calling it, a failure with the message "Unauthorized" answers 401, a policy that does not
allow ``execute-api:Invoke`` on the ``$connect`` method ARN answers 403, any other failure 500. An allowed
connection's ``principalId`` and context appear in ``requestContext.authorizer`` of every later event.
"""

import asyncio
import base64
import contextlib
import fnmatch
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from local_stack.cfn import ACCOUNT_ID, REGION
from local_stack.functions import FunctionRegistry, InvocationResult
from local_stack.responses import aws_error, read_body
from local_stack.template import WebSocketAuthorizer, WebSocketSpec
from local_stack.template import WebSocketRoute as RouteSpec

MAX_MESSAGE_BYTES = 128 * 1024
IDLE_TIMEOUT = 600.0
MAX_CONNECTION_SECONDS = 7200.0
INTEGRATION_TIMEOUT = 29.0
API_ID = "localws"
DISCONNECT_REASONS = {
    1000: "Client-side close frame status code: 1000",
    1001: "Going away",
    1005: "Client-side close frame status not set",
    1006: "Connection closed abnormally",
    1009: "Message too big",
}


@dataclass
class Connection:
    id: str
    websocket: WebSocket
    headers: dict[str, list[str]]
    source_ip: str
    user_agent: str
    domain_name: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    closed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    authorizer: dict[str, Any] | None = None


def new_connection_id() -> str:
    """An id shaped like API Gateway's (16 characters, ending in '=')."""
    return base64.urlsafe_b64encode(os.urandom(11)).decode()


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class WebSocketApi:
    """Connections, route dispatch and the @connections management API."""

    def __init__(
        self,
        spec: WebSocketSpec,
        functions: FunctionRegistry,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
    ):
        self.spec = spec
        self.functions = functions
        self.idle_timeout = idle_timeout
        self.max_connection_seconds = max_connection_seconds
        self.connections: dict[str, Connection] = {}
        self._body_path = spec.body_path

    def routes(self) -> list[Route | WebSocketRoute]:
        return [
            WebSocketRoute("/ws", self.endpoint),
            Route("/ws/@connections/{connection_id}", self.manage, methods=["GET", "POST", "DELETE"]),
        ]

    # ------------------------------------------------------------------ events
    def _context(self, conn: Connection, route_key: str, event_type: str, **extra: Any) -> dict[str, Any]:
        now = time.time()
        request_id = base64.urlsafe_b64encode(os.urandom(11)).decode()
        return {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": request_id,
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "messageDirection": "IN",
            "stage": self.spec.stage,
            "connectedAt": int(conn.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
            "requestId": request_id,
            "domainName": conn.domain_name,
            "connectionId": conn.id,
            "apiId": API_ID,
            **({"authorizer": conn.authorizer} if conn.authorizer else {}),
            **extra,
        }

    def connect_event(self, conn: Connection, query: dict[str, list[str]]) -> dict[str, Any]:
        return {
            "headers": {name: values[-1] for name, values in conn.headers.items()},
            "multiValueHeaders": conn.headers,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "requestContext": self._context(conn, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }

    def message_event(self, conn: Connection, route_key: str, data: str | bytes) -> dict[str, Any]:
        binary = isinstance(data, bytes)
        message_id = base64.urlsafe_b64encode(os.urandom(11)).decode()
        return {
            "requestContext": self._context(conn, route_key, "MESSAGE", messageId=message_id),
            "body": base64.b64encode(data).decode() if binary else data,
            "isBase64Encoded": binary,
        }

    def disconnect_event(self, conn: Connection, code: int, reason: str) -> dict[str, Any]:
        headers = {"Host": conn.domain_name, "X-Forwarded-For": conn.source_ip}
        context = self._context(conn, "$disconnect", "DISCONNECT", disconnectStatusCode=code, disconnectReason=reason)
        return {
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "requestContext": context,
            "isBase64Encoded": False,
        }

    def select_route(self, data: str | bytes) -> str | None:
        """The route key for a message: the selection expression's value if it is a route, else $default."""
        if isinstance(data, str):
            try:
                value: Any = json.loads(data)
            except (ValueError, RecursionError):  # not JSON, a 5000-digit number, nesting too deep: $default
                value = None
            for part in self._body_path:
                value = value.get(part) if isinstance(value, dict) else None
            if isinstance(value, str) and value in self.spec.routes and value not in ("$connect", "$disconnect"):
                return value
        return "$default" if "$default" in self.spec.routes else None

    async def _invoke(self, route: RouteSpec, event: dict[str, Any]) -> InvocationResult | None:
        try:
            return await asyncio.wait_for(
                self.functions.invoke(route.function, json.dumps(event).encode()), INTEGRATION_TIMEOUT
            )
        except TimeoutError:
            return None

    # ------------------------------------------------------------------ connection lifecycle
    async def endpoint(self, websocket: WebSocket) -> None:
        headers: dict[str, list[str]] = {}
        for raw_name, raw_value in websocket.headers.raw:
            headers.setdefault(raw_name.decode("latin-1"), []).append(raw_value.decode("latin-1"))
        client_ip = websocket.client.host if websocket.client else "127.0.0.1"
        conn = Connection(
            id=new_connection_id(),
            websocket=websocket,
            headers=headers,
            source_ip=client_ip,
            user_agent=websocket.headers.get("user-agent", ""),
            domain_name=websocket.headers.get("host", "127.0.0.1"),
        )
        query: dict[str, list[str]] = {}
        for name, value in websocket.query_params.multi_items():
            query.setdefault(name, []).append(value)

        subprotocol = None
        if "$connect" in self.spec.routes:
            authorizer = self.spec.routes["$connect"].authorizer
            refusal = await self._authorize(conn, authorizer, query) if authorizer else None
            if refusal is not None:
                await websocket.send_denial_response(refusal)
                return
            result = await self._invoke(self.spec.routes["$connect"], self.connect_event(conn, query))
            status, body, subprotocol = self._connect_outcome(result)
            if not 200 <= status < 300:
                await websocket.send_denial_response(Response(body, status_code=status))
                return
        try:
            await websocket.accept(subprotocol=subprotocol)
        except (RuntimeError, OSError, WebSocketDisconnect):
            return  # the client left while $connect ran
        conn.last_active_at = time.time()  # the idle timer starts once the connection is open
        self.connections[conn.id] = conn
        watchdog = asyncio.create_task(self._watchdog(conn))
        tasks: set[asyncio.Task[None]] = set()
        code, reason = 1006, ""
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    code, reason = message.get("code", 1005), message.get("reason") or ""
                    break
                conn.last_active_at = time.time()
                data = message["text"] if message.get("text") is not None else message.get("bytes", b"")
                task = asyncio.create_task(self._on_message(conn, data))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
        finally:
            conn.closed = True
            self.connections.pop(conn.id, None)
            watchdog.cancel()
        if "$disconnect" in self.spec.routes:
            reason = reason or DISCONNECT_REASONS.get(code, f"Connection closed with code {code}")
            await self._invoke(self.spec.routes["$disconnect"], self.disconnect_event(conn, code, reason))

    @staticmethod
    def _connect_outcome(result: InvocationResult | None) -> tuple[int, str, str | None]:
        if result is None:
            return 504, json.dumps({"message": "Endpoint request timed out"}), None
        if result.function_error:
            return 500, json.dumps({"message": "Internal server error"}), None
        try:
            answer = result.json()
        except ValueError:
            return 500, json.dumps({"message": "Internal server error"}), None
        if not isinstance(answer, dict) or "statusCode" not in answer:
            return 200, "", None
        headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
        body = answer.get("body") if isinstance(answer.get("body"), str) else json.dumps({"message": "Forbidden"})
        return int(answer["statusCode"]), body, headers.get("sec-websocket-protocol")

    # ------------------------------------------------------------------ the $connect authorizer
    def method_arn(self) -> str:
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{API_ID}/{self.spec.stage}/$connect"

    async def _authorize(
        self, conn: Connection, authorizer: WebSocketAuthorizer, query: dict[str, list[str]]
    ) -> Response | None:
        """Run the REQUEST authorizer; None when it allows the connection (then ``conn.authorizer`` is set)."""
        headers = {name.lower(): values for name, values in conn.headers.items()}
        for location, name in authorizer.identity_sources:
            values = query.get(name) if location == "querystring" else headers.get(name.lower())
            if not values or not values[-1]:
                return _refusal(401, "Unauthorized")
        event = {
            "type": "REQUEST",
            "methodArn": self.method_arn(),
            **{k: v for k, v in self.connect_event(conn, query).items() if k != "isBase64Encoded"},
            "stageVariables": {},
        }
        started = time.monotonic()
        result = await self._invoke(RouteSpec("$connect", authorizer.function), event)
        if result is None:
            return _refusal(500, "Internal server error")
        try:
            answer = result.json()
        except ValueError:
            answer = None
        if result.function_error:
            unauthorized = isinstance(answer, dict) and answer.get("errorMessage") == "Unauthorized"
            return _refusal(401, "Unauthorized") if unauthorized else _refusal(500, "Internal server error")
        if not isinstance(answer, dict) or not isinstance(answer.get("principalId"), str):
            return _refusal(500, "Internal server error")
        if not _allows(answer.get("policyDocument"), self.method_arn()):
            return _refusal(403, "Forbidden")
        context = answer.get("context") or {}
        if not isinstance(context, dict) or not all(isinstance(v, str | int | float | bool) for v in context.values()):
            return _refusal(500, "Internal server error")
        latency = int((time.monotonic() - started) * 1000)
        conn.authorizer = {**context, "principalId": answer["principalId"], "integrationLatency": latency}
        return None

    async def _on_message(self, conn: Connection, data: str | bytes) -> None:
        route_key = self.select_route(data)
        if route_key is None:
            await self._send_error(conn, "Forbidden")
            return
        route = self.spec.routes[route_key]
        event = self.message_event(conn, route_key, data)
        result = await self._invoke(route, event)
        if result is None:
            await self._send_error(conn, "Endpoint request timed out", event)
        elif result.function_error:
            await self._send_error(conn, "Internal server error", event)
        elif route.two_way:
            try:
                answer = result.json()
            except ValueError:
                answer = None
            body = answer.get("body") if isinstance(answer, dict) else None
            if isinstance(body, str):
                await self.send(conn, body.encode())

    async def _send_error(self, conn: Connection, message: str, event: dict[str, Any] | None = None) -> None:
        request_id = event["requestContext"]["requestId"] if event else str(uuid.uuid4())
        payload = {"message": message, "connectionId": conn.id, "requestId": request_id}
        await self.send(conn, json.dumps(payload).encode())

    async def _watchdog(self, conn: Connection) -> None:
        while not conn.closed:
            deadline = min(conn.last_active_at + self.idle_timeout, conn.connected_at + self.max_connection_seconds)
            remaining = deadline - time.time()
            if remaining <= 0:
                await self.close(conn, 1001, "Going away")
                return
            await asyncio.sleep(remaining)

    # ------------------------------------------------------------------ sending and closing
    async def send(self, conn: Connection, data: bytes) -> bool:
        """Send ``data`` to the client (text when it is UTF-8, else binary); False when the connection is gone."""
        async with conn.lock:
            if conn.closed:
                return False
            try:
                try:
                    await conn.websocket.send_text(data.decode("utf-8"))
                except UnicodeDecodeError:
                    await conn.websocket.send_bytes(data)
            except (RuntimeError, OSError, WebSocketDisconnect):
                return False
        return True

    async def close(self, conn: Connection, code: int, reason: str) -> None:
        async with conn.lock:
            if conn.closed:
                return
            conn.closed = True
            with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
                await conn.websocket.close(code, reason)

    # ------------------------------------------------------------------ @connections
    async def manage(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        conn = self.connections.get(connection_id)
        if conn is None or conn.closed:
            if request.method == "POST":
                await read_body(request, MAX_MESSAGE_BYTES)
            return aws_error(410, "GoneException", f"Connection {connection_id} is gone.")
        if request.method == "GET":
            return JSONResponse(
                {
                    "connectedAt": _iso(conn.connected_at),
                    "lastActiveAt": _iso(conn.last_active_at),
                    "identity": {"sourceIp": conn.source_ip, "userAgent": conn.user_agent},
                }
            )
        if request.method == "DELETE":
            await self.close(conn, 1000, "Connection deleted")
            return Response(status_code=204)
        data = await read_body(request, MAX_MESSAGE_BYTES)
        if data is None:
            return aws_error(
                413, "PayloadTooLargeException", f"Message too long: the limit is {MAX_MESSAGE_BYTES} bytes."
            )
        if not await self.send(conn, data):
            return aws_error(410, "GoneException", f"Connection {connection_id} is gone.")
        return Response(status_code=200)


def _refusal(status: int, message: str) -> Response:
    return Response(json.dumps({"message": message}), status_code=status, media_type="application/json")


def _allows(policy: Any, method_arn: str) -> bool:
    """Whether an IAM policy allows ``execute-api:Invoke`` on ``method_arn`` (an explicit Deny wins)."""
    if not isinstance(policy, dict):
        return False
    statements = policy.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements or []
    allowed = False
    for statement in statements:
        if not isinstance(statement, dict):
            return False
        actions = statement.get("Action")
        resources = statement.get("Resource")
        actions = [actions] if isinstance(actions, str) else actions or []
        resources = [resources] if isinstance(resources, str) else resources or []
        matches = any(a in ("execute-api:Invoke", "execute-api:*", "*") for a in actions) and any(
            fnmatch.fnmatchcase(method_arn, str(r)) for r in resources
        )
        if matches and statement.get("Effect") == "Deny":
            return False
        allowed = allowed or (matches and statement.get("Effect") == "Allow")
    return allowed
