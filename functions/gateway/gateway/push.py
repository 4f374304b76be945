"""Messages pushed to WebSocket clients through API Gateway's ``@connections`` API.

The management endpoint comes from ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` (set by the template to the
WebSocket stage's URL, and by the local stack to its own emulator).
"""

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from practice_shared.aws import client
from practice_shared.observability import MetricUnit, logger, metrics
from practice_shared.store import connections

MAX_MESSAGE_BYTES = 128 * 1024


def _encoded(message: dict[str, Any]) -> bytes:
    return json.dumps(message, default=str).encode()


def fits(message: dict[str, Any]) -> bool:
    """Whether ``message`` fits in one WebSocket message (API Gateway's limit)."""
    return len(_encoded(message)) <= MAX_MESSAGE_BYTES


def send(connection_id: str, message: dict[str, Any]) -> bool:
    """Push ``message`` as JSON; returns False when it did not arrive: the client has gone (the connection is then
    forgotten) or API Gateway failed after botocore's retries (logged and counted as ``PushFailed``)."""
    data = _encoded(message)
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValueError(f"message of {len(data)} bytes exceeds the WebSocket limit")
    api = client("apigatewaymanagementapi")
    try:
        api.post_to_connection(ConnectionId=connection_id, Data=data)
    except api.exceptions.GoneException:
        logger.info("Connection gone; forgetting it", extra={"connection_id": connection_id})
        connections.delete(connection_id)
        return False
    except (ClientError, BotoCoreError) as exc:
        # A push is never worth an answer: the job that sends it goes on (recording the answer comes after its
        # transcript is pushed), and the client catches up when it rejoins or reads the session.
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
        logger.warning("Push failed", extra={"connection_id": connection_id, "code": code, "type": message.get("type")})
        metrics.add_metric(name="PushFailed", unit=MetricUnit.Count, value=1)
        return False
    return True
