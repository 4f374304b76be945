"""The local stack's DynamoDB stream event sources: Lambda's filter rules, batching, retries, failure records."""

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local_stack.cfn import TemplateError
from local_stack.event_filters import check_pattern, matches, matches_any
from local_stack.event_sources import StreamPoller
from local_stack.functions import InvocationResult
from local_stack.template import StreamSourceSpec

EVENTS = Path(__file__).resolve().parents[1] / "events"
TABLE = "StreamTable"


# ---------------------------------------------------------------------- filter patterns


RECORD = {
    "eventName": "MODIFY",
    "dynamodb": {
        "Keys": {"pk": {"S": "SESSION#1"}, "sk": {"S": "META"}},
        "NewImage": {"state": {"S": "completed"}, "n": 7},
        "OldImage": {"state": {"S": "active"}},
    },
    "tags": ["a", "b"],
}


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"eventName": ["MODIFY"]}, True),
        ({"eventName": ["INSERT", "REMOVE"]}, False),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "SESSION#"}]}}}}, True),
        ({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "QUOTA#"}]}}}}, False),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"suffix": "TA"}]}}}}, True),
        ({"dynamodb": {"Keys": {"sk": {"S": [{"equals-ignore-case": "meta"}]}}}}, True),
        ({"dynamodb": {"OldImage": {"state": {"S": [{"anything-but": ["completed"]}]}}}}, True),
        ({"dynamodb": {"NewImage": {"state": {"S": [{"anything-but": "completed"}]}}}}, False),
        ({"dynamodb": {"NewImage": {"n": [{"numeric": [">", 5, "<=", 7]}]}}}, True),
        ({"dynamodb": {"NewImage": {"n": [{"numeric": [">", 7]}]}}}, False),
        ({"dynamodb": {"NewImage": {"n": ["7"]}}}, False),  # a string never equals a number
        ({"dynamodb": {"NewImage": {"missing": [{"exists": False}]}}}, True),
        ({"dynamodb": {"NewImage": {"state": [{"exists": True}]}}}, True),
        ({"dynamodb": {"Absent": {"state": [{"exists": False}]}}}, True),  # a missing object holds nothing
        ({"dynamodb": {"Absent": {"state": {"S": ["x"]}}}}, False),
        ({"tags": ["b"]}, True),  # a list value matches if any element does
        ({"eventName": ["MODIFY"], "dynamodb": {"Keys": {"sk": {"S": ["ANSWER"]}}}}, False),  # every key must match
    ],
)
def test_filter_patterns_follow_lambdas_rules(pattern: dict[str, Any], expected: bool) -> None:
    assert matches(check_pattern(pattern), RECORD) is expected


def test_a_record_passes_if_any_filter_matches_and_no_filters_pass_everything() -> None:
    assert matches_any([{"eventName": ["INSERT"]}, {"eventName": ["MODIFY"]}], RECORD)
    assert not matches_any([{"eventName": ["INSERT"]}], RECORD)
    assert matches_any([], RECORD)


@pytest.mark.parametrize(
    "pattern",
    [
        {"eventName": [{"wildcard": "MOD*"}]},
        {"eventName": "MODIFY"},
        ["MODIFY"],
        {"a": [{"prefix": "x", "suffix": "y"}]},
    ],
)
def test_filters_the_local_stack_cannot_apply_are_refused(pattern: Any) -> None:
    with pytest.raises(TemplateError):
        check_pattern(pattern)


# ---------------------------------------------------------------------- pollers over moto's stream


class Function:
    """Stands in for a function pool: records each batch, fails the first ``failures`` invocations."""

    def __init__(self, failures: int = 0):
        self.batches: list[list[dict[str, Any]]] = []
        self.failures = failures

    def invoke(self, payload: bytes) -> InvocationResult:
        self.batches.append(json.loads(payload)["Records"])
        if len(self.batches) <= self.failures:
            body = json.dumps({"errorMessage": "boom", "errorType": "RuntimeError"}).encode()
            return InvocationResult(request_id="r", payload=body, function_error="Unhandled")
        return InvocationResult(request_id="r", payload=b"null")


