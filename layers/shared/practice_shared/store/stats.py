"""Aggregate usage counters for administrators (``pk = STATS#<day>``, ``sk = TOTALS``), per UTC day.

Counters are atomic DynamoDB ``ADD`` updates: sessions created and completed, answers recorded, and the sum and
count of completed sessions' overall scores (their mean is derived). They are kept from the table's stream
(``interview.changes``), one update per batch of changes, never on a request's path. They hold numbers only, never
anyone's content or identity. Items expire after ``RETENTION_DAYS``.
"""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from practice_shared.aws import resource
from practice_shared.store.dynamo import dynamo_errors, table, transact_write

COUNTERS = ("sessions_created", "sessions_completed", "answers", "score_total", "scored_sessions")
RETENTION_DAYS = 400


def _key(day: date) -> dict[str, str]:
    return {"pk": f"STATS#{day.isoformat()}", "sk": "TOTALS"}


def add(day: date, amounts: Mapping[str, float], token: str) -> None:
    """Atomically add ``amounts`` (per counter of :data:`COUNTERS`) to ``day``'s totals.

    ``token`` names this addition: the same token within ten minutes is applied once (DynamoDB's transaction
    idempotency), so a retried batch of changes is not counted twice.
    """
    unknown = set(amounts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"Unknown counters: {sorted(unknown)}")
    names = {f"#c{i}": name for i, name in enumerate(amounts)}
    values: dict[str, Any] = {f":v{i}": Decimal(str(round(v, 3))) for i, v in enumerate(amounts.values())}
    values[":exp"] = int(datetime.combine(day, time(), UTC).timestamp()) + RETENTION_DAYS * 86_400
    adds = ", ".join(f"#c{i} :v{i}" for i in range(len(amounts)))
    update = {
        "TableName": table().name,
        "Key": _key(day),
        "UpdateExpression": f"ADD {adds} SET expires_at = if_not_exists(expires_at, :exp)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    transact_write([{"Update": update}], token=token)


def daily(days: int) -> list[dict[str, Any]]:
    """The totals of the last ``days`` UTC days (today included), oldest first; days without activity are zeros."""
    today = datetime.now(UTC).date()
    wanted = [today - timedelta(days=n) for n in reversed(range(days))]
    found: dict[str, dict[str, Any]] = {}
    name = table().name
    with dynamo_errors():
        for start in range(0, len(wanted), 100):
            keys = [_key(day) for day in wanted[start : start + 100]]
            request: dict[str, Any] = {name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                response = resource("dynamodb").batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(name, []):
                    found[item["pk"]] = item
                request = response.get("UnprocessedKeys") or {}
    rows = []
    for day in wanted:
        item = found.get(_key(day)["pk"], {})
        rows.append({"date": day.isoformat(), **{counter: float(item.get(counter, 0)) for counter in COUNTERS}})
    return rows
