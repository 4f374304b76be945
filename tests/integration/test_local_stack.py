"""The local stack end to end: REST, WebSocket, @connections, the Lambda Invoke API, moto, TTL and shutdown.

Real handlers where they exist (the gateway behind both APIs); test-only functions (handlers/probe.py) where a
test needs a function that crashes, hangs or reports what it sees.
"""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from event_loops import run_in_own_loop
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from local_stack.stack import LocalStack

KB = 1024
ROOT = Path(__file__).resolve().parents[2]


def lambda_client(stack: LocalStack) -> Any:
    # No SDK retries: each call must reach the emulator exactly once.
    return boto3.client(
        "lambda",
        endpoint_url=stack.lambda_url,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, read_timeout=60),
    )


def connections_client(stack: LocalStack) -> Any:
    return boto3.client("apigatewaymanagementapi", endpoint_url=stack.connections_url, region_name="us-east-1")


def invoke(stack: LocalStack, name: str, payload: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    response = lambda_client(stack).invoke(FunctionName=name, Payload=json.dumps(payload).encode(), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


def signed_in(stack: LocalStack) -> str:
    """The WebSocket URL with a development token, which the template's $connect authorizer requires."""
    return f"{stack.ws_url}?token={stack.dev_token('local-stack-tests')}"


def only_connection_id(stack: LocalStack) -> str:
    assert stack.websocket is not None
    deadline = time.monotonic() + 5
    while len(stack.websocket.connections) != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    (connection_id,) = stack.websocket.connections
    return connection_id


def close_code(ws: ClientConnection, send: Any = None) -> int | None:
    """The close code the server sent after ``ws.send(send)`` (the close may interrupt the send itself)."""
    with pytest.raises(ConnectionClosed) as closed:
        if send is not None:
            ws.send(send)
        for _ in range(100):
            ws.recv(timeout=30)
    return closed.value.rcvd.code if closed.value.rcvd else None


# ---------------------------------------------------------------------- REST API


def test_rest_request_round_trips_through_the_real_gateway(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.api_url}/health", timeout=60)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-amzn-requestid"]


def test_paths_outside_the_apis_answer_404_json(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.http_url}/no/such/thing", timeout=10)
    assert response.status_code == 404
    assert "/no/such/thing" in response.json()["message"]


def test_rest_body_over_10_mb_is_refused_by_the_api_413(stack: LocalStack) -> None:
    response = httpx.post(f"{stack.api_url}/sessions", content=b"x" * (10 * KB * KB + 1), timeout=60)
    assert response.status_code == 413  # with the template's REQUEST_TOO_LARGE gateway response: the API's shape
    assert response.json()["error"]["code"] == "payload_too_large"
    assert "upload link" in response.json()["error"]["message"]


def test_cors_preflight_comes_from_the_template(stack: LocalStack) -> None:
    response = httpx.options(f"{stack.api_url}/sessions", timeout=10)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
    assert "POST" in response.headers["access-control-allow-methods"]


# ---------------------------------------------------------------------- WebSocket API and @connections


def test_websocket_ping_is_answered_through_connections(stack: LocalStack) -> None:
    with connect(signed_in(stack)) as ws:
        ws.send(json.dumps({"action": "ping", "id": "p1"}))
        assert json.loads(ws.recv(timeout=60)) == {"type": "pong", "id": "p1"}


def test_a_frame_over_32_kb_closes_the_connection_with_1009(stack: LocalStack) -> None:
    with connect(signed_in(stack), max_size=None) as ws:
        assert close_code(ws, "x" * (40 * KB)) == 1009


def test_a_message_over_128_kb_in_small_frames_closes_with_1009(stack: LocalStack) -> None:
    with connect(signed_in(stack)) as ws:
        # 130 KB in five frames, each under the 32 KB frame limit
        assert close_code(ws, iter(["x" * (26 * KB)] * 5)) == 1009


def test_a_message_under_the_limits_in_small_frames_reaches_the_function(stack: LocalStack) -> None:
    body = json.dumps({"action": "ping", "id": "big", "padding": "x" * (100 * KB)})
    frames = [body[i : i + 25 * KB] for i in range(0, len(body), 25 * KB)]
    with connect(signed_in(stack)) as ws:
        ws.send(iter(frames))
        answer = json.loads(ws.recv(timeout=60))
        assert answer["type"] in ("pong", "error")  # the gateway answered: the message went through


def test_connections_api_posts_describes_and_deletes_with_boto3(stack: LocalStack) -> None:
    api = connections_client(stack)
    with connect(signed_in(stack), user_agent_header="probe-agent/1.0") as ws:
        connection_id = only_connection_id(stack)
        api.post_to_connection(ConnectionId=connection_id, Data=b'{"type": "hello"}')
        assert json.loads(ws.recv(timeout=10)) == {"type": "hello"}

        described = api.get_connection(ConnectionId=connection_id)
        assert described["Identity"] == {"SourceIp": "127.0.0.1", "UserAgent": "probe-agent/1.0"}
        assert described["LastActiveAt"] >= described["ConnectedAt"]

        with pytest.raises(api.exceptions.PayloadTooLargeException):
            api.post_to_connection(ConnectionId=connection_id, Data=b"x" * (128 * KB + 1))

        api.delete_connection(ConnectionId=connection_id)
        assert close_code(ws) == 1000
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection_id, Data=b"late")
    with pytest.raises(api.exceptions.GoneException):
        api.get_connection(ConnectionId=connection_id)


