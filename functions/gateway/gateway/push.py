"""Messages pushed to WebSocket clients through API Gateway's ``@connections`` API.

The management endpoint comes from ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` (set by the template to the
WebSocket stage's URL, and by the local stack to its own emulator).
"""

import json
from typing import Any

from practice_shared.aws import client
from practice_shared.observability import logger
from practice_shared.store import connections

MAX_MESSAGE_BYTES = 128 * 1024


def _encoded(message: dict[str, Any]) -> bytes:
    return json.dumps(message, default=str).encode()


def fits(message: dict[str, Any]) -> bool:
    """Whether ``message`` fits in one WebSocket message (API Gateway's limit)."""
    return len(_encoded(message)) <= MAX_MESSAGE_BYTES


def send(connection_id: str, message: dict[str, Any]) -> bool:
    """Push ``message`` as JSON; returns False (and forgets the connection) when the client has gone."""
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
    return True
