"""Per-user daily quotas kept as atomic DynamoDB counters (``pk = QUOTA#<user>#<day>``, ``sk = <quota name>``).

Counters reset at midnight UTC; their items expire two days later.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from practice_shared.errors import TooManyRequests
from practice_shared.store.dynamo import ConditionFailed, dynamo_errors, table


def _key(user_id: str, quota: str, now: datetime) -> dict[str, str]:
    return {"pk": f"QUOTA#{user_id}#{now:%Y-%m-%d}", "sk": quota}


def _refuse(quota: str, limit: float, what: str, now: datetime) -> TooManyRequests:
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    retry_after = max(1, int((tomorrow - now).total_seconds()))
    return TooManyRequests(
        f"You have reached today's limit of {what}. It resets at midnight UTC.",
        details={"quota": quota, "limit": limit, "retry_after": retry_after},
    )


def _add(user_id: str, quota: str, amount: float, now: datetime, condition: dict | None = None) -> None:
    kwargs = condition or {"ExpressionAttributeValues": {}}
    values = {
        **kwargs.pop("ExpressionAttributeValues"),
        ":amount": Decimal(str(round(amount, 3))),
        ":expires": int(now.timestamp()) + 2 * 86_400,
    }
    with dynamo_errors():
        table().update_item(
            Key=_key(user_id, quota, now),
            UpdateExpression="ADD used :amount SET expires_at = if_not_exists(expires_at, :expires)",
            ExpressionAttributeValues=values,
            **kwargs,
        )


def consume(user_id: str, quota: str, amount: float, limit: float, what: str) -> None:
    """Atomically add ``amount`` to today's counter unless that would pass ``limit`` (then 429)."""
    now = datetime.now(UTC)
    condition = {
        "ConditionExpression": "attribute_not_exists(used) OR used <= :room",
        "ExpressionAttributeValues": {":room": Decimal(str(round(limit - amount, 3)))},
    }
    try:
        _add(user_id, quota, amount, now, condition)
    except ConditionFailed as exc:
        raise _refuse(quota, limit, what, now) from exc


def ensure_available(user_id: str, quota: str, limit: float, what: str) -> None:
    """Refuse with 429 when today's counter already reached ``limit`` (for amounts known only afterwards)."""
    now = datetime.now(UTC)
    with dynamo_errors():
        item = table().get_item(Key=_key(user_id, quota, now), ConsistentRead=True).get("Item") or {}
    if float(item.get("used", 0)) >= limit:
        raise _refuse(quota, limit, what, now)


def record(user_id: str, quota: str, amount: float) -> None:
    """Add ``amount`` to today's counter, with no limit check (the amount is already spent)."""
    _add(user_id, quota, amount, datetime.now(UTC))