def test_idle_connections_are_closed_going_away(stack: LocalStack, monkeypatch: pytest.MonkeyPatch) -> None:
    assert stack.websocket is not None
    monkeypatch.setattr(stack.websocket, "idle_timeout", 1.0)
    with connect(signed_in(stack)) as ws:
        started = time.monotonic()
        assert close_code(ws) == 1001
        assert 0.9 < time.monotonic() - started < 10


def test_connections_are_closed_after_their_maximum_duration_even_when_active(
    stack: LocalStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stack.websocket is not None
    monkeypatch.setattr(stack.websocket, "max_connection_seconds", 1.5)
    started = time.monotonic()  # the connection's lifetime starts with its handshake
    with connect(signed_in(stack)) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            for i in range(100):  # active all along: a ping every 0.3 s, each answered
                ws.send(json.dumps({"action": "ping", "id": str(i)}))
                ws.recv(timeout=30)
                time.sleep(0.3)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
        assert 1.4 < time.monotonic() - started < 10


# ---------------------------------------------------------------------- Lambda Invoke API and the runtime


def test_request_response_invocation_runs_the_real_interview_function(stack: LocalStack) -> None:
    response, answer = invoke(stack, "InterviewFunction", {"action": "health", "payload": {}})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert response["ExecutedVersion"] == "$LATEST"
    assert answer["ok"] is True and answer["result"]["function"] == "interview"


def test_the_gateway_refuses_an_unknown_job_in_its_envelope(stack: LocalStack) -> None:
    response, answer = invoke(stack, "GatewayFunction", {"action": "no_such_job", "payload": {}})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert answer["ok"] is False and answer["error"]["code"] == "unknown_action"


def test_functions_are_found_by_arn_and_by_their_template_name(stack: LocalStack) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:GatewayFunction"
    for name in (arn, "local-gateway", "GatewayFunction:$LATEST"):
        response, _ = invoke(stack, name, {"action": "no_such_job", "payload": {}})
        assert response["StatusCode"] == 200, name


def test_the_function_sees_a_lambda_context_and_only_its_own_environment(stack: LocalStack) -> None:
    _, first = invoke(stack, "Describe", {"n": 1})
    _, second = invoke(stack, "Describe", {"n": 2})
    assert second["event"] == {"n": 2}
    assert second["function_name"] == "Describe" and second["function_version"] == "$LATEST"
    assert second["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:Describe"
    assert second["memory_limit_in_mb"] == "256"
    assert 0 < second["remaining_ms"] <= 5000
    assert second["log_group_name"] == "/aws/lambda/Describe"
    assert second["aws_request_id"] != first["aws_request_id"]
    # A warm container: same process, module state kept.
    assert (second["pid"], second["invocations"]) == (first["pid"], first["invocations"] + 1)
    env = second["env"]
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "Describe" and env["AWS_REGION"] == "us-east-1"
    assert env["TABLE_NAME"] == "probe-table"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == stack.moto_url
    assert env["AWS_ENDPOINT_URL_LAMBDA"] == stack.lambda_url
    assert env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] == stack.connections_url
    assert env["POWERTOOLS_TRACE_DISABLED"] == "true"
    assert env["HOST_ONLY_SETTING"] is None
    # Like a Lambda package: its own code and layers only (this probe has no layer), not other functions.
    assert second["importable"] == {"gateway": False, "voice": False, "practice_shared": False}


def test_an_unhandled_exception_is_a_function_error(stack: LocalStack) -> None:
    response, error = invoke(stack, "Crash", {"why": "testing"})
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "crashed on purpose: testing"
    assert any("probe.py" in line for line in error["stackTrace"])


def test_a_function_past_its_timeout_is_stopped_and_replaced(stack: LocalStack) -> None:
    started = time.monotonic()
    response, error = invoke(stack, "Sleep", {"seconds": 5})
    elapsed = time.monotonic() - started
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in error["errorMessage"]
    assert elapsed < 4
    response, answer = invoke(stack, "Sleep", {"seconds": 0})
    assert "FunctionError" not in response and answer == {"slept": 0.0}


def test_callers_beyond_the_pools_size_wait_in_the_event_loop_and_threads_are_not_starved(stack: LocalStack) -> None:
    registry = stack.functions
    assert registry is not None
    size = stack.concurrency.get("Sleep", 2)
    nap = json.dumps({"seconds": 0.2}).encode()
    results: dict[str, Any] = {}

    async def callers() -> list[Any]:
        loop = asyncio.get_running_loop()
        # A background caller on the thread path (as stream pollers are) competes with the event loop's callers.
        threaded = loop.run_in_executor(None, registry.pools["Sleep"].invoke, nap)
        calls = [asyncio.ensure_future(registry.invoke("Sleep", nap)) for _ in range(3 * size)]
        given_up = asyncio.ensure_future(registry.invoke("Sleep", nap))
        await asyncio.sleep(0.05)
        given_up.cancel()  # a caller that stops waiting for a worker must not take one with it
        results["threaded"] = await threaded
        return await asyncio.gather(*calls)

    started = time.monotonic()
    answers = run_in_own_loop(callers())
    elapsed = time.monotonic() - started
    assert all(a.function_error is None and a.json() == {"slept": 0.2} for a in answers)
    assert results["threaded"].function_error is None
    assert elapsed >= 0.2 * 3  # never more than `size` at once
    assert not registry.pools["Sleep"]._busy  # every worker came back, the given-up caller's turn included


def test_a_runtime_that_exits_is_reported_like_lambda(stack: LocalStack) -> None:
    response, error = invoke(stack, "Exit", {})
    assert response["FunctionError"] == "Unhandled"
    assert error["errorType"] == "Runtime.ExitError" and "exit status 3" in error["errorMessage"]


def test_unknown_functions_and_qualifiers_are_not_found(stack: LocalStack) -> None:
    client = lambda_client(stack)
    for name in ("NoSuchFunction", "GatewayFunction:7"):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.invoke(FunctionName=name, Payload=b"{}")


def test_payloads_over_the_lambda_limits_are_refused(stack: LocalStack) -> None:
    client = lambda_client(stack)
    big = json.dumps({"data": "x" * (7 * KB * KB)}).encode()
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName="Describe", Payload=big)
    over_async = json.dumps({"data": "x" * (KB * KB)}).encode()
    with pytest.raises(client.exceptions.RequestTooLargeException):
        client.invoke(FunctionName="Describe", InvocationType="Event", Payload=over_async)
    with pytest.raises(client.exceptions.InvalidRequestContentException):
        client.invoke(FunctionName="Describe", Payload=b"{not json")


