"""Usage statistics from the table's stream: real stream records from moto's DynamoDB, in Lambda's event shape."""

from datetime import UTC, datetime

import boto3
from test_service import STRONG, answer, create

from interview import handler, service
from local_stack.event_filters import matches_any
from local_stack.event_sources import lambda_record
from local_stack.inprocess import context
from local_stack.template import Template
from practice_shared.store import stats
from practice_shared.store.dynamo import table


def stream_records() -> list[dict]:
    """Every change moto's stream holds for the table, as Lambda would deliver them."""
    # botocore now addresses <account>.streams-ddb.<region>, which moto's in-process mock does not recognise
    streams = boto3.client(
        "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
    )
    arn = table().latest_stream_arn
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    response = streams.get_records(ShardIterator=iterator["ShardIterator"])
    return [lambda_record(record, arn) for record in response["Records"]]


def today() -> dict:
    return stats.daily(1)[-1]


def run_interview(mode: str) -> float | None:
    ref = create(num_questions=2, mode=mode)
    service.start_session(ref)
    answer(ref, STRONG)
    service.next_question(ref)
    answer(ref, "I would look at the logs first.")
    return service.end_session(ref).overall


def test_sessions_answers_and_completions_are_counted_from_the_stream(aws_tables):
    scores = [run_interview("evaluate"), run_interview("collect")]
    create(num_questions=1)  # created, never completed
    records = stream_records()
    filters = Template.load().stack_spec().functions["InterviewFunction"].stream_sources[0].filters
    passed = [r for r in records if matches_any(filters, r)]
    assert 0 < len(passed) < len(records)  # the template's filters drop what does not count (markers, quota...)

    result = handler.lambda_handler({"Records": passed}, context("interview"))

    assert result["records"] == len(passed)
    totals = today()
    assert totals["date"] == datetime.now(UTC).date().isoformat()
    assert totals["sessions_created"] == 3 and totals["sessions_completed"] == 2
    assert totals["answers"] == 4  # evaluate mode rewrites its answers: only their first write counts
    assert totals["score_total"] == round(sum(s for s in scores if s is not None), 3)
    assert totals["scored_sessions"] == sum(1 for s in scores if s is not None)


def test_the_counts_do_not_depend_on_the_filters(aws_tables):
    ref = create(num_questions=1)
    service.start_session(ref)
    answer(ref, STRONG)
    service.end_session(ref)
    service.end_session(ref)  # ending again changes nothing that counts
    handler.lambda_handler({"Records": stream_records()}, context("interview"))
    totals = today()
    assert (totals["sessions_created"], totals["answers"], totals["sessions_completed"]) == (1, 1, 1)


def test_an_empty_day_reads_as_zeros(aws_tables):
    assert today()["sessions_created"] == 0 and today()["answers"] == 0
