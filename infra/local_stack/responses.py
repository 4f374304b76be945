"""Small helpers shared by the emulated HTTP APIs: AWS-shaped errors and bounded body reads."""

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


def aws_error(status: int, code: str, message: str, *, message_key: str = "message", **extra: Any) -> JSONResponse:
    """An error the way rest-json AWS services send it, so botocore raises the modeled exception ``code``."""
    return JSONResponse({message_key: message, **extra}, status_code=status, headers={"x-amzn-ErrorType": code})


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None when it is longer than ``limit`` bytes (the rest is read and dropped)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
    return b"".join(chunks) if size <= limit else None