def test_a_warm_function_takes_and_returns_megabytes(stack: LocalStack) -> None:
    # A warm worker's answer is awaited in the event loop, which must leave its socket blocking for big messages.
    invoke(stack, "Describe", {"n": 0})
    data = "x" * (5 * KB * KB)
    for _ in range(2):
        response, answer = invoke(stack, "Describe", {"data": data})
        assert "FunctionError" not in response and answer["event"]["data"] == data


def test_dry_run_checks_without_running(stack: LocalStack) -> None:
    response = lambda_client(stack).invoke(FunctionName="Describe", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204


def test_event_invocations_return_at_once_and_failures_reach_the_on_failure_queue(stack: LocalStack) -> None:
    started = time.monotonic()
    response = lambda_client(stack).invoke(
        FunctionName="Crash", InvocationType="Event", Payload=json.dumps({"why": "async"}).encode()
    )
    assert response["StatusCode"] == 202 and time.monotonic() - started < 2
    sqs = stack.aws_client("sqs")
    queue_url = sqs.get_queue_url(QueueName="AsyncFailureQueue")["QueueUrl"]
    # The stack is shared with other tests, whose failed jobs may be in the queue too: find this invocation's record.
    request_id = response["ResponseMetadata"]["RequestId"]
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while not records and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1, MaxNumberOfMessages=10)
        bodies = [json.loads(m["Body"]) for m in messages.get("Messages", [])]
        records = [b for b in bodies if b["requestContext"]["requestId"] == request_id]
    assert records, "no destination record arrived"
    record = records[0]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # the first try and two retries
    assert record["requestContext"]["requestId"] == response["ResponseMetadata"]["RequestId"]
    assert record["requestPayload"] == {"why": "async"}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "ValueError"


