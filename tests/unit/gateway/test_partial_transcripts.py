"""The partial-transcript job's decision to transcribe, on moto's in-process DynamoDB and S3.

The calls that leave the gateway (the interview function for the session's language, the voice function, the
WebSocket push) are replaced by recorders here: what is tested is whether the job calls the voice function at
all. The whole streamed flow, with the real functions, is in tests/integration/test_interview_flows.py.
"""

import pytest

from gateway import downstream, streaming
from practice_shared.models.voice import Transcription
from practice_shared.store import audio as audio_store
from practice_shared.store import streams
from voice import delivery

pytestmark = pytest.mark.usefixtures("aws_tables")


@pytest.fixture
def transcriptions(monkeypatch: pytest.MonkeyPatch) -> list:
    calls: list = []

    def transcribe(request):
        calls.append(request)
        return Transcription(
            text="",
            language="en",
            duration_seconds=3.0,
            words=[],
            confidence=0.0,
            no_speech=True,
            delivery=delivery.analyze([], 3.0),
            language_probability=1.0,
            model="base",
            processing_seconds=0.1,
        )

    monkeypatch.setattr(downstream, "transcribe", transcribe)
    monkeypatch.setattr(streaming, "_language", lambda user_id, session_id: "en")
    monkeypatch.setattr(streaming, "send", lambda connection_id, message: None)
    return calls


def _three_chunks() -> streams.Stream:
    stream = streams.Stream(answer_id="a1", user_id="u1", session_id="s1")
    for seq in range(3):
        audio_store.write(streaming._chunk_key(stream, seq), b"chunk", "application/octet-stream")
        stream, _ = streams.add_chunk(stream, seq, 5, 3600)
    return stream


def _job(stream: streams.Stream) -> None:
    streaming.partial_transcript(
        {"connection_id": "c1", "session_id": stream.session_id, "answer_id": stream.answer_id, "upto": 3}
    )


def test_a_partial_transcript_is_made_while_the_candidate_speaks(transcriptions):
    _job(_three_chunks())
    assert len(transcriptions) == 1


def test_an_answer_that_ends_while_the_job_gathers_its_audio_is_left_to_the_final_job(transcriptions, monkeypatch):
    stream = _three_chunks()
    assemble = streaming._assemble

    def assemble_then_end(current, upto):
        data = assemble(current, upto)
        assert streams.set_status(stream, "finishing", allowed_from=("streaming",))  # end_answer arrives now
        return data

    monkeypatch.setattr(streaming, "_assemble", assemble_then_end)
    _job(stream)
    assert transcriptions == []
