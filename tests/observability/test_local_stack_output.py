"""What the functions write while serving real requests through the local stack (each function in its own worker
process, as in Lambda): one correlation id from API Gateway's request id through every invoke, and the EMF
metrics the dashboards and alarms rely on."""

import base64
import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from observability_helpers import CapturedStack, emf_metrics
from websockets.sync.client import connect

CONFIG = {"role": "backend_engineer", "mode": "evaluate", "num_questions": 2, "max_follow_ups": 0}
ANSWER = (
    "I led the migration of our billing service to a new database. I set up dual writes, compared checksums "
    "every night for two weeks, and switched reads over gradually. We finished with no downtime and no lost data."
)


def api(stack: CapturedStack, username: str) -> httpx.Client:
    token = stack.token(username)
    return httpx.Client(base_url=stack.http_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def started_session(client: httpx.Client) -> str:
    created = client.post("/api/sessions", json=CONFIG)
    assert created.status_code == 201, created.text
    session_id = created.json()["session"]["session_id"]
    assert client.post(f"/api/sessions/{session_id}/start").status_code == 200
    return session_id


def by_correlation(stack: CapturedStack, correlation_id: str, service: str, message: str) -> list[dict[str, Any]]:
    return stack.wait_for(
        lambda line: (
            line.get("correlation_id") == correlation_id
            and line.get("service") == service
            and line.get("message") == message
        )
    )


def test_a_rest_request_id_is_the_correlation_id_of_every_function_it_reaches(captured_stack: CapturedStack) -> None:
    with api(captured_stack, "correlation-rest") as client:
        created = client.post("/api/sessions", json=CONFIG)
        assert created.status_code == 201, created.text
        request_id = created.headers["x-amzn-RequestId"]
        spoken = client.post("/api/voice/synthesize", json={"text": f"Say this once: {uuid.uuid4().hex}."})
        assert spoken.status_code == 200, spoken.text
        speech_request = spoken.headers["x-amzn-RequestId"]

    (served,) = by_correlation(captured_stack, request_id, "gateway", "Request served")
    assert served["status"] == 201 and served["method"] == "POST" and served["path"] == "/api/sessions"
    assert served["function_name"] == "GatewayFunction"
    (created_line,) = by_correlation(captured_stack, request_id, "interview", "Session created")
    assert created_line["function_name"] == "InterviewFunction" and created_line["action"] == "create_session"
    assert created_line["session_id"] == created.json()["session"]["session_id"]
    (synthesized,) = by_correlation(captured_stack, speech_request, "voice", "Speech synthesized")
    assert synthesized["function_name"] == "VoiceFunction" and synthesized["action"] == "synthesize"
    # Nothing a candidate typed or said appears in any log line.
    assert not [line for line in captured_stack.lines() if "dual writes" in json.dumps(line)]


def _typed_answer_over_websocket(ws_url: str, token: str, session_id: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with connect(f"{ws_url}?token={token}") as socket:
        socket.send(json.dumps({"action": "join", "session_id": session_id}))
        # Messages are handled concurrently (as in API Gateway): answer only once the join is confirmed.
        while not any(e.get("type") in {"joined", "error"} for e in events):
            events.append(json.loads(socket.recv(timeout=60)))
        socket.send(json.dumps({"action": "text_answer", "answer_id": uuid.uuid4().hex, "text": ANSWER}))
        while not any(e.get("type") in {"answer_result", "error"} for e in events):
            events.append(json.loads(socket.recv(timeout=60)))
    return events


def test_a_websocket_message_and_the_job_it_starts_share_its_correlation_id(captured_stack: CapturedStack) -> None:
    with api(captured_stack, "correlation-ws") as client:
        session_id = started_session(client)
        token = client.headers["Authorization"].removeprefix("Bearer ")
    ws_url = captured_stack.ws_url
    events = _typed_answer_over_websocket(ws_url, token, session_id)
    assert events[-1]["type"] == "answer_result", events

    (message,) = captured_stack.wait_for(
        lambda line: (
            line.get("service") == "gateway"
            and line.get("route") == "text_answer"
            and line.get("message") == "Request served"
        )
    )
    correlation_id = message["correlation_id"]
    assert correlation_id, "the WebSocket event's request id was not taken as the correlation id"
    (job,) = by_correlation(captured_stack, correlation_id, "gateway", "Job done")
    assert job["action"] == "finish_text_answer" and job["ok"] is True
    assert job["function_request_id"] != message["function_request_id"], "the job is a separate invocation"
    (recorded,) = by_correlation(captured_stack, correlation_id, "interview", "Answer recorded")
    assert recorded["session_id"] == session_id and recorded["action"] == "submit_answer"
    assert "route" not in job, "keys of an earlier WebSocket event leaked into a later invocation's logs"


def names_by_service(stack: CapturedStack) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, blobs in emf_metrics(stack.lines()).items():
        for blob in blobs:
            assert blob["_namespace"] == "InterviewPractice"
            found.setdefault(blob["service"], set()).add(name)
    return found


def test_sessions_answers_and_cold_starts_are_counted(captured_stack: CapturedStack) -> None:
    with api(captured_stack, "metrics-interview") as client:
        session_id = started_session(client)
        answered = client.post(f"/api/sessions/{session_id}/submit-answer", json={"text": ANSWER})
        assert answered.status_code == 200, answered.text

    names = names_by_service(captured_stack)
    assert {"SessionsCreated", "AnswersSubmitted", "ColdStart"} <= names["interview"]
    assert "ColdStart" in names["gateway"]
    cold = {blob["function_name"] for blob in emf_metrics(captured_stack.lines())["ColdStart"]}
    assert {"GatewayFunction", "InterviewFunction", "VoiceFunction"} <= cold


def test_speech_cache_hits_and_misses_are_counted(captured_stack: CapturedStack) -> None:
    text = f"A sentence spoken three times, {uuid.uuid4().hex}."
    with api(captured_stack, "metrics-tts") as client:
        first = client.post("/api/voice/synthesize", json={"text": text}).json()
        second = client.post("/api/voice/synthesize", json={"text": text}).json()  # the link the gateway was given
        third = client.post("/api/voice/synthesize", json={"text": text, "inline": True}).json()  # from S3
    assert first["cached"] is False and second["cached"] is True and third["cached"] is True
    names = names_by_service(captured_stack)
    assert {"TtsCacheMiss", "TtsCacheHit"} <= names["voice"] and "SpeechLinkReused" in names["gateway"]


@pytest.mark.slow
def test_transcription_metrics_report_audio_seconds_and_real_time_factor(
    captured_stack: CapturedStack, tmp_path: Path
) -> None:
    wav = tmp_path / "answer.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(wav), ANSWER], check=True)
    body = {"audio_base64": base64.b64encode(wav.read_bytes()).decode(), "content_type": "audio/wav"}
    with api(captured_stack, "metrics-stt") as client:
        response = client.post("/api/voice/transcribe", json=body)
    assert response.status_code == 200, response.text
    duration = response.json()["duration_seconds"]

    metrics = emf_metrics(captured_stack.wait_for(lambda line: "AudioSecondsTranscribed" in line))
    (blob,) = metrics["AudioSecondsTranscribed"]  # EMF values are lists of the values added
    assert blob["service"] == "voice"
    assert blob["AudioSecondsTranscribed"] == [pytest.approx(duration, abs=0.01)]
    assert 0 < blob["RealTimeFactor"][0] < 5
    assert blob["NoSpeech"] == [0]
