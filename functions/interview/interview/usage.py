"""Administrators' usage statistics, kept from the table's stream (the ``UsageStatistics`` event in template.yaml).

A batch of changes becomes one counter update per UTC day it spans, instead of one update per request on a
single hot item; the requests themselves never wait for statistics.
"""

import hashlib
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent

from practice_shared.observability import logger
from practice_shared.store import sessions as store
from practice_shared.store import stats


def record_changes(event: DynamoDBStreamEvent) -> dict[str, Any]:
    """Add what the batch's changes count (sessions created, answers, completions and scores) to each day's totals.

    A failure raises, so Lambda retries the batch; each day's addition carries a token made from the batch, so a
    retry within ten minutes does not count twice.
    """
    records = list(event.records)
    totals: dict[date, Counter[str]] = defaultdict(Counter)
    for record in records:
        change = record.dynamodb
        if record.event_name is None or change is None:
            continue
        amounts = store.usage_of_change(record.event_name.name, change.keys, change.old_image, change.new_image)
        if amounts:
            day = datetime.fromtimestamp(change.approximate_creation_date_time or 0, UTC).date()
            totals[day].update(amounts)
    batch = f"{records[0].event_id}:{records[-1].event_id}" if records else ""
    for day, amounts in sorted(totals.items()):
        token = hashlib.sha256(f"{batch}:{day}".encode()).hexdigest()[:36]
        stats.add(day, amounts, token)
    counted = {name: sum(amounts[name] for amounts in totals.values()) for name in stats.COUNTERS}
    logger.info("Usage statistics recorded", extra={"records": len(records), "counted": counted})
    return {"records": len(records), "counted": counted}
