"""Clock helpers, in one place so that tests can reason about timestamps."""

import time
from datetime import UTC, datetime


def now_iso() -> str:
    """The current UTC time as an ISO 8601 string with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch_in(seconds: int) -> int:
    """Unix time ``seconds`` from now (DynamoDB TTL attributes are epoch seconds)."""
    return int(time.time()) + seconds