# ---------------------------------------------------------------------- moto: stores from the template


def test_tables_bucket_and_queue_exist_as_the_template_declares(stack: LocalStack) -> None:
    dynamodb = stack.aws_client("dynamodb")
    table = dynamodb.describe_table(TableName="InterviewTable")["Table"]
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-user"
    assert {k["AttributeName"] for k in index["KeySchema"]} == {"gsi1pk", "gsi1sk"}
    ttl = dynamodb.describe_time_to_live(TableName="InterviewTable")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    idempotency = dynamodb.describe_table(TableName="IdempotencyTable")["Table"]
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    s3 = stack.aws_client("s3")
    (rule,) = s3.get_bucket_cors(Bucket="audio-bucket")["CORSRules"]
    assert {"PUT", "POST", "GET"} <= set(rule["AllowedMethods"])
    prefixes = {r["Filter"]["Prefix"] for r in s3.get_bucket_lifecycle_configuration(Bucket="audio-bucket")["Rules"]}
    assert {"answers/", "tts/", "streams/"} <= prefixes
    assert stack.aws_client("sqs").get_queue_url(QueueName="AsyncFailureQueue")["QueueUrl"]


def test_queries_read_one_partition_with_dynamodb_order_limits_and_pages(stack: LocalStack) -> None:
    # moto_process narrows a Query to the queried partition; the answers must stay DynamoDB's.
    dynamodb = stack.aws_client("dynamodb")
    for partition in ("query-a", "query-b"):
        for n in (3, 1, 4, 0, 2):
            item = {
                "pk": {"S": partition},
                "sk": {"S": f"item#{n}"},
                "gsi1pk": {"S": f"owner-{partition}"},
                "gsi1sk": {"S": f"2026-01-0{n + 1}"},
            }
            dynamodb.put_item(TableName="InterviewTable", Item=item)

    def query(**kwargs: Any) -> dict[str, Any]:
        return dynamodb.query(TableName="InterviewTable", **kwargs)

    key = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": {"S": "query-a"}}}
    assert [i["sk"]["S"] for i in query(**key)["Items"]] == [f"item#{n}" for n in range(5)]
    newest = query(**key, ScanIndexForward=False, Limit=2)
    assert [i["sk"]["S"] for i in newest["Items"]] == ["item#4", "item#3"]
    rest = query(**key, ScanIndexForward=False, ExclusiveStartKey=newest["LastEvaluatedKey"])
    assert [i["sk"]["S"] for i in rest["Items"]] == ["item#2", "item#1", "item#0"]
    prefix = query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues={":pk": {"S": "query-b"}, ":p": {"S": "item#"}},
        Select="COUNT",
    )
    assert prefix["Count"] == 5
    by_owner = query(
        IndexName="by-user",
        KeyConditionExpression="gsi1pk = :o",
        ExpressionAttributeValues={":o": {"S": "owner-query-b"}},
        ScanIndexForward=False,
        Limit=3,
    )
    assert [i["gsi1sk"]["S"] for i in by_owner["Items"]] == ["2026-01-05", "2026-01-04", "2026-01-03"]
    assert {i["pk"]["S"] for i in by_owner["Items"]} == {"query-b"}
    # An item that changes owner, one deleted, and one given an owner by an update move in the index as well.
    dynamodb.update_item(
        TableName="InterviewTable",
        Key={"pk": {"S": "query-b"}, "sk": {"S": "item#4"}},
        UpdateExpression="SET gsi1pk = :o",
        ExpressionAttributeValues={":o": {"S": "owner-query-a"}},
    )
    dynamodb.delete_item(TableName="InterviewTable", Key={"pk": {"S": "query-b"}, "sk": {"S": "item#3"}})
    dynamodb.update_item(
        TableName="InterviewTable",
        Key={"pk": {"S": "query-c"}, "sk": {"S": "item#9"}},
        UpdateExpression="SET gsi1pk = :o, gsi1sk = :d",
        ExpressionAttributeValues={":o": {"S": "owner-query-b"}, ":d": {"S": "2026-01-09"}},
    )

    def owned_by(owner: str) -> list[str]:
        items = query(
            IndexName="by-user",
            KeyConditionExpression="gsi1pk = :o",
            ExpressionAttributeValues={":o": {"S": owner}},
        )["Items"]
        return [f"{i['pk']['S']}/{i['sk']['S']}" for i in items]

    assert owned_by("owner-query-b") == ["query-b/item#0", "query-b/item#1", "query-b/item#2", "query-c/item#9"]
    assert owned_by("owner-query-a")[-1] == "query-b/item#4" and len(owned_by("owner-query-a")) == 6


