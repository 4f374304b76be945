"""Whole interviews on the local stack, through the real gateway, interview and voice functions.

Spoken answers are real speech made with espeak-ng, transcribed by the real Whisper model. Over REST they are
uploaded to S3 with the presigned POST the API hands out; over the WebSocket they are streamed in chunks.
"""

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from voice_samples import FRENCH, convert, espeak
from websockets.sync.client import ClientConnection, connect

from local_stack.stack import LocalStack

ANSWER = (
    "In my last role I owned the checkout service. Customers were charged twice when the mobile app retried, "
    "so I added an idempotency key and stored each result. Duplicate charges dropped to zero within a week."
)
CHUNK_BYTES = 4000


@pytest.fixture(scope="module")
def spoken_ogg() -> bytes:
    return convert(espeak(ANSWER), "ogg")


@pytest.fixture(scope="module")
def spoken_webm() -> bytes:
    return convert(espeak(ANSWER), "webm")


@pytest.fixture
def api(stack: LocalStack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {stack.dev_token(f'flow-{uuid.uuid4().hex[:8]}')}"}
    with httpx.Client(base_url=stack.api_url, headers=headers, timeout=120) as client:
        yield client


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def create(api: httpx.Client, **settings: Any) -> str:
    body = {"role": "backend_engineer", "level": "mid", "interview_type": "behavioral", "num_questions": 2, **settings}
    return ok(api.post("/sessions", json=body), 201)["session"]["session_id"]


def upload(api: httpx.Client, session_id: str, audio: bytes, content_type: str) -> str:
    grant = ok(api.post(f"/sessions/{session_id}/audio-upload", json={"content_type": content_type}))
    posted = httpx.post(grant["url"], data=grant["fields"], files={"file": ("answer", audio, content_type)})
    assert posted.status_code in (200, 201, 204), posted.text
    return grant["audio_key"]


def test_rest_interview_with_uploaded_voice_answers_in_evaluate_mode(api: httpx.Client, spoken_webm: bytes):
    session_id = create(api, mode="evaluate", max_follow_ups=0)
    started = ok(api.post(f"/sessions/{session_id}/start"))
    question = started["question"]
    assert question["audio"]["audio_url"] and httpx.get(question["audio"]["audio_url"]).status_code == 200

    # The second answer is in French, in an English interview: accepted, with a warning that stays with it.
    french = espeak(FRENCH, voice="fr", speed=150)
    for index, (audio, content_type) in enumerate([(spoken_webm, "audio/webm"), (french, "audio/wav")]):
        key = upload(api, session_id, audio, content_type)
        result = ok(api.post(f"/sessions/{session_id}/submit-answer", json={"audio_key": key}))
        if index == 0:
            transcript = result["transcription"]["text"].lower()
            assert "idempotency" in transcript or "checkout" in transcript
            assert result["transcription"]["delivery"]["words_per_minute"] > 60
            assert result["answer"]["language_warning"] is None
        else:
            assert "sounded like French" in result["answer"]["language_warning"]
            assert result["transcription"]["language_warning"] == result["answer"]["language_warning"]
        assert result["evaluation"]["criteria"] and result["feedback"]["improved_answer_outline"]
        nxt = ok(api.post(f"/sessions/{session_id}/next-question"))
        assert nxt["done"] is (index == 1)

    ended = ok(api.post(f"/sessions/{session_id}/end"))
    report = ended["report"]
    assert report["answered"] == 2 and report["overall"] is not None and report["delivery_summary"]
    assert [q["language_warning"] is not None for q in report["questions"]] == [False, True]
    assert ended["summary_audio"]["audio_url"]
    recorded = [q["audio_url"] for q in report["questions"]]
    assert all(recorded) and httpx.get(recorded[0]).content == spoken_webm


def test_rest_interview_in_collect_mode_evaluates_at_the_end(api: httpx.Client, spoken_ogg: bytes):
    session_id = create(api, mode="collect")
    ok(api.post(f"/sessions/{session_id}/start"))
    inline = base64.b64encode(spoken_ogg).decode()
    spoken = ok(
        api.post(f"/sessions/{session_id}/submit-answer", json={"audio_base64": inline, "content_type": "audio/ogg"})
    )
    assert spoken["evaluation"] is None and spoken["answer"]["source"] == "audio"
    ok(api.post(f"/sessions/{session_id}/next-question"))
    typed = ok(api.post(f"/sessions/{session_id}/submit-answer", json={"text": ANSWER}))
    assert typed["evaluation"] is None
    evaluated = ok(api.post(f"/sessions/{session_id}/evaluate-all"))["answers"]
    assert [a["evaluation"] is not None for a in evaluated] == [True, True]
    report = ok(api.post(f"/sessions/{session_id}/end"))["report"]
    assert report["answered"] == 2 and all(q["overall"] for q in report["questions"])


def test_a_skipped_question_counts_as_asked_and_a_repeated_skip_moves_once(api: httpx.Client):
    session_id = create(api, num_questions=3, max_follow_ups=0)
    ok(api.post(f"/sessions/{session_id}/start"))
    for _ in range(2):  # the client's retry of the same skip
        moved = ok(api.post(f"/sessions/{session_id}/next-question", json={"from_index": 0}))
        assert moved["question"]["index"] == 1
    refused = api.post(f"/sessions/{session_id}/next-question", json={"from_index": "1"})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
    ok(api.post(f"/sessions/{session_id}/submit-answer", json={"text": ANSWER}))
    assert ok(api.post(f"/sessions/{session_id}/next-question", json={"from_index": 1}))["question"]["index"] == 2
    report = ok(api.post(f"/sessions/{session_id}/end"))["report"]
    assert (report["answered"], report["asked"]) == (1, 3)
    assert [bool(q["answer"]) for q in report["questions"]] == [False, True, False]


# ---------------------------------------------------------------------------------------------- WebSocket


class Socket:
    """A WebSocket client that keeps every event it receives, and waits for the ones a test needs."""

    def __init__(self, stack: LocalStack, token: str):
        self._opened = connect(f"{stack.ws_url}?token={token}", open_timeout=10)
        self.connection: ClientConnection = self._opened.__enter__()
        self.events: list[dict[str, Any]] = []

    def send(self, **message: Any) -> None:
        self.connection.send(json.dumps(message))

    def wait_for(self, kind: str, timeout: float = 120, **match: Any) -> dict[str, Any]:
        for event in self.events:
            if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
                self.events.remove(event)
                return event
        while True:
            event = json.loads(self.connection.recv(timeout=timeout))
            assert event["type"] != "error" or kind == "error", event
            if event["type"] == kind and all(event.get(k) == v for k, v in match.items()):
                return event
            self.events.append(event)

    def stream(self, answer_id: str, audio: bytes, content_type: str, seqs: range | None = None) -> int:
        chunks = [audio[i : i + CHUNK_BYTES] for i in range(0, len(audio), CHUNK_BYTES)]
        for seq in seqs or range(len(chunks)):
            data = base64.b64encode(chunks[seq]).decode()
            self.send(action="audio_chunk", answer_id=answer_id, seq=seq, data=data, content_type=content_type)
            self.wait_for("ack", answer_id=answer_id, seq=seq)
        return len(chunks) - 1

    def close(self) -> None:
        self._opened.__exit__(None, None, None)


def _ws_session(stack: LocalStack, mode: str) -> tuple[httpx.Client, Socket, str]:
    token = stack.dev_token(f"ws-{uuid.uuid4().hex[:8]}")
    api = httpx.Client(base_url=stack.api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
    session_id = create(api, mode=mode, max_follow_ups=0)
    ok(api.post(f"/sessions/{session_id}/start"))
    socket = Socket(stack, token)
    socket.send(action="join", session_id=session_id)
    joined = socket.wait_for("joined")
    assert joined["question"]["index"] == 0 and joined["state"] == "active"
    return api, socket, session_id


@pytest.mark.parametrize("mode", ["evaluate", "collect"])
def test_websocket_interview_with_streamed_voice_answers(stack: LocalStack, spoken_ogg: bytes, mode: str):
    api, socket, session_id = _ws_session(stack, mode)
    try:
        first = uuid.uuid4().hex
        last = socket.stream(first, spoken_ogg, "audio/ogg")
        socket.send(action="end_answer", answer_id=first, last_seq=last)
        for stage in ("received", "transcribing", "evaluating"):
            socket.wait_for("progress", answer_id=first, stage=stage)
        transcript = socket.wait_for("transcript", answer_id=first)["transcription"]
        assert "idempotency" in transcript["text"].lower() or "checkout" in transcript["text"].lower()
        result = socket.wait_for("answer_result", answer_id=first)["result"]
        assert (result["evaluation"] is not None) is (mode == "evaluate")
        question = socket.wait_for("question")["question"]
        assert question["index"] == 1 and question["audio"]["audio_url"]

        second = uuid.uuid4().hex
        socket.send(action="text_answer", answer_id=second, text=ANSWER)
        socket.wait_for("answer_result", answer_id=second)
        socket.wait_for("interview_complete", session_id=session_id)
    finally:
        socket.close()
    report = ok(api.post(f"/sessions/{session_id}/end"))["report"]
    assert report["answered"] == 2 and report["overall"] is not None
    assert report["questions"][0]["audio_url"]


def test_partial_transcripts_arrive_while_speaking(stack: LocalStack):
    long_answer = convert(espeak(" ".join([ANSWER] * 3)), "ogg")
    _, socket, _ = _ws_session(stack, "collect")
    try:
        answer_id = uuid.uuid4().hex
        last = socket.stream(answer_id, long_answer, "audio/ogg")
        partial = socket.wait_for("partial_transcript", answer_id=answer_id)
        assert partial["text"].strip()
        socket.send(action="end_answer", answer_id=answer_id, last_seq=last)
        final = socket.wait_for("transcript", answer_id=answer_id)["transcription"]
        assert final["text"].lower().count("checkout") >= 2
    finally:
        socket.close()


def test_a_reconnect_in_the_middle_of_an_answer_loses_nothing(stack: LocalStack, spoken_ogg: bytes):
    api, socket, session_id = _ws_session(stack, "evaluate")
    answer_id = uuid.uuid4().hex
    chunks = -(-len(spoken_ogg) // CHUNK_BYTES)
    half = chunks // 2
    socket.stream(answer_id, spoken_ogg, "audio/ogg", range(half))
    socket.close()  # the connection drops mid-answer

    socket = Socket(stack, api.headers["Authorization"].removeprefix("Bearer "))
    try:
        socket.send(action="join", session_id=session_id, answer_id=answer_id)
        resume = socket.wait_for("joined")["resume"]
        assert resume == {"answer_id": answer_id, "next_seq": half, "missing": [], "status": "streaming"}
        socket.stream(answer_id, spoken_ogg, "audio/ogg", range(resume["next_seq"], chunks))
        socket.send(action="end_answer", answer_id=answer_id, last_seq=chunks - 1)
        transcript = socket.wait_for("transcript", answer_id=answer_id)["transcription"]["text"].lower()
        assert "checkout" in transcript and ("zero" in transcript or "week" in transcript)
        socket.wait_for("answer_result", answer_id=answer_id)
    finally:
        socket.close()


def test_missing_chunks_are_asked_for_and_duplicates_ignored(stack: LocalStack, spoken_ogg: bytes):
    _, socket, _ = _ws_session(stack, "collect")
    try:
        answer_id = uuid.uuid4().hex
        chunks = -(-len(spoken_ogg) // CHUNK_BYTES)
        socket.stream(answer_id, spoken_ogg, "audio/ogg", range(0, chunks, 2))  # every other chunk
        socket.send(action="end_answer", answer_id=answer_id, last_seq=chunks - 1)
        missing = socket.wait_for("resend", answer_id=answer_id)["missing"]
        assert missing == list(range(1, chunks, 2))
        socket.stream(answer_id, spoken_ogg, "audio/ogg", range(0, 1))  # a duplicate
        socket.send(action="end_answer", answer_id=answer_id, last_seq=chunks - 1)
        assert socket.wait_for("resend", answer_id=answer_id)["missing"] == missing
        socket.stream(answer_id, spoken_ogg, "audio/ogg", range(1, chunks, 2))
        socket.send(action="end_answer", answer_id=answer_id, last_seq=chunks - 1)
        assert "checkout" in socket.wait_for("transcript", answer_id=answer_id)["transcription"]["text"].lower()
    finally:
        socket.close()


def test_an_answer_started_over_is_dropped_and_the_new_one_recorded(stack: LocalStack, spoken_ogg: bytes):
    api, socket, session_id = _ws_session(stack, "collect")
    try:
        dropped = uuid.uuid4().hex
        chunks = -(-len(spoken_ogg) // CHUNK_BYTES)
        socket.stream(dropped, spoken_ogg, "audio/ogg", range(chunks // 2))
        socket.send(action="discard_answer", answer_id=dropped)
        socket.wait_for("discarded", answer_id=dropped)
        socket.send(action="end_answer", answer_id=dropped, last_seq=chunks // 2 - 1)
        refused = socket.wait_for("error", answer_id=dropped)
        assert refused["code"] == "invalid_transition" and "discarded" in refused["message"]

        kept = uuid.uuid4().hex
        last = socket.stream(kept, spoken_ogg, "audio/ogg")
        socket.send(action="end_answer", answer_id=kept, last_seq=last)
        assert "checkout" in socket.wait_for("transcript", answer_id=kept)["transcription"]["text"].lower()
        socket.wait_for("answer_result", answer_id=kept)
    finally:
        socket.close()
    answers = ok(api.get(f"/sessions/{session_id}"))["answers"]
    assert [a["answer_id"] for a in answers] == [kept]


def test_a_question_answered_again_over_the_websocket_replaces_the_first_attempt(stack: LocalStack):
    api, socket, session_id = _ws_session(stack, "evaluate")
    weak = "I fixed a bug once. It was hard but it worked out fine."
    try:
        first = uuid.uuid4().hex
        socket.send(action="text_answer", answer_id=first, text=weak)
        assert socket.wait_for("answer_result", answer_id=first)["result"]["answer"]["attempt"] == 1
        assert socket.wait_for("question")["question"]["index"] == 1  # the interview moved on by itself

        again = ok(api.post(f"/sessions/{session_id}/repeat-question", json={"index": 0}))["question"]
        assert (again["index"], again["attempt"]) == (0, 2) and again["audio"]["audio_url"]
        second = uuid.uuid4().hex
        socket.send(action="text_answer", answer_id=second, text=ANSWER)
        assert socket.wait_for("answer_result", answer_id=second)["result"]["answer"]["attempt"] == 2
        assert socket.wait_for("question")["question"]["index"] == 1
    finally:
        socket.close()
    refused = api.post(f"/sessions/{session_id}/repeat-question", json={"index": -1})
    assert refused.status_code == 422
    report = ok(api.post(f"/sessions/{session_id}/end"))["report"]
    row = report["questions"][0]
    assert row["answer"] == ANSWER and row["attempts"] == 2 and row["earlier_overall"][0] < row["overall"]
