"""Errors a client can be shown: each carries an HTTP status, a stable code and a message."""

from typing import Any


class AppError(Exception):
    """An error whose message is safe and useful to show to the user."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: Any = None, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        """The error as the JSON body every API response uses: ``{"error": {...}}``."""
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return {"error": body}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class Unauthorized(AppError):
    status, code = 401, "unauthorized"


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "not_found"


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class UnsupportedMedia(AppError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(AppError):
    status, code = 422, "validation_error"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


class DownstreamError(AppError):
    status, code = 502, "downstream_error"


class DownstreamUnavailable(AppError):
    status, code = 503, "downstream_unavailable"


def from_dict(body: dict[str, Any]) -> AppError:
    """Rebuild an error from the ``error`` object of an invoke envelope."""
    return AppError(
        body.get("message", "Unknown error"),
        details=body.get("details"),
        status=int(body.get("status", 500)),
        code=body.get("code", "internal"),
    )