def _dynamodb_calls(dynamodb: Any, table: str) -> list[dict[str, Any]]:
    """Data-plane calls whose answers carry every kind of attribute value."""
    item = {
        "pk": {"S": "json-test"},
        "sk": {"S": "item#1"},
        "n": {"N": "12.50"},
        "b": {"B": b"\x00\xffbytes"},
        "flag": {"BOOL": True},
        "nothing": {"NULL": True},
        "names": {"SS": ["a", "b"]},
        "counts": {"NS": ["1", "2"]},
        "blobs": {"BS": [b"x", b"y"]},
        "list": {"L": [{"S": "one"}, {"N": "2"}, {"M": {"deep": {"S": "value"}}}]},
        "map": {"M": {"k": {"S": "v"}, "inner": {"L": [{"BOOL": False}]}}},
    }
    key = {"pk": item["pk"], "sk": item["sk"]}
    answers = [
        dynamodb.put_item(TableName=table, Item=item),
        dynamodb.put_item(TableName=table, Item={**item, "sk": {"S": "item#2"}}, ReturnValues="ALL_OLD"),
        dynamodb.put_item(TableName=table, Item={**item, "sk": {"S": "item#2"}}, ReturnValues="ALL_OLD"),
        dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True),
        dynamodb.get_item(TableName=table, Key={**key, "sk": {"S": "missing"}}),
        dynamodb.get_item(
            TableName=table, Key=key, ProjectionExpression="#m.k, b", ExpressionAttributeNames={"#m": "map"}
        ),
        dynamodb.query(
            TableName=table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": item["pk"]},
            ScanIndexForward=False,
            Limit=1,
        ),
        dynamodb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="ADD n :one SET #l[0] = :s",
            ExpressionAttributeNames={"#l": "list"},
            ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": "uno"}},
            ReturnValues="ALL_NEW",
        ),
        dynamodb.batch_get_item(RequestItems={table: {"Keys": [key]}}),
        dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": table, "Key": key}}]),
        dynamodb.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD"),
    ]
    for answer in answers:
        answer.pop("ResponseMetadata")
    return answers