@pytest.fixture
def dynamodb():
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        yield client


def clients(service: str) -> Any:
    # botocore now addresses <account>.streams-ddb.<region>, which moto's in-process mock does not recognise
    endpoint = "https://streams.dynamodb.us-east-1.amazonaws.com" if service == "dynamodbstreams" else None
    return boto3.client(service, region_name="us-east-1", endpoint_url=endpoint)


def poller(function: Function, sent: list, **source: Any) -> StreamPoller:
    spec = StreamSourceSpec(table=TABLE, **source)
    arn = "arn:aws:lambda:us-east-1:123456789012:function:F"
    return StreamPoller(
        arn, spec, clients, function.invoke, lambda *record: sent.append(record), retry_delays=()
    ).open()


def put(dynamodb, pk: str, sk: str, **attributes: str) -> None:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
    dynamodb.put_item(TableName=TABLE, Item=item)


def test_records_arrive_filtered_in_batches_in_lambdas_event_shape(dynamodb) -> None:
    put(dynamodb, "SESSION#0", "META")  # before the mapping started: LATEST skips it
    function, sent = Function(), []
    mapping = poller(function, sent, batch_size=2, filters=({"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "S"}]}}}},))
    for i in range(3):
        put(dynamodb, f"SESSION#{i + 1}", "META", state="created")
    put(dynamodb, "QUOTA#u", "sessions")  # filtered out
    put(dynamodb, "SESSION#1", "META", state="active")
    mapping.poll()
    assert [len(batch) for batch in function.batches] == [2, 2]
    records = [record for batch in function.batches for record in batch]
    assert [r["eventName"] for r in records] == ["INSERT", "INSERT", "INSERT", "MODIFY"]
    assert records[3]["dynamodb"]["OldImage"]["state"] == {"S": "created"}
    assert records[3]["dynamodb"]["NewImage"]["state"] == {"S": "active"}
    reference = json.loads((EVENTS / "dynamodb_stream.json").read_text())["Records"][0]
    for record in records:
        assert set(reference) <= set(record) and set(reference["dynamodb"]) - {"NewImage"} <= set(record["dynamodb"])
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
        assert record["eventSourceARN"] == mapping.stream_arn
    mapping.poll()
    assert len(function.batches) == 2 and sent == []  # nothing new, nothing sent twice


def test_a_partial_batch_waits_for_the_batching_window(dynamodb) -> None:
    function, sent = Function(), []
    mapping = poller(function, sent, batch_size=10, batching_window=60.0)
    put(dynamodb, "SESSION#1", "META")
    mapping.poll()
    assert function.batches == []
    mapping._first_pending_at -= 60  # the window has passed
    mapping.poll()
    assert [len(batch) for batch in function.batches] == [1]


def test_a_failing_batch_is_retried_then_described_to_the_failure_destination(dynamodb) -> None:
    function, sent = Function(failures=10), []
    mapping = poller(function, sent, max_retries=2, on_failure="arn:aws:sqs:us-east-1:123456789012:Failures")
    put(dynamodb, "SESSION#1", "META")
    put(dynamodb, "SESSION#2", "META")
    mapping.poll()
    assert len(function.batches) == 3  # the first attempt and two retries, each with the same records
    assert all(batch == function.batches[0] for batch in function.batches)
    [(destination, record)] = sent
    assert destination == "arn:aws:sqs:us-east-1:123456789012:Failures"
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2 and info["streamArn"] == mapping.stream_arn
    assert info["startSequenceNumber"] == function.batches[0][0]["dynamodb"]["SequenceNumber"]
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responseContext"]["functionError"] == "Unhandled"


def test_a_batch_that_succeeds_on_retry_is_not_sent_anywhere(dynamodb) -> None:
    function, sent = Function(failures=1), []
    mapping = poller(function, sent, max_retries=-1, on_failure="arn:aws:sqs:us-east-1:123456789012:Failures")
    put(dynamodb, "SESSION#1", "META")
    mapping.poll()
    assert len(function.batches) == 2 and sent == [] and mapping.batches_delivered == 1
