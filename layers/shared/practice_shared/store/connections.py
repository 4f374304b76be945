"""WebSocket connections in DynamoDB (``pk = CONN#<id>``), expiring with API Gateway's 2-hour connection limit."""

from typing import Any

from practice_shared.store.dynamo import dynamo_errors, table
from practice_shared.timeutil import epoch_in, now_iso

CONNECTION_LIFETIME = 2 * 3600


def _key(connection_id: str) -> dict[str, str]:
    return {"pk": f"CONN#{connection_id}", "sk": "META"}


def put(connection_id: str, user_id: str, source_ip: str | None = None) -> None:
    """Record a new connection and its owner."""
    item = {
        **_key(connection_id),
        "user_id": user_id,
        "connected_at": now_iso(),
        "expires_at": epoch_in(CONNECTION_LIFETIME),
    }
    if source_ip:
        item["source_ip"] = source_ip
    with dynamo_errors():
        table().put_item(Item=item)


def get(connection_id: str) -> dict[str, Any] | None:
    """The connection record, or None once disconnected."""
    with dynamo_errors():
        return table().get_item(Key=_key(connection_id), ConsistentRead=True).get("Item")


def set_session(connection_id: str, session_id: str) -> None:
    """Remember which session the connection joined."""
    with dynamo_errors():
        table().update_item(
            Key=_key(connection_id),
            UpdateExpression="SET session_id = :s",
            ExpressionAttributeValues={":s": session_id},
        )


def delete(connection_id: str) -> None:
    """Forget the connection (on $disconnect or when API Gateway says it is gone)."""
    with dynamo_errors():
        table().delete_item(Key=_key(connection_id))
