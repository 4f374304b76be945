"""Lambda entry point of the gateway: REST events go to FastAPI (through Mangum), WebSocket events to ws.py,
and the asynchronous jobs this function sends itself (finishing streamed answers) to streaming.py."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from gateway import idempotency, streaming, ws
from gateway.app import AllowedOrigin, app
from practice_shared.dispatch import dispatch
from practice_shared.observability import count_error, logger, metrics, tracer

rest = Mangum(AllowedOrigin(app), lifespan="off")


def _is_websocket(event: dict[str, Any]) -> bool:
    return "eventType" in (event.get("requestContext") or {})


def _is_job(event: dict[str, Any]) -> bool:
    return "action" in event and "requestContext" not in event


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one event: a REST request, a WebSocket event, or an asynchronous job.

    The correlation id is API Gateway's request id (REST and WebSocket alike), or the one an asynchronous job's
    envelope carries; every invocation of another function passes it on.
    """
    idempotency.track_deadline(context)
    if _is_job(event):
        result = dispatch(event, streaming.JOBS)
        logger.info("Job done", extra={"ok": result["ok"]})
        return result
    try:
        response = ws.handle(event) if _is_websocket(event) else rest(event, context)
    except Exception:
        logger.exception("Unhandled error in the gateway")
        count_error()
        raise
    status = int(response.get("statusCode", 200))
    if status >= 500:
        count_error()
    where = {} if _is_websocket(event) else {"method": event.get("httpMethod"), "path": event.get("path")}
    logger.info("Request served", extra={"status": status, **where})
    return response
