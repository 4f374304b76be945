"""Runs one action of a function behind the Lambda Invoke API (the callee side of :mod:`invoke`)."""

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from practice_shared.errors import AppError, Unprocessable
from practice_shared.observability import count_error, logger

Action = Callable[[dict[str, Any]], Any]


class Envelope(BaseModel):
    """The body of every function-to-function invocation."""

    action: str
    payload: dict[str, Any] = {}
    correlation_id: str | None = None


def validation_details(exc: ValidationError) -> list[dict[str, Any]]:
    """Pydantic errors reduced to what a client needs: where and what (never the rejected input)."""
    return [{"loc": list(err["loc"]), "msg": err["msg"], "type": err["type"]} for err in exc.errors()]


def dispatch(event: Mapping[str, Any], actions: Mapping[str, Action]) -> dict[str, Any]:
    """Run ``event["action"]`` from ``actions`` and wrap the outcome in an ``ok``/``error`` envelope.

    Refusals (:class:`AppError`, invalid payloads) become ``ok: false`` answers; anything unexpected is logged,
    counted in the ``Errors`` metric and propagates, so that Lambda records a function error (and retries or
    dead-letters asynchronous jobs). 5xx refusals are counted too.
    """
    try:
        envelope = Envelope.model_validate(event)
        handler = actions.get(envelope.action)
        if handler is None:
            raise AppError(f"Unknown action '{envelope.action}'.", status=400, code="unknown_action")
        if envelope.correlation_id:
            logger.set_correlation_id(envelope.correlation_id)
        logger.append_keys(action=envelope.action)
        return {"ok": True, "result": _plain(handler(envelope.payload))}
    except ValidationError as exc:
        err = Unprocessable("The request is not valid.", details=validation_details(exc))
        return {"ok": False, "error": {"status": err.status, **err.to_dict()["error"]}}
    except AppError as exc:
        logger.info("Request refused", extra={"status": exc.status, "code": exc.code})
        if exc.status >= 500:
            count_error()
        return {"ok": False, "error": {"status": exc.status, **exc.to_dict()["error"]}}
    except Exception:
        logger.exception("Unhandled error")
        count_error()
        raise


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
