"""Per-user daily quotas kept as atomic DynamoDB counters (``pk = QUOTA#<user>#<day>``, ``sk = <quota name>``).

Counters reset at midnight UTC; their items expire two days later. A quota spent on creating something is
consumed in the same transaction that writes it (:func:`consume_with`): a refused request writes nothing, and a
write that fails consumes nothing.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from practice_shared.errors import Conflict, TooManyRequests
from practice_shared.store.dynamo import Cancelled, dynamo_errors, table, transact_write

CONFLICT_ATTEMPTS = 5
ADD_EXPRESSION = "ADD used :amount SET expires_at = if_not_exists(expires_at, :expires)"


def _key(user_id: str, quota: str, now: datetime) -> dict[str, str]:
    return {"pk": f"QUOTA#{user_id}#{now:%Y-%m-%d}", "sk": quota}


def _refuse(quota: str, limit: float, what: str, now: datetime) -> TooManyRequests:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    retry_after = max(1, int((tomorrow - now).total_seconds()))
    return TooManyRequests(
        f"You have reached today's limit of {what}. It resets at midnight UTC.",
        details={"quota": quota, "limit": limit, "retry_after": retry_after},
    )


def _add_values(amount: float, now: datetime) -> dict[str, Any]:
    return {":amount": Decimal(str(round(amount, 3))), ":expires": int(now.timestamp()) + 2 * 86_400}


def consume_with(write: dict[str, Any], user_id: str, quota: str, amount: float, limit: float, what: str) -> None:
    """Write ``write`` (a TransactWriteItems entry) and add ``amount`` to today's counter in one transaction,
    unless that would pass ``limit`` (then 429 and nothing is written).

    Concurrent requests of one user conflict on the counter (DynamoDB cancels all but one transaction); they are
    retried. Any other cancellation (``write``'s own condition) raises :class:`Cancelled`.
    """
    now = datetime.now(UTC)
    charge = {
        "Update": {
            "TableName": table().name,
            "Key": _key(user_id, quota, now),
            "UpdateExpression": ADD_EXPRESSION,
            "ConditionExpression": "attribute_not_exists(used) OR used <= :room",
            "ExpressionAttributeValues": {**_add_values(amount, now), ":room": Decimal(str(round(limit - amount, 3)))},
        }
    }
    for _ in range(CONFLICT_ATTEMPTS):
        try:
            return transact_write([write, charge])
        except Cancelled as exc:
            if exc.reasons[1] == "ConditionalCheckFailed":
                raise _refuse(quota, limit, what, now) from exc
            if "TransactionConflict" not in exc.reasons:
                raise
    raise Conflict("Too many requests at once; please try again.", code="busy")


def ensure_available(user_id: str, quota: str, limit: float, what: str) -> None:
    """Refuse with 429 when today's counter already reached ``limit`` (for amounts known only afterwards)."""
    now = datetime.now(UTC)
    with dynamo_errors():
        item = table().get_item(Key=_key(user_id, quota, now), ConsistentRead=True).get("Item") or {}
    if float(item.get("used", 0)) >= limit:
        raise _refuse(quota, limit, what, now)


def record(user_id: str, quota: str, amount: float) -> None:
    """Add ``amount`` to today's counter, with no limit check (the amount is already spent)."""
    now = datetime.now(UTC)
    with dynamo_errors():
        table().update_item(
            Key=_key(user_id, quota, now),
            UpdateExpression=ADD_EXPRESSION,
            ExpressionAttributeValues=_add_values(amount, now),
        )
