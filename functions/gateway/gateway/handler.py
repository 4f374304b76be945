"""Lambda entry point of the gateway: REST events go to FastAPI (through Mangum), WebSocket events to ws.py,
and the asynchronous jobs this function sends itself (finishing streamed answers) to streaming.py."""

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from mangum import Mangum

from gateway import streaming, ws
from gateway.app import app
from practice_shared.dispatch import dispatch
from practice_shared.observability import logger, metrics, tracer

rest = Mangum(app, lifespan="off")


def _is_websocket(event: dict[str, Any]) -> bool:
    return "eventType" in (event.get("requestContext") or {})


def _is_job(event: dict[str, Any]) -> bool:
    return "action" in event and "requestContext" not in event


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Serve one event: a REST request, a WebSocket event, or an asynchronous job."""
    if _is_job(event):
        return dispatch(event, streaming.JOBS)
    if _is_websocket(event):
        return ws.handle(event)
    return rest(event, context)
