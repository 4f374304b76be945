"""The REST API: FastAPI routes under ``/api``, JSON errors everywhere, OpenAPI at ``/api/docs``.

Routes and their dependencies are ``async def`` although they make blocking AWS calls: in Lambda, Mangum serves one
event per invocation, so the event loop has nothing else to run while they block. Plain ``def`` routes would be
handed to a thread three times per request (dependency, endpoint, response validation), half of the gateway's own
time per request (0.9 -> 0.45 ms, ``make bench``'s handler time).
"""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.routes import admin, sessions, voice
from practice_shared.config import get_settings
from practice_shared.dispatch import validation_details
from practice_shared.errors import AppError
from practice_shared.observability import logger


class ErrorDetail(BaseModel):
    """What went wrong, in words a user can read, with a stable code."""

    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    """Every error of the API has this body."""

    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "The request is malformed",
        401: "Not signed in, or the sign-in token is invalid or expired",
        404: "Not found, or not yours",
        409: "Not possible in the session's current state",
        413: "Too large",
        415: "Unsupported audio type",
        422: "Invalid input",
        429: "A daily limit is reached; see the Retry-After header",
        502: "A downstream function failed; retry",
        503: "A downstream service is busy or timed out; retry",
    }.items()
}


class AllowedOrigin:
    """CORS on the API's own answers: API Gateway answers the preflight and its own errors with the template's
    ``AllowedOrigin``, but a Lambda proxy integration's responses carry only the headers the function sets, so a web
    app on another origin could not read a single successful answer without this. It wraps the whole application
    (``handler.py``), so that a 500 from an unexpected error carries it too."""

    EXPOSED = b"Retry-After, x-amzn-RequestId"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not any(name == b"origin" for name, _ in scope["headers"]):
            await self.app(scope, receive, send)
            return
        origin = get_settings().allowed_origin.encode()

        async def send_allowed(message: Message) -> None:
            if message["type"] == "http.response.start":
                cors = [(b"access-control-allow-origin", origin), (b"access-control-expose-headers", self.EXPOSED)]
                message["headers"] = [*message.get("headers", []), *cors]
            await send(message)

        await self.app(scope, receive, send_allowed)


app = FastAPI(
    title="Interview Practice API",
    version="1.0.0",
    description="Voice-enabled interview practice: sessions, questions with audio, spoken or typed answers, "
    'evaluation with evidence, feedback and reports. Errors are JSON: `{"error": {"code", "message"}}`.',
    docs_url="/api/docs",
    openapi_url="/api/openapi.json",
    redoc_url=None,
)
app.include_router(sessions.router, responses=ERRORS)
app.include_router(voice.router, responses=ERRORS)
app.include_router(admin.router, responses={**ERRORS, 403: {"model": ErrorResponse, "description": "Not an admin"}})


def _error(status: int, code: str, message: str, details: Any = None, headers: dict | None = None) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return JSONResponse({"error": body}, status_code=status, headers=headers)


@app.exception_handler(AppError)
async def _app_error(_: Request, exc: AppError) -> JSONResponse:
    retry_after = exc.details.get("retry_after") if isinstance(exc.details, dict) else None
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return _error(exc.status, exc.code, exc.message, exc.details, headers)


@app.exception_handler(RequestValidationError)
async def _invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
    details = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    first = details[0] if details else {"loc": [], "msg": "invalid", "type": ""}
    if first["type"] == "json_invalid":
        return _error(422, "validation_error", "Invalid request: the body is not valid JSON.", details)
    where = ".".join(str(part) for part in first["loc"][1:]) or "body"
    return _error(422, "validation_error", f"Invalid request: {where}: {first['msg']}", details)


@app.exception_handler(ValidationError)
async def _invalid_data(_: Request, exc: ValidationError) -> JSONResponse:
    details = validation_details(exc)
    return _error(422, "validation_error", f"Invalid request: {details[0]['msg'] if details else 'invalid'}", details)


@app.exception_handler(HTTPException)
async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    if exc.status_code == 404:
        return _error(404, "not_found", f"No such route: {request.method} {request.url.path}")
    if exc.status_code == 405:
        return _error(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}")
    if exc.status_code == 400 and "parsing the body" in str(exc.detail):
        # FastAPI's answer to JSON that its parser refuses as too deep or a number too long (json_invalid above is
        # for the rest): the same error either way.
        return _error(422, "validation_error", "Invalid request: the body is not valid JSON.")
    return _error(exc.status_code, "http_error", str(exc.detail))


@app.exception_handler(Exception)
async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("Unhandled error in the gateway")
    return _error(500, "internal_error", "Something went wrong on our side; please try again.")


@app.get("/api/health", tags=["health"], summary="Liveness of the gateway")
async def health() -> dict[str, str]:
    return {"status": "ok", "function": "gateway"}
