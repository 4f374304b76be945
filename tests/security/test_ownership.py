"""Every session, answer, audio object and report belongs to its creator: another user gets 404, route by route.

Alice owns a started session with uploaded audio and a streamed answer in progress, and a finished session with a
report. Bob, signed in, tries each REST route and each WebSocket message on them. Each answers exactly as for a
session that does not exist, and Alice's data is unchanged afterwards.
"""

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from security_helpers import (
    User,
    answer_items,
    audio_keys,
    collect,
    events,
    of_type,
    send,
    session_items,
    speech_wav,
    stream_answer,
)

from local_stack.stack import LocalStack

STREAM_ID = "alicestream01"


@dataclass
class Owned:
    alice: User
    bob: User
    active: str  # started, with an uploaded clip and a streamed answer in progress
    finished: str  # ended, with an answer and a report
    audio_key: str
    bobs: str  # Bob's own started session
    snapshot: dict[str, Any]


def _item_state(item: dict[str, Any]) -> tuple[Any, ...]:
    return item["sk"], item.get("version"), item.get("state"), item.get("status"), sorted(item.get("seqs", []))


def _snapshot(stack: LocalStack, owned_sessions: list[str], alice: User) -> dict[str, Any]:
    """What Alice has: her sessions' items (with versions and stream state) and her audio objects."""
    return {
        "items": {s: sorted(_item_state(i) for i in session_items(stack, s)) for s in owned_sessions},
        "audio": {s: audio_keys(stack, f"answers/{alice.user_id}/{s}/") for s in owned_sessions},
        "streams": {s: audio_keys(stack, f"streams/{alice.user_id}/{s}/") for s in owned_sessions},
    }


@pytest.fixture(scope="module")
def owned(stack: LocalStack) -> Any:
    alice = User(stack, f"alice-{uuid.uuid4().hex[:8]}")
    bob = User(stack, f"bob-{uuid.uuid4().hex[:8]}")
    active = alice.session()
    audio_key = alice.upload(active, speech_wav())
    with alice.ws() as ws:
        send(ws, action="join", session_id=active)
        events(ws, of_type("joined"))
        stream_answer(ws, STREAM_ID, speech_wav()[:30_000])
    finished = alice.session(num_questions=1)
    answered = alice.call(
        "POST",
        f"/api/sessions/{finished}/submit-answer",
        json={"text": "I led the migration and measured the error rate every week.", "client_answer_id": "alice0001"},
    )
    assert answered.status_code == 200, answered.text
    assert alice.call("POST", f"/api/sessions/{finished}/end").status_code == 200
    bobs = bob.session()
    yield Owned(alice, bob, active, finished, audio_key, bobs, _snapshot(stack, [active, finished], alice))
    alice.close()
    bob.close()


def assert_untouched(stack: LocalStack, owned: Owned) -> None:
    assert _snapshot(stack, [owned.active, owned.finished], owned.alice) == owned.snapshot
    for session_id in (owned.active, owned.finished):
        assert owned.alice.call("GET", f"/api/sessions/{session_id}").status_code == 200


def assert_not_found_like_a_missing_session(response: Any, owner_session: str, missing: Any) -> None:
    """Same status, code and wording as for a session that does not exist (only the id in the message differs)."""
    assert response.status_code == 404 == missing.status_code, response.text
    error, reference = response.json()["error"], missing.json()["error"]
    assert error["code"] == reference["code"] == "not_found"
    assert error["message"].replace(owner_session, "<id>") == reference["message"].replace("f" * 32, "<id>")


REST_ROUTES = [
    ("GET", "", None),
    ("DELETE", "", None),
    ("POST", "/start", None),
    ("POST", "/submit-answer", {"text": "Bob answers Alice's question.", "client_answer_id": "bobanswer1"}),
    ("POST", "/next-question", None),
    ("POST", "/repeat-question", {"index": 0}),
    ("POST", "/evaluate-all", None),
    ("POST", "/end", None),
    ("GET", "/report", None),
    ("POST", "/audio-upload", {"content_type": "audio/wav"}),
]