def test_moto_answers_data_calls_as_its_own_serializer_does(stack: LocalStack) -> None:
    # moto_process dumps DynamoDB results as JSON instead of walking the API model; compare with moto's own.
    from moto import mock_aws

    served = _dynamodb_calls(stack.aws_client("dynamodb"), "InterviewTable")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName="InterviewTable",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        plain = _dynamodb_calls(dynamodb, "InterviewTable")
    assert served == plain


def test_a_cancelled_transaction_leaves_every_item_as_it_was(stack: LocalStack) -> None:
    # moto_process backs up only the items a transaction names; a cancelled one must still change nothing.
    dynamodb = stack.aws_client("dynamodb")

    def key(sk: str) -> dict[str, Any]:
        return {"pk": {"S": "tx-test"}, "sk": {"S": sk}}

    dynamodb.put_item(TableName="InterviewTable", Item={**key("counter"), "n": {"N": "1"}})
    dynamodb.put_item(TableName="InterviewTable", Item={**key("guard"), "state": {"S": "closed"}})
    dynamodb.put_item(TableName="InterviewTable", Item={**key("replaced"), "v": {"S": "old"}})
    dynamodb.put_item(TableName="InterviewTable", Item={**key("gone"), "v": {"S": "here"}})
    writes = [
        {"Put": {"TableName": "InterviewTable", "Item": {**key("new"), "v": {"S": "x"}}}},
        {"Put": {"TableName": "InterviewTable", "Item": {**key("replaced"), "v": {"S": "new"}}}},
        {"Delete": {"TableName": "InterviewTable", "Key": key("gone")}},
        {
            "Update": {
                "TableName": "InterviewTable",
                "Key": key("counter"),
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {
            "ConditionCheck": {
                "TableName": "InterviewTable",
                "Key": key("guard"),
                "ConditionExpression": "#s = :open",
                "ExpressionAttributeNames": {"#s": "state"},
                "ExpressionAttributeValues": {":open": {"S": "open"}},
            }
        },
    ]
    with pytest.raises(dynamodb.exceptions.TransactionCanceledException) as cancelled:
        dynamodb.transact_write_items(TransactItems=writes)
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "None", "ConditionalCheckFailed"]

    def items() -> dict[str, dict[str, Any]]:
        found = dynamodb.query(
            TableName="InterviewTable",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "tx-test"}},
        )["Items"]
        return {item["sk"]["S"]: item for item in found}

    before = items()
    assert set(before) == {"counter", "guard", "replaced", "gone"} and before["counter"]["n"] == {"N": "1"}
    assert before["replaced"]["v"] == {"S": "old"}
    dynamodb.put_item(TableName="InterviewTable", Item={**key("guard"), "state": {"S": "open"}})
    dynamodb.transact_write_items(TransactItems=writes)
    after = items()
    assert set(after) == {"counter", "guard", "new", "replaced"} and after["counter"]["n"] == {"N": "2"}
    assert after["replaced"]["v"] == {"S": "new"}


