"""Faults: a failing or hanging voice or interview function gives a clear 502/503 (or error event), keeps the audio
and the session, and a retry succeeds; failed asynchronous jobs reach the on-failure queue; DynamoDB throttling
and write conflicts are retried or reported, never swallowed.

The stack here calls test-only copies of the voice and interview functions (handlers/faulty.py) that fail as a
test plans, then run the real handlers.
"""

import dataclasses
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from security_helpers import User, answer_items, audio_keys, events, join, of_type, send, speech_wav, stream_answer

from local_stack.inprocess import context
from local_stack.stack import LocalStack
from local_stack.template import Template

HANDLERS = Path(__file__).with_name("handlers")
TEXT = "I wrote the runbook, trained the on-call engineers, and pages dropped by half within a month."
SHORT = "We shipped the migration early."
CHUNK = 20_000  # audio bytes per audio_chunk message: the protocol's largest


def short_answer() -> bytes:
    """A spoken answer of at most two chunks of ``CHUNK`` bytes: too short to start a partial transcription (the
    gateway asks for one every third chunk), which could take a planned fault before the end of the answer does."""
    audio = speech_wav(SHORT, rate=8_000)
    assert len(audio) <= 2 * CHUNK
    return audio


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "plan.txt"
    path.write_text("")
    return path


@pytest.fixture(scope="module")
def faulty_stack(plan: Path) -> Iterator[LocalStack]:
    functions = Template.load().stack_spec().functions

    def faulty(logical_id: str, real: str, timeout: int, **env: str) -> Any:
        spec = functions[real]
        return dataclasses.replace(
            spec,
            logical_id=logical_id,
            handler="faulty.lambda_handler",
            code_dirs=(HANDLERS, *spec.code_dirs),
            timeout=timeout,
            aliases=(),
            environment={**spec.environment, "REAL_HANDLER": spec.handler, "FAULT_PLAN": str(plan), **env},
        )

    extra = [
        faulty("FaultyVoice", "VoiceFunction", 15, WHISPER_MODEL="tiny.en"),
        faulty("FaultyInterview", "InterviewFunction", 10),
    ]
    environment = {"VOICE_FUNCTION_NAME": "FaultyVoice", "INTERVIEW_FUNCTION_NAME": "FaultyInterview"}
    with LocalStack(
        port=0, web_dir=None, extra_functions=extra, environment=environment, async_retry_delays=(0.2, 0.2)
    ) as running:
        yield running


@pytest.fixture
def user(faulty_stack: LocalStack) -> Iterator[User]:
    signed_in = User(faulty_stack, f"faults-{uuid.uuid4().hex[:8]}")
    yield signed_in
    signed_in.close()


def inject(plan: Path, *faults: str) -> None:
    plan.write_text("".join(f"{fault}\n" for fault in faults))


def state(user: User, session_id: str) -> tuple[str, int, int]:
    session = user.call("GET", f"/api/sessions/{session_id}").json()["session"]
    return session["state"], session["answers_count"], session["current_index"]


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("transcribe error", 502, "downstream_error"), ("transcribe timeout", 503, "downstream_unavailable")],
)
def test_a_failing_voice_function_keeps_the_audio_and_the_session_and_a_retry_succeeds(
    faulty_stack: LocalStack, user: User, plan: Path, fault: str, status: int, code: str
) -> None:
    session_id = user.session()
    key = user.upload(session_id, speech_wav())
    body = {"audio_key": key, "client_answer_id": f"voice{uuid.uuid4().hex[:8]}"}
    inject(plan, fault)
    failed = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    assert failed.status_code == status, failed.text
    error = failed.json()["error"]
    assert error["code"] == code and "try again" in error["message"]
    assert audio_keys(faulty_stack, key) == [key]
    assert state(user, session_id) == ("active", 0, 0)
    retried = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    assert retried.status_code == 200, retried.text
    assert "migration" in retried.json()["transcription"]["text"].lower()
    assert state(user, session_id) == ("active", 1, 0) and len(answer_items(faulty_stack, session_id)) == 1


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [("submit_answer error", 502, "downstream_error"), ("submit_answer timeout", 503, "downstream_unavailable")],
)
def test_a_failing_interview_function_keeps_the_session_and_a_retry_succeeds(
    faulty_stack: LocalStack, user: User, plan: Path, fault: str, status: int, code: str
) -> None:
    session_id = user.session()
    body = {"text": TEXT, "client_answer_id": f"text{uuid.uuid4().hex[:8]}"}
    inject(plan, fault)
    failed = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    assert failed.status_code == status and failed.json()["error"]["code"] == code, failed.text
    assert state(user, session_id) == ("active", 0, 0)
    retried = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    assert retried.status_code == 200, retried.text
    assert state(user, session_id) == ("active", 1, 0) and len(answer_items(faulty_stack, session_id)) == 1


def test_a_streamed_answer_whose_transcription_fails_keeps_its_audio_and_can_be_ended_again(
    faulty_stack: LocalStack, user: User, plan: Path
) -> None:
    session_id = user.session()
    with user.ws() as ws:
        join(ws, session_id)
        last_seq = stream_answer(ws, "faultyvoice1", short_answer(), chunk=CHUNK)
        inject(plan, "transcribe error")
        send(ws, action="end_answer", answer_id="faultyvoice1", last_seq=last_seq)
        (error,) = [e for e in events(ws, of_type("error", "faultyvoice1"), timeout=120) if e["type"] == "error"]
        assert error["code"] == "downstream_error" and error["retryable"] is True
        assert audio_keys(faulty_stack, f"answers/{user.user_id}/{session_id}/faultyvoice1")
        assert len(audio_keys(faulty_stack, f"streams/{user.user_id}/{session_id}/faultyvoice1/")) == last_seq + 1
        assert state(user, session_id) == ("active", 0, 0)
        send(ws, action="end_answer", answer_id="faultyvoice1", last_seq=last_seq)
        done = events(ws, of_type("question"), timeout=120)
        assert any(e["type"] == "answer_result" for e in done)
    assert state(user, session_id)[1] == 1 and len(answer_items(faulty_stack, session_id)) == 1


