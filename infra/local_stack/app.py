"""The local stack's ASGI app: REST API, WebSocket API, Lambda Invoke API, sign-in, /health and the web client."""

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles

from local_stack.auth import DevIdentityProvider
from local_stack.functions import FunctionRegistry
from local_stack.lambda_api import LambdaApi
from local_stack.rest import RestApi, build_event, starlette_path, to_response
from local_stack.template import StackSpec
from local_stack.websocket import WebSocketApi

HEALTH_ACTION = {"action": "health", "payload": {}}
SERVED = "The local stack serves /api, /ws, /health, the Lambda Invoke API and the web client."
SERVED = "The local stack serves /api, /ws, /health, the Lambda Invoke API and the web client."


class Health:
    """``GET /health``: runs each template function's health check and reports each one."""

    def __init__(self, spec: StackSpec, functions: FunctionRegistry):
        self.spec = spec
        self.functions = functions

    async def endpoint(self, request: Request) -> Response:
        names = list(self.spec.functions)
        results = await asyncio.gather(*(self.check(name, request) for name in names))
        report = dict(zip(names, results, strict=True))
        healthy = all(r["ok"] for r in report.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "functions": report}, status_code=200 if healthy else 503
        )

    async def check(self, name: str, request: Request) -> dict[str, Any]:
        started = time.monotonic()
        rest_routes = [r for r in (self.spec.rest.routes if self.spec.rest else ()) if r.function == name]
        try:
            if rest_routes:
                ok, detail = await self._check_rest(name, request)
            else:
                result = await self.functions.invoke(name, json.dumps(HEALTH_ACTION).encode())
                answer = result.json()
                ok = not result.function_error and isinstance(answer, dict) and answer.get("ok") is True
                detail = answer
        except Exception as exc:  # a health report must report, not fail
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        return {"ok": ok, "ms": round((time.monotonic() - started) * 1000, 1), "detail": detail}

    async def _check_rest(self, name: str, request: Request) -> tuple[bool, Any]:
        assert self.spec.rest is not None
        prefix = min((r.path for r in self.spec.rest.routes if r.function == name), key=len)
        path = f"{prefix.rstrip('/')}/health"
        scope = {
            "type": "http",
            "method": "GET",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [
                (b"host", request.headers.get("host", "127.0.0.1").encode()),
                (b"user-agent", b"local-stack-health"),
            ],
            "client": ("127.0.0.1", 0),
            "server": request.scope.get("server"),
            "scheme": "http",
            "http_version": "1.1",
        }
        for route in self.spec.rest.routes:
            match, child = Route(starlette_path(route.path), lambda r: None).matches(scope)
            if route.function == name and match is Match.FULL:
                health_request = Request({**scope, **child})
                event = build_event(health_request, b"", route, self.spec.rest, "health-check")
                result = await self.functions.invoke(name, json.dumps(event).encode())
                if result.function_error:
                    return False, result.json()
                answer = result.json()
                response = to_response(answer, "health-check")
                ok = response is not None and response.status_code == 200
                try:
                    return ok, json.loads(answer.get("body") or "null")
                except ValueError:
                    return ok, answer.get("body")
        return False, f"No REST route of {name} matches {path}"


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"message": f"Not found: {request.url.path}. {SERVED}"},
        status_code=404,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    detail = exc.detail if isinstance(exc, HTTPException) else "Internal error"
    return JSONResponse({"message": detail}, status_code=status)


def build_app(
    spec: StackSpec,
    functions: FunctionRegistry,
    websocket_api: WebSocketApi | None,
    web_dir: Path | None,
    identity: DevIdentityProvider | None = None,
) -> Starlette:
    routes: list[BaseRoute] = [Route("/health", Health(spec, functions).endpoint, methods=["GET"])]
    if identity is not None:
        routes += identity.routes()
    if spec.rest:
        routes += RestApi(spec.rest, functions, identity.verifier() if identity else None).routes()
    if websocket_api:
        routes += websocket_api.routes()
    routes += LambdaApi(functions).routes()
    if web_dir is not None and web_dir.is_dir():
        routes.append(Mount("/", StaticFiles(directory=web_dir, html=True)))
    return Starlette(routes=routes, exception_handlers={404: _not_found, HTTPException: _http_error})
