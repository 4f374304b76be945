"""What the interview function does with the table's changes (the ``SessionChanges`` stream event in template.yaml).

Administrators' usage statistics: a batch of changes becomes one counter update per UTC day it spans, instead of
one update per request on a single hot item. Collect-mode answers, where early evaluation is on (by default with
Bedrock): each is evaluated as soon as it is stored, so that ending the interview only builds the report.
Requests never wait for either.
"""

import hashlib
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBStreamEvent

from interview import service
from practice_shared.config import evaluates_early, get_settings
from practice_shared.observability import logger
from practice_shared.store import sessions as store
from practice_shared.store import stats


def handle(event: DynamoDBStreamEvent) -> dict[str, Any]:
    """Count the batch's changes, then evaluate the collect-mode answers it stored (where early evaluation is on)."""
    records = [r for r in event.records if r.event_name is not None and r.dynamodb is not None]
    counted = record_usage(records)
    evaluated = 0
    if evaluates_early(get_settings()):
        evaluated = service.evaluate_collected([answer for r in records if (answer := _answer(r)) is not None])
    logger.info("Changes handled", extra={"records": len(records), "counted": counted, "evaluated": evaluated})
    return {"records": len(records), "counted": counted, "evaluated": evaluated}


def record_usage(records: list[DynamoDBRecord]) -> dict[str, float]:
    """Add what the changes count (sessions created, answers, completions and scores) to each day's totals.

    A failure raises, so Lambda retries the batch; each day's addition carries a token made from the batch, so a
    retry within ten minutes does not count twice.
    """
    totals: dict[date, Counter[str]] = defaultdict(Counter)
    for record in records:
        change = record.dynamodb
        assert change is not None and record.event_name is not None
        amounts = store.usage_of_change(record.event_name.name, change.keys, change.old_image, change.new_image)
        if amounts:
            day = datetime.fromtimestamp(change.approximate_creation_date_time or 0, UTC).date()
            totals[day].update(amounts)
    batch = f"{records[0].event_id}:{records[-1].event_id}" if records else ""
    for day, amounts in sorted(totals.items()):
        token = hashlib.sha256(f"{batch}:{day}".encode()).hexdigest()[:36]
        stats.add(day, amounts, token)
    return {name: sum(amounts[name] for amounts in totals.values()) for name in stats.COUNTERS}


def _answer(record: DynamoDBRecord) -> store.StoredAnswer | None:
    change = record.dynamodb
    assert change is not None and record.event_name is not None
    return store.answer_inserted(record.event_name.name, change.keys, change.new_image)
