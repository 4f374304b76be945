"""Receiving a streamed answer's chunks, on moto's in-process DynamoDB and S3 (the WebSocket push is recorded)."""

import base64

import pytest

from gateway import streaming
from practice_shared.models.ws import AudioChunk
from practice_shared.store import audio as audio_store
from practice_shared.store import streams

pytestmark = pytest.mark.usefixtures("aws_tables")


@pytest.fixture
def acks(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(streaming, "send", lambda connection_id, message: sent.append(message))
    monkeypatch.setattr(streaming, "_self_invoke", lambda job, payload: None)
    # The session is in progress (its check is the interview function's, tested with the local stack).
    monkeypatch.setattr(
        streaming,
        "_new_stream",
        lambda user_id, session_id, message: streams.Stream(
            answer_id=message.answer_id, user_id=user_id, session_id=session_id
        ),
    )
    return sent


def _chunk(data: bytes, seq: int = 0) -> AudioChunk:
    return AudioChunk(action="audio_chunk", answer_id="race00001", seq=seq, data=base64.b64encode(data).decode())


def test_a_chunk_sent_again_is_acknowledged_as_a_duplicate_and_the_first_bytes_stay(acks: list[dict]) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first"))
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"second"))
    assert [(a["seq"], a["duplicate"]) for a in acks] == [(0, False), (0, True)]
    stream = streams.get("s1", "race00001")
    assert stream is not None and audio_store.read(streaming._chunk_key(stream, 0), 100) == b"first"


def test_a_duplicate_racing_the_original_neither_replaces_it_nor_is_told_it_was_kept(
    acks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first"))
    # The copy was read the stream before the original recorded its chunk: it does not know seq 0 arrived.
    stale = streams.Stream(answer_id="race00001", user_id="u1", session_id="s1")
    monkeypatch.setattr(streaming.streams, "get", lambda session_id, answer_id: stale)
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"other bytes"))
    assert [(a["seq"], a["duplicate"]) for a in acks] == [(0, False), (0, True)]
    assert audio_store.read(streaming._chunk_key(stale, 0), 100) == b"first"
