"""Bad input on the local stack: damaged, empty, huge, mislabelled and non-audio files, and malformed, oversized and
out-of-order WebSocket messages. Each gets a clear 4xx or ``error`` event, and nothing already stored changes."""

import base64
import json
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from security_helpers import (
    BUCKET,
    User,
    answer_items,
    collect,
    events,
    join,
    of_type,
    send,
    session_items,
    speech_wav,
)
from websockets.exceptions import ConnectionClosed

from local_stack.stack import LocalStack

GOOD = "I profiled the service, found a slow query, added an index and cut the p99 latency from 900 to 120 ms."


def _png() -> bytes:
    header = b"\x89PNG\r\n\x1a\n"
    chunk = b"IHDR" + (1).to_bytes(4, "big") * 2 + b"\x08\x02\x00\x00\x00"
    return header + len(chunk[4:]).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")


WAV = speech_wav()
NOISE = random.Random(7).randbytes(50_000)  # fixed, so a run is repeatable
CORPUS = {
    "truncated to its header": (WAV[:44], "audio/wav"),
    "truncated in the middle of its header": (WAV[:20], "audio/wav"),
    "corrupted header": (NOISE[:64] + WAV[64:], "audio/wav"),
    "random bytes": (NOISE, "audio/webm"),
    "a PDF labelled as audio": (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n", "audio/wav"),
    "a PNG labelled as audio": (_png(), "audio/ogg"),
    "text labelled as audio": (b"this is not audio at all\n" * 100, "audio/mpeg"),
    "JSON labelled as audio": (json.dumps({"audio": "no"}).encode() * 50, "audio/flac"),
    "a WAV of 0 bits per sample": (WAV[:34] + b"\x00\x00" + WAV[36:], "audio/wav"),  # FFmpeg gives no decoder
}


@dataclass
class Answered:
    user: User
    session_id: str
    before: list


@pytest.fixture(scope="module")
def answered(stack: LocalStack) -> Iterator[Answered]:
    """A started session with one good answer; nothing below may change it."""
    user = User(stack, "bad-input-owner")
    session_id = user.session(num_questions=3)
    body = {"text": GOOD, "client_answer_id": "goodanswer1"}
    assert user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body).status_code == 200
    yield Answered(user, session_id, answer_items(stack, session_id))
    user.close()


def assert_unchanged(stack: LocalStack, answered: Answered) -> None:
    assert answer_items(stack, answered.session_id) == answered.before
    session = answered.user.call("GET", f"/api/sessions/{answered.session_id}").json()["session"]
    assert (session["state"], session["answers_count"], session["current_index"]) == ("active", 1, 0)


def assert_clear_refusal(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] and len(error["message"]) > 15


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_audio_sent_inline_is_refused_and_changes_nothing(stack: LocalStack, answered: Answered, name: str) -> None:
    data, content_type = CORPUS[name]
    body = {
        "audio_base64": base64.b64encode(data).decode(),
        "content_type": content_type,
        "client_answer_id": "bad0inline",
    }
    response = answered.user.call("POST", f"/api/sessions/{answered.session_id}/submit-answer", json=body)
    assert_clear_refusal(response)
    assert response.status_code in (400, 413, 415, 422)
    assert_unchanged(stack, answered)


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_audio_uploaded_is_refused_and_changes_nothing(stack: LocalStack, answered: Answered, name: str) -> None:
    data, content_type = CORPUS[name]
    key = answered.user.upload(answered.session_id, data, content_type)
    body = {"audio_key": key, "client_answer_id": "bad0upload"}
    response = answered.user.call("POST", f"/api/sessions/{answered.session_id}/submit-answer", json=body)
    assert_clear_refusal(response)
    assert response.status_code in (413, 415, 422)
    transcribed = answered.user.call("POST", "/api/voice/transcribe", json={"audio_key": key})
    assert transcribed.status_code == response.status_code
    assert_unchanged(stack, answered)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"audio_base64": "", "content_type": "audio/wav"}, 400),  # empty
        ({"audio_base64": "%%% not base64 %%%", "content_type": "audio/wav"}, 400),
        ({"audio_base64": base64.b64encode(WAV).decode(), "content_type": "text/plain"}, 415),  # mislabelled
        ({"audio_base64": base64.b64encode(WAV).decode(), "content_type": "video/mp4"}, 415),
        ({"audio_base64": "A" * 5_592_412, "content_type": "audio/wav"}, 422),  # huge: over the inline limit
        ({"audio_key": f"answers/{'x' * 40}/missing.wav"}, 404),  # not under the session's own prefix
        ({"text": GOOD, "audio_base64": base64.b64encode(WAV).decode()}, 422),  # two sources
        ({}, 422),  # none
        ({"text": "\u0000\u0000\u0000 \t"}, 422),  # control characters only: blank
        ({"audio_key": ""}, 422),
    ],
)
def test_bad_answer_requests_are_refused_and_change_nothing(
    stack: LocalStack, answered: Answered, body: dict, status: int
) -> None:
    response = answered.user.call("POST", f"/api/sessions/{answered.session_id}/submit-answer", json=body)
    assert response.status_code == status, response.text
    assert_clear_refusal(response)
    assert_unchanged(stack, answered)


