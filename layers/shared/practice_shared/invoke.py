"""Typed calls between functions through the Lambda Invoke API.

Every call carries an envelope ``{"action", "payload", "correlation_id"}``; the callee answers
``{"ok": true, "result": ...}`` or ``{"ok": false, "error": {"status", "code", "message"}}``
(see :mod:`practice_shared.dispatch`).
"""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from practice_shared import errors
from practice_shared.aws import client
from practice_shared.observability import logger

MAX_SYNC_PAYLOAD = 6 * 1024 * 1024
MAX_EVENT_PAYLOAD = 1024 * 1024


def _envelope(action: str, payload: dict[str, Any]) -> bytes:
    correlation_id = logger.get_correlation_id()
    return json.dumps({"action": action, "payload": payload, "correlation_id": correlation_id}, default=str).encode()


def call(function_name: str, action: str, payload: dict[str, Any]) -> Any:
    """Invoke ``action`` on ``function_name`` and wait for its result.

    Raises the callee's own :class:`~practice_shared.errors.AppError` when it refused the request,
    ``DownstreamError`` (502) when it crashed, and ``DownstreamUnavailable`` (503) when it could not be reached
    or timed out.
    """
    body = _envelope(action, payload)
    if len(body) > MAX_SYNC_PAYLOAD:
        raise errors.PayloadTooLarge("The request is too large to pass to another function; upload audio to S3 first.")
    try:
        response = client("lambda").invoke(FunctionName=function_name, InvocationType="RequestResponse", Payload=body)
    except ReadTimeoutError as exc:
        logger.warning("Invoke timed out", extra={"function": function_name, "action": action})
        raise errors.DownstreamUnavailable("The service took too long to answer; please try again.") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        logger.warning("Invoke refused", extra={"function": function_name, "action": action, "aws_code": code})
        if code in {"TooManyRequestsException", "ServiceException", "ResourceNotReadyException"}:
            raise errors.DownstreamUnavailable("The service is busy; please try again shortly.") from exc
        raise errors.DownstreamError("The service could not handle the request.") from exc
    except BotoCoreError as exc:
        logger.warning("Invoke failed", extra={"function": function_name, "action": action, "reason": str(exc)})
        raise errors.DownstreamUnavailable("The service is unreachable; please try again shortly.") from exc

    raw = response["Payload"].read()
    if response.get("FunctionError"):
        logger.error("Downstream function failed", extra={"function": function_name, "action": action})
        if b"Task timed out" in raw:
            raise errors.DownstreamUnavailable("The service took too long to answer; please try again.")
        raise errors.DownstreamError("The service failed while handling the request; please try again.")
    result = json.loads(raw or b"null")
    if not isinstance(result, dict) or "ok" not in result:
        raise errors.DownstreamError("The service returned an unexpected answer.")
    if not result["ok"]:
        raise errors.from_dict(result.get("error") or {})
    return result.get("result")


def send_event(function_name: str, action: str, payload: dict[str, Any]) -> None:
    """Invoke ``action`` on ``function_name`` asynchronously (``InvocationType=Event``)."""
    body = _envelope(action, payload)
    if len(body) > MAX_EVENT_PAYLOAD:
        raise errors.PayloadTooLarge("The job is too large for an asynchronous invocation; pass S3 keys, not audio.")
    try:
        client("lambda").invoke(FunctionName=function_name, InvocationType="Event", Payload=body)
    except (ClientError, BotoCoreError) as exc:
        logger.warning("Async invoke failed", extra={"function": function_name, "action": action})
        raise errors.DownstreamUnavailable("The service is unreachable; please try again shortly.") from exc
