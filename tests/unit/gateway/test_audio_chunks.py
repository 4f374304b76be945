"""Receiving a streamed answer's chunks, on moto's in-process DynamoDB and S3 (the WebSocket push is recorded)."""

import base64

import pytest

from gateway import streaming
from practice_shared import errors
from practice_shared.models.ws import AudioChunk, DiscardAnswer, EndAnswer
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


def _discard(answer_id: str = "race00001") -> None:
    streaming.discard_answer("c1", "u1", "s1", DiscardAnswer(action="discard_answer", answer_id=answer_id))


def test_a_discarded_answer_loses_its_chunks_and_takes_no_more_audio(acks: list[dict]) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first", 0))
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"second", 1))
    stream = streams.get("s1", "race00001")
    assert stream is not None
    _discard()
    assert acks[-1] == {"type": "discarded", "answer_id": "race00001"}
    assert not audio_store.exists(streaming._chunk_key(stream, 0))
    assert not audio_store.exists(streaming._chunk_key(stream, 1))
    with pytest.raises(errors.Conflict, match="discarded"):
        streaming.receive_chunk("c1", "u1", "s1", _chunk(b"late", 2))
    with pytest.raises(errors.Conflict, match="discarded"):
        streaming.end_answer("c1", "u1", "s1", EndAnswer(action="end_answer", answer_id="race00001", last_seq=1))
    _discard()  # again: confirmed again, nothing else happens
    assert acks[-1] == {"type": "discarded", "answer_id": "race00001"}


def test_a_chunk_racing_the_discard_is_refused_and_not_left_in_s3(
    acks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first", 0))
    # This chunk's handler read the stream while it was still streaming; the discard (and its deletion of the
    # answer's chunks) then ran before the chunk was stored.
    before = streams.get("s1", "race00001")
    _discard()
    reads = iter([before])
    read = streams.get
    monkeypatch.setattr(
        streaming.streams, "get", lambda session_id, answer_id: next(reads, None) or read(session_id, answer_id)
    )
    with pytest.raises(errors.Conflict, match="discarded"):
        streaming.receive_chunk("c1", "u1", "s1", _chunk(b"late", 1))
    assert before is not None and not audio_store.exists(streaming._chunk_key(before, 1))
    stream = streams.get("s1", "race00001")
    assert stream is not None and stream.status == "discarded" and stream.seqs == {0}


def test_an_answer_already_submitted_cannot_be_discarded(acks: list[dict]) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first", 0))
    streaming.end_answer("c1", "u1", "s1", EndAnswer(action="end_answer", answer_id="race00001", last_seq=0))
    with pytest.raises(errors.Conflict, match="already been submitted"):
        _discard()
    stream = streams.get("s1", "race00001")
    assert stream is not None and stream.status == "finishing"
    assert audio_store.exists(streaming._chunk_key(stream, 0))


def test_discarding_an_answer_of_which_nothing_arrived_is_confirmed(acks: list[dict]) -> None:
    _discard("nothing01")
    assert acks == [{"type": "discarded", "answer_id": "nothing01"}]
    assert streams.get("s1", "nothing01") is None


def test_an_answer_whose_finishing_job_could_not_start_can_be_ended_again(
    acks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first", 0))
    end = EndAnswer(action="end_answer", answer_id="race00001", last_seq=0)

    def unreachable(job, payload):
        raise errors.DownstreamUnavailable("The service is unreachable; please try again shortly.")

    monkeypatch.setattr(streaming, "_self_invoke", unreachable)
    with pytest.raises(errors.DownstreamUnavailable):
        streaming.end_answer("c1", "u1", "s1", end)
    assert streams.get("s1", "race00001").status == "failed"  # not left "finishing" with no job to finish it
    started = []
    monkeypatch.setattr(streaming, "_self_invoke", lambda job, payload: started.append(job))
    streaming.end_answer("c1", "u1", "s1", end)  # the client's retry
    assert started == ["finish_answer"] and streams.get("s1", "race00001").status == "finishing"


def test_end_answer_from_another_connection_while_the_answer_is_finishing_is_told_to_ask_again(
    acks: list[dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    streaming.receive_chunk("c1", "u1", "s1", _chunk(b"first", 0))
    end = EndAnswer(action="end_answer", answer_id="race00001", last_seq=0)
    streaming.end_answer("c1", "u1", "s1", end)  # its job pushes the result to c1, a connection now gone
    with pytest.raises(errors.Conflict, match="still being processed") as refused:
        streaming.end_answer("c2", "u1", "s1", end)  # the client, reconnected, ends it again
    assert refused.value.code == "in_progress"
    streaming.push_error("c2", refused.value, "race00001")
    assert acks[-1]["code"] == "in_progress" and acks[-1]["retryable"] is True
    assert streams.set_status(streams.get("s1", "race00001"), "done", allowed_from=("finishing",))  # the job ends
    started = []
    monkeypatch.setattr(streaming, "_self_invoke", lambda job, payload: started.append(payload["connection_id"]))
    streaming.end_answer("c2", "u1", "s1", end)  # asked again: the result is replayed to this connection
    assert started == ["c2"]


def test_a_chunk_labelled_with_codec_parameters_is_taken_as_its_media_type() -> None:
    """Safari's MediaRecorder reports audio/mp4;codecs=mp4a.40.2; a native app may say audio/x-m4a."""
    from practice_shared.models.ws import AudioChunk

    for declared in ("audio/mp4;codecs=mp4a.40.2", "audio/x-m4a", "AUDIO/MP4"):
        chunk = AudioChunk(action="audio_chunk", answer_id="safari0001", seq=0, data="AAAA", content_type=declared)
        assert chunk.content_type == "audio/mp4"