def test_no_upload_link_is_granted_for_an_interview_that_has_ended(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    assert user.call("POST", f"/api/sessions/{session_id}/end").status_code == 200
    response = user.call("POST", f"/api/sessions/{session_id}/audio-upload", json={"content_type": "audio/wav"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("declared", "extension"),
    [("audio/mp4;codecs=mp4a.40.2", "m4a"), ("Audio/X-M4A", "m4a"), ('audio/webm; codecs="opus"', "webm")],
)
def test_a_content_type_with_parameters_or_another_name_is_taken_as_its_media_type(
    stack: LocalStack, user_factory, declared: str, extension: str
) -> None:
    """What browsers report (Safari: audio/mp4;codecs=mp4a.40.2) is accepted as it comes."""
    user = user_factory()
    session_id = user.session()
    response = user.call("POST", f"/api/sessions/{session_id}/audio-upload", json={"content_type": declared})
    assert response.status_code == 200, response.text
    assert response.json()["audio_key"].endswith(f".{extension}")


def test_a_huge_upload_is_refused(stack: LocalStack, answered: Answered) -> None:
    grant = answered.user.call(
        "POST", f"/api/sessions/{answered.session_id}/audio-upload", json={"content_type": "audio/wav"}
    ).json()
    huge = WAV[:44] + b"\x00" * (grant["max_bytes"] + 1)
    sent = httpx.post(grant["url"], data=grant["fields"], files={"file": ("a.wav", huge, "audio/wav")}, timeout=120)
    if sent.is_success:  # if the storage let it through, the voice function must refuse it before decoding
        body = {"audio_key": grant["audio_key"], "client_answer_id": "hugeupload1"}
        response = answered.user.call("POST", f"/api/sessions/{answered.session_id}/submit-answer", json=body)
        assert response.status_code == 413 and "MB" in response.json()["error"]["message"]
    else:
        assert sent.status_code == 400 and b"EntityTooLarge" in sent.content
    assert_unchanged(stack, answered)


def test_audio_in_another_container_than_declared_is_decoded_by_its_content(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    key = user.upload(session_id, WAV, "audio/webm")  # a WAV file sent as WebM
    response = user.call("POST", "/api/voice/transcribe", json={"audio_key": key})
    assert response.status_code == 200 and "migration" in response.json()["text"].lower()


# ---------------------------------------------------------------------- WebSocket


MALFORMED = [
    ("{not json", "invalid_json"),
    ("[1, 2, 3]", "unknown_action"),
    ('"just a string"', "unknown_action"),
    (json.dumps({"action": "launch_missiles"}), "unknown_action"),
    (json.dumps({"no_action": True}), "unknown_action"),
    (json.dumps({"action": ["join"]}), "unknown_action"),
    (json.dumps({"action": {"x": 1}}), "unknown_action"),
    (json.dumps({"action": "join", "session_id": "../../etc/passwd"}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "wsbad0001", "seq": 0}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "wsbad0001", "seq": -1, "data": "AAAA"}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "wsbad0001", "seq": 900, "data": "AAAA"}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "x", "seq": 0, "data": "AAAA"}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "wsbad0001", "seq": 0, "data": "@@@@"}), "validation_error"),
    (json.dumps({"action": "end_answer", "answer_id": "wsbad0001", "last_seq": "all"}), "validation_error"),
    (json.dumps({"action": "audio_chunk", "answer_id": "wsbad0001", "seq": "0", "data": "AAAA"}), "validation_error"),
    (json.dumps({"action": "end_answer", "answer_id": "wsbad0001", "last_seq": True}), "validation_error"),
    (json.dumps({"action": "text_answer", "answer_id": "wsbad0001", "text": ""}), "validation_error"),
    (json.dumps({"action": "text_answer", "answer_id": "wsbad0001", "text": "   "}), "validation_error"),
    (json.dumps({"action": "text_answer", "answer_id": "wsbad0001", "text": "\u0000\u0000"}), "validation_error"),
    (json.dumps({"action": "text_answer", "answer_id": "wsbad0001", "text": "x" * 10_001}), "validation_error"),
    (json.dumps({"action": "ping", "id": "p" * 65}), "validation_error"),
    ('{"action": "ping", "id": "x", "n": ' + "9" * 5000 + "}", "invalid_json"),  # over Python's 4300 digits
    ('{"action": "ping", "x": ' + "[" * 3000 + "]" * 3000 + "}", "invalid_json"),  # deeper than its parser goes
]