@pytest.mark.parametrize("which", ["active", "finished"])
@pytest.mark.parametrize(("method", "suffix", "body"), REST_ROUTES, ids=[f"{m} {s or '/'}" for m, s, _ in REST_ROUTES])
def test_rest_routes_answer_404_for_another_users_session(
    stack: LocalStack, owned: Owned, which: str, method: str, suffix: str, body: Any
) -> None:
    session_id = getattr(owned, which)
    missing = owned.bob.call(method, f"/api/sessions/{'f' * 32}{suffix}", json=body)
    response = owned.bob.call(method, f"/api/sessions/{session_id}{suffix}", json=body)
    assert_not_found_like_a_missing_session(response, session_id, missing)
    assert_untouched(stack, owned)


def test_listing_shows_only_the_callers_sessions(stack: LocalStack, owned: Owned) -> None:
    bobs = {s["session_id"] for s in owned.bob.call("GET", "/api/sessions").json()}
    alices = {s["session_id"] for s in owned.alice.call("GET", "/api/sessions").json()}
    assert bobs == {owned.bobs} and alices == {owned.active, owned.finished}


def test_another_users_audio_key_is_not_found_for_transcription(stack: LocalStack, owned: Owned) -> None:
    response = owned.bob.call("POST", "/api/voice/transcribe", json={"audio_key": owned.audio_key})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert_untouched(stack, owned)


def test_another_users_audio_key_cannot_answer_ones_own_session(stack: LocalStack, owned: Owned) -> None:
    body = {"audio_key": owned.audio_key, "client_answer_id": "bobsteals01"}
    response = owned.bob.call("POST", f"/api/sessions/{owned.bobs}/submit-answer", json=body)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert answer_items(stack, owned.bobs) == []
    assert_untouched(stack, owned)


def test_the_report_and_its_recordings_are_the_owners_alone(stack: LocalStack, owned: Owned) -> None:
    report = owned.alice.call("GET", f"/api/sessions/{owned.finished}/report")
    assert report.status_code == 200 and report.json()["session_id"] == owned.finished
    assert owned.bob.call("GET", f"/api/sessions/{owned.finished}/report").status_code == 404


def test_upload_keys_are_made_by_the_server_and_unguessable(stack: LocalStack, owned: Owned) -> None:
    keys = []
    for _ in range(2):
        grant = owned.bob.call(
            "POST", f"/api/sessions/{owned.bobs}/audio-upload", json={"content_type": "audio/wav", "key": "mine.wav"}
        )
        assert grant.status_code == 200
        keys.append(grant.json()["audio_key"])
    prefix = f"answers/{owned.bob.user_id}/{owned.bobs}/"
    for key in keys:
        assert key.startswith(prefix) and len(key.removeprefix(prefix)) == 32 + len(".wav")
    assert keys[0] != keys[1]


# ---------------------------------------------------------------------- WebSocket


def test_joining_another_users_session_is_not_found_and_answers_cannot_reach_it(
    stack: LocalStack, owned: Owned
) -> None:
    with owned.bob.ws() as ws:
        send(ws, action="join", session_id=owned.active)
        (refused,) = events(ws, of_type("error"))
        assert refused["code"] == "not_found"
        send(ws, action="join", session_id=owned.active, answer_id=STREAM_ID)  # resuming Alice's stream
        (refused,) = events(ws, of_type("error"))
        assert refused["code"] == "not_found" and "resume" not in refused
        # Messages carry no session id: they act on the joined session, and Bob could join none of Alice's.
        send(ws, action="audio_chunk", answer_id=STREAM_ID, seq=2, data="AAAA")
        send(ws, action="end_answer", answer_id=STREAM_ID, last_seq=1)
        send(ws, action="discard_answer", answer_id=STREAM_ID)
        send(ws, action="text_answer", answer_id="bobtext0001", text="Bob's answer to Alice's question.")
        send(ws, action="next_question")
        assert [e["code"] for e in collect(ws, "error", 5)] == ["not_joined"] * 5
    assert_untouched(stack, owned)


def test_a_joined_connection_cannot_finish_another_users_answer(stack: LocalStack, owned: Owned) -> None:
    with owned.bob.ws() as ws:
        send(ws, action="join", session_id=owned.bobs)
        events(ws, of_type("joined"))
        send(ws, action="end_answer", answer_id=STREAM_ID, last_seq=1)  # Alice's answer id, in Bob's session
        (refused,) = events(ws, of_type("error"))
        assert refused["code"] == "not_found" and refused["answer_id"] == STREAM_ID
        send(ws, action="discard_answer", answer_id=STREAM_ID)  # in Bob's session: there is no such answer
        events(ws, of_type("discarded"))
    assert answer_items(stack, owned.bobs) == []
    assert_untouched(stack, owned)