def test_the_ttl_sweeper_deletes_expired_items_only(stack: LocalStack) -> None:
    dynamodb = stack.aws_client("dynamodb")
    now = int(time.time())
    for sk, expires in (("expired", now - 60), ("alive", now + 3600)):
        item = {"pk": {"S": "ttl-test"}, "sk": {"S": sk}, "expires_at": {"N": str(expires)}}
        dynamodb.put_item(TableName="InterviewTable", Item=item)
    deadline = time.monotonic() + 10
    remaining: set[str] = {"expired", "alive"}
    while "expired" in remaining and time.monotonic() < deadline:
        time.sleep(0.2)
        items = dynamodb.query(
            TableName="InterviewTable",
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "ttl-test"}},
        )["Items"]
        remaining = {item["sk"]["S"] for item in items}
    assert remaining == {"alive"}


def test_moto_process_keeps_what_survived_out_of_full_garbage_collections() -> None:
    import gc

    from local_stack import moto_process

    def collected() -> set[int]:
        """What the collector's generations hold (frozen objects are in none of them)."""
        return {id(o) for generation in range(3) for o in gc.get_objects(generation)}

    survivors = [[i] for i in range(1_000)]  # what moto keeps: objects that live on
    assert {id(s) for s in survivors} <= collected()
    stop = threading.Event()
    freezer = threading.Thread(target=moto_process._freeze_every, args=(0.05, stop), daemon=True)
    freezer.start()
    try:
        deadline = time.monotonic() + 10
        while {id(s) for s in survivors} & collected() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not {id(s) for s in survivors} & collected()
    finally:
        stop.set()
        freezer.join(timeout=5)
        gc.unfreeze()  # this test process's collections stay as they were
    assert not freezer.is_alive()


# ---------------------------------------------------------------------- health, static files, shutdown


def test_health_checks_every_template_function_through_its_real_handler(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.http_url}/health", timeout=120)
    report = response.json()
    assert response.status_code == 200 and report["status"] == "ok", report
    functions = report["functions"]
    assert set(functions) == {"GatewayFunction", "InterviewFunction", "VoiceFunction", "AuthorizerFunction"}
    assert functions["GatewayFunction"]["detail"]["status"] == "ok"  # through a REST event for /api/health
    assert functions["AuthorizerFunction"]["detail"]["result"]["signing_keys"] == 1  # the local issuer's JWKS
    assert functions["InterviewFunction"]["detail"]["result"]["function"] == "interview"
    assert functions["VoiceFunction"]["detail"]["ok"] is True


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_stack_serves_its_web_directory_and_stops_every_process(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<h1>practice</h1>")
    stack = LocalStack(port=0, web_dir=tmp_path, extra_functions=[], ttl_sweep_seconds=60, prewarm=True).start()
    try:
        assert stack.functions is not None
        # the interview function's stream batches get a warm worker of their own besides the requests'
        assert len(stack.functions.pools["InterviewFunction"]._idle) == 2
        assert len(stack.functions.pools["GatewayFunction"]._idle) == 1
        page = httpx.get(f"{stack.http_url}/", timeout=10)
        assert page.status_code == 200 and "<h1>practice</h1>" in page.text
        assert httpx.get(f"{stack.api_url}/health", timeout=60).status_code == 200
        assert stack.functions is not None and stack.moto is not None
        workers = [w.process for pool in stack.functions.pools.values() for w in pool._idle]
        moto_process = stack.moto._process
        port, moto_port = stack.port, stack.moto.port
        assert workers, "the gateway worker should be warm"
    finally:
        stack.stop()
    assert all(w.poll() is not None for w in workers)
    assert moto_process.poll() is not None
    assert not _port_open(port) and not _port_open(moto_port)


def test_the_command_line_stops_cleanly_on_ctrl_c() -> None:
    env = {**os.environ, "PORT": "0", "PYTHONPATH": str(ROOT / "infra")}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_stack", "--no-prewarm"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "health" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "".join(lines)
        url = next(line.split()[-1] for line in lines if "health" in line)
        assert httpx.get(url.replace("/health", "/api/health"), timeout=60).status_code == 200
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    assert process.stdout is not None
    process.stdout.close()
    output = "".join(lines)
    assert "Traceback" not in output, output
    assert "Stopped." in output