def test_malformed_messages_get_error_events_and_change_nothing(stack: LocalStack, answered: Answered) -> None:
    with answered.user.ws() as ws:
        send(ws, action="join", session_id=answered.session_id)
        events(ws, of_type("joined"))
        for raw, _ in MALFORMED:
            ws.send(raw)
            send(ws, action="ping", id="sync")  # messages are handled concurrently: wait for each one's error
            seen = events(ws, lambda e: e.get("type") == "pong")
            errors = [e for e in seen if e["type"] == "error"]
            if not errors:
                errors = collect(ws, "error", 1)
            assert [e["code"] for e in errors] == [dict(MALFORMED)[raw]], raw
            assert errors[0]["retryable"] is False and errors[0]["message"]
    assert_unchanged(stack, answered)


def test_an_oversized_frame_closes_the_connection_and_changes_nothing(stack: LocalStack, answered: Answered) -> None:
    with answered.user.ws() as ws:
        send(ws, action="join", session_id=answered.session_id)
        events(ws, of_type("joined"))
        with pytest.raises(ConnectionClosed) as closed:
            send(ws, action="text_answer", answer_id="wsbig00001", text="x" * 40_000)
            ws.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    with answered.user.ws() as ws:  # the client reconnects and goes on
        send(ws, action="join", session_id=answered.session_id)
        assert events(ws, of_type("joined"))[-1]["state"] == "active"
    assert_unchanged(stack, answered)


def test_out_of_order_messages_are_refused_or_put_in_order(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session(num_questions=2)
    pieces = [WAV[i : i + 20_000] for i in range(0, len(WAV), 20_000)]
    chunk = {"answer_id": "ooorder001", "content_type": "audio/wav"}
    with user.ws() as ws:
        for action, extra in (
            ("audio_chunk", {**chunk, "seq": 0, "data": "AAAA"}),
            ("end_answer", {"answer_id": "ooorder001", "last_seq": 0}),
            ("next_question", {}),
        ):
            send(ws, action=action, **extra)  # before joining
            assert collect(ws, "error", 1)[0]["code"] == "not_joined"
        join(ws, session_id)
        send(ws, action="end_answer", answer_id="ooorder001", last_seq=3)  # before any chunk
        assert collect(ws, "error", 1)[0]["code"] == "not_found"
        last = len(pieces) - 1
        order = [0, *range(2, last + 1)]  # chunk 1 is held back
        for seq in order:
            send(ws, action="audio_chunk", seq=seq, data=base64.b64encode(pieces[seq]).decode(), **chunk)
            events(ws, lambda e, seq=seq: e.get("type") == "ack" and e["seq"] == seq)
        send(ws, action="audio_chunk", seq=0, data=base64.b64encode(pieces[0]).decode(), **chunk)  # again
        assert events(ws, of_type("ack"))[-1]["duplicate"] is True
        send(ws, action="end_answer", answer_id="ooorder001", last_seq=last)
        assert events(ws, of_type("resend"))[-1]["missing"] == [1]
        send(ws, action="audio_chunk", seq=1, data=base64.b64encode(pieces[1]).decode(), **chunk)
        events(ws, of_type("ack"))
        send(ws, action="end_answer", answer_id="ooorder001", last_seq=last)
        transcript = events(ws, of_type("transcript"), timeout=180)[-1]
        assert "migration" in transcript["transcription"]["text"].lower()  # the chunks were put back in order
        events(ws, of_type("question"), timeout=120)
    assert len(answer_items(stack, session_id)) == 1


def test_audio_for_an_interview_not_in_progress_is_refused_and_nothing_is_stored(stack: LocalStack, user_factory):
    user = user_factory()
    not_started, deleted = user.session(start=False), user.session()
    chunk = {"content_type": "audio/wav", "seq": 0, "data": base64.b64encode(WAV[:20_000]).decode()}
    with user.ws() as ws:
        join(ws, not_started)
        send(ws, action="audio_chunk", answer_id="notstarted1", **chunk)
        assert collect(ws, "error", 1)[0]["code"] == "invalid_transition"
    with user.ws() as ws:
        join(ws, deleted)
        assert user.call("DELETE", f"/api/sessions/{deleted}").status_code == 200
        send(ws, action="audio_chunk", answer_id="afterdelete1", **chunk)
        assert collect(ws, "error", 1)[0]["code"] == "not_found"
    assert not [i for i in session_items(stack, not_started) if i["sk"].startswith("STREAM#")]
    assert session_items(stack, deleted) == []
    stored = stack.aws_client("s3").list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert not [o["Key"] for o in stored if not_started in o["Key"] or deleted in o["Key"]]
