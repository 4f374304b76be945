"""Abuse limits on the local stack: daily quotas (429 + Retry-After, atomic), body and field sizes, 10-minute audio."""

import io
import json
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from security_helpers import answer_items, set_quota_used

from local_stack.stack import LocalStack

SESSIONS_PER_DAY = 30  # the template's MaxSessionsPerDay default
AUDIO_SECONDS_PER_DAY = 90 * 60  # MaxAudioMinutesPerDay


def seconds_to_midnight() -> float:
    now = datetime.now(UTC)
    return ((now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0) - now).total_seconds()


def assert_quota_refusal(response, quota: str) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "too_many_requests" and "midnight UTC" in error["message"]
    assert error["details"]["quota"] == quota
    retry_after = int(response.headers["Retry-After"])
    assert retry_after == error["details"]["retry_after"]
    assert abs(retry_after - seconds_to_midnight()) < 60


def test_sessions_per_day_are_refused_with_429_and_retry_after(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    set_quota_used(stack, user, "sessions", SESSIONS_PER_DAY)
    response = user.call("POST", "/api/sessions", json={"role": "backend_engineer"})
    assert_quota_refusal(response, "sessions")
    assert user.call("GET", "/api/sessions").json() == []
    other = user_factory()  # quotas are per user
    assert other.call("POST", "/api/sessions", json={"role": "backend_engineer"}).status_code == 201


def test_the_session_counter_is_atomic_under_concurrent_requests(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    set_quota_used(stack, user, "sessions", SESSIONS_PER_DAY - 2)
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(
            pool.map(
                lambda _: user.call("POST", "/api/sessions", json={"role": "data_scientist"}).status_code, range(5)
            )
        )
    assert sorted(statuses) == [201, 201, 429, 429, 429]
    assert len(user.call("GET", "/api/sessions").json()) == 2


def test_audio_minutes_per_day_are_refused_with_429_and_retry_after(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    key = user.upload(session_id, silent_wav(2))
    set_quota_used(stack, user, "audio_seconds", AUDIO_SECONDS_PER_DAY)
    assert_quota_refusal(user.call("POST", "/api/voice/transcribe", json={"audio_key": key}), "audio_seconds")
    body = {"audio_key": key, "client_answer_id": "overquota01"}
    assert_quota_refusal(user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body), "audio_seconds")
    assert answer_items(stack, session_id) == []


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    """``seconds`` of silence as 8-bit mono WAV (small: 8 KB a second)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(rate)
        out.writeframes(b"\x80" * int(seconds * rate))
    return buffer.getvalue()


def test_audio_over_ten_minutes_is_refused_before_transcription(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    key = user.upload(session_id, silent_wav(10 * 60 + 5))
    response = user.call(
        "POST", f"/api/sessions/{session_id}/submit-answer", json={"audio_key": key, "client_answer_id": "toolong01"}
    )
    assert response.status_code == 413, response.text
    # Sent in a request, it meets the limit of what is transcribed while the request waits (the WebSocket takes 600 s).
    assert (
        "more than 605 s" in response.json()["error"]["message"]
        and "up to 180 s" in response.json()["error"]["message"]
    )
    assert answer_items(stack, session_id) == []
    assert user.call("GET", f"/api/sessions/{session_id}").json()["session"]["state"] == "active"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/sessions", {"role": "backend_engineer", "job_description": "x" * 20_001}, "job_description"),
        ("/api/sessions", {"role": "backend_engineer", "resume_text": "x" * 30_001}, "resume_text"),
        ("/api/sessions", {"role": "backend_engineer", "custom_questions": ["Why?" * 200]}, "custom_questions"),
        ("/api/sessions", {"role": "astronaut"}, "role"),
        ("/api/sessions", {"role": "backend_engineer", "mode": "judge"}, "mode"),
        ("/api/sessions", {"role": "backend_engineer", "language": "english"}, "language"),
        ("/api/voice/synthesize", {"text": "x" * 3001}, "text"),
        ("/api/voice/synthesize", {"text": "hello", "format": "wav"}, "format"),
        ("/api/voice/transcribe", {"audio_key": "k" * 513}, "audio_key"),
        ("/api/voice/transcribe", {"audio_base64": "A" * 5_592_412}, "audio_base64"),
    ],
)
def test_text_fields_are_capped_and_enums_checked(user_factory, path: str, body: dict, field: str) -> None:
    response = user_factory().call("POST", path, json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["error"]["message"]


def test_answer_fields_are_capped(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session(start=False)
    for body in ({"text": "x" * 10_001}, {"audio_base64": "A" * 5_592_412}, {"audio_key": "k" * 513}):
        response = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
        assert response.status_code == 422, (body.keys(), response.text)
    upload = user.call("POST", f"/api/sessions/{session_id}/audio-upload", json={"content_type": "x" * 101})
    assert upload.status_code == 422


def test_a_body_over_lambdas_payload_limit_is_refused_413(user_factory) -> None:
    body = json.dumps({"role": "backend_engineer", "resume_pdf_base64": "A" * 6_500_000})
    response = user_factory().call("POST", "/api/sessions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"


def test_unknown_admin_is_refused_and_admins_see_aggregates_only(stack: LocalStack, user_factory) -> None:
    candidate = user_factory()
    session_id = candidate.session(num_questions=1)
    candidate.call(
        "POST", f"/api/sessions/{session_id}/submit-answer", json={"text": "I measured latency before and after."}
    )
    refused = candidate.call("GET", "/api/admin/stats")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    admin = user_factory("admin", groups=("admin",))
    deadline = time.monotonic() + 20  # counted from the table's stream: batches of up to 2 s, polled 4 times a second
    while True:
        stats = admin.call("GET", "/api/admin/stats", params={"days": 3})
        assert stats.status_code == 200, stats.text
        body = stats.json()
        today = body["days"][-1]
        if (today["sessions_created"] >= 1 and today["answers"] >= 1) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert len(body["days"]) == 3 and body["days"][-1]["date"] == datetime.now(UTC).date().isoformat()
    assert today["sessions_created"] >= 1 and today["answers"] >= 1
    assert set(today) == {"date", "sessions_created", "sessions_completed", "answers", "mean_score"}
    assert candidate.user_id not in stats.text and session_id not in stats.text
    assert admin.call("GET", "/api/admin/stats", params={"days": 91}).status_code == 422