def failure_records(stack: LocalStack, wait: float = 60) -> list[dict[str, Any]]:
    """The asynchronous-failure queue's records, once at least one has arrived."""
    sqs = stack.aws_client("sqs")
    url = sqs.get_queue_url(QueueName="AsyncFailureQueue")["QueueUrl"]
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if messages:
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            return [json.loads(m["Body"]) for m in messages]
    return []


def test_a_job_that_keeps_failing_reaches_the_on_failure_queue_and_the_answer_survives(
    faulty_stack: LocalStack, user: User, plan: Path
) -> None:
    session_id = user.session()
    with user.ws() as ws:
        join(ws, session_id)
        last_seq = stream_answer(ws, "crashing001", short_answer(), chunk=CHUNK)
        # The interview function answers nonsense three times: the job fails, Lambda retries it twice, then gives up.
        inject(plan, *["submit_answer garbage"] * 3)
        send(ws, action="end_answer", answer_id="crashing001", last_seq=last_seq)
        error = events(ws, of_type("error", "crashing001"), timeout=120)[-1]
        assert error["code"] == "downstream_error" and error["retryable"] is True
        (record,) = failure_records(faulty_stack, wait=120)
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 3
        assert record["requestPayload"]["action"] == "finish_answer"
        assert record["requestPayload"]["payload"]["answer_id"] == "crashing001"
        assert audio_keys(faulty_stack, f"answers/{user.user_id}/{session_id}/crashing001")
        send(ws, action="end_answer", answer_id="crashing001", last_seq=last_seq)  # the client retries
        assert any(e["type"] == "answer_result" for e in events(ws, of_type("question"), timeout=120))
    assert len(answer_items(faulty_stack, session_id)) == 1


def test_a_malformed_job_is_retried_then_dead_lettered(faulty_stack: LocalStack) -> None:
    lambda_client = boto3.client(
        "lambda",
        endpoint_url=faulty_stack.lambda_url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    job = {"action": "finish_text_answer", "payload": {"answer_id": "lost0001"}}
    response = lambda_client.invoke(FunctionName="GatewayFunction", InvocationType="Event", Payload=json.dumps(job))
    assert response["StatusCode"] == 202
    (record,) = failure_records(faulty_stack)
    assert record["requestPayload"]["payload"] == {"answer_id": "lost0001"}
    assert record["responseContext"]["functionError"] == "Unhandled"


# ---------------------------------------------------------------------- DynamoDB faults, in process


@pytest.mark.parametrize(
    "error",
    [
        # What the SDK raises once its own retries (standard mode, 3 attempts) are spent.
        {"service_error_code": "ProvisionedThroughputExceededException", "http_status_code": 400},
        # A transaction DynamoDB cancelled because a write was throttled.
        {
            "service_error_code": "TransactionCanceledException",
            "http_status_code": 400,
            "modeled_fields": {"CancellationReasons": [{"Code": "None"}, {"Code": "ThrottlingError"}]},
        },
    ],
)
def test_dynamodb_throttling_is_reported_as_503(aws_tables: None, error: dict[str, Any]) -> None:
    from interview.handler import lambda_handler
    from practice_shared.aws import resource

    client = resource("dynamodb").meta.client
    with Stubber(client) as stubber:
        stubber.add_response("query", {"Items": []})  # the candidate's recent questions
        stubber.add_client_error("transact_write_items", **error)
        response = lambda_handler(
            {"action": "create_session", "payload": {"user_id": "u1", "request": {"role": "backend_engineer"}}},
            context("interview"),
        )
    assert response == {
        "ok": False,
        "error": {
            "status": 503,
            "code": "downstream_unavailable",
            "message": "The database is busy; please try again in a moment.",
        },
    }


def conflicting_writes(client: Any, times: int) -> list[int]:
    """Make the next ``times`` optimistic-lock writes (``#v = :expected``) fail as if another writer won."""
    left = [times]

    def hook(params: dict[str, Any], **_: Any) -> Any:
        # ``params`` is the serialized request: the JSON body carries the condition.
        if left[0] > 0 and b"#v = :expected" in params["body"]:
            left[0] -= 1
            error = {"Code": "ConditionalCheckFailedException", "Message": "The conditional request failed"}
            return AWSResponse(None, 400, {}, None), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return None

    client.meta.events.register("before-call.dynamodb.PutItem", hook)
    return left


def test_write_conflicts_are_retried_then_reported_as_409(aws_tables: None) -> None:
    from interview.handler import lambda_handler
    from practice_shared.aws import resource

    created = lambda_handler(
        {"action": "create_session", "payload": {"user_id": "u1", "request": {"role": "backend_engineer"}}},
        context("interview"),
    )
    ref = {"user_id": "u1", "session_id": created["result"]["session"]["session_id"]}
    left = conflicting_writes(resource("dynamodb").meta.client, 2)
    started = lambda_handler({"action": "start_session", "payload": ref}, context("interview"))
    assert started["ok"] is True and started["result"]["session"]["state"] == "active" and left == [0]
    conflicting_writes(resource("dynamodb").meta.client, 5)
    busy = lambda_handler({"action": "next_question", "payload": ref}, context("interview"))
    assert busy["ok"] is False and busy["error"]["status"] == 409 and busy["error"]["code"] == "busy"
