"""The partial-transcript job's decision to transcribe, on moto's in-process DynamoDB and S3.

The calls that leave the gateway (the interview function for the session's language, the voice function, the
WebSocket push) are replaced by recorders here: what is tested is whether the job calls the voice function at
all. The whole streamed flow, with the real functions, is in tests/integration/test_interview_flows.py.
"""

import pytest

from gateway import downstream, push, streaming
from practice_shared.models.voice import Transcription, WordTiming
from practice_shared.store import audio as audio_store
from practice_shared.store import streams
from voice import delivery

pytestmark = pytest.mark.usefixtures("aws_tables")


@pytest.fixture
def transcriptions(monkeypatch: pytest.MonkeyPatch) -> list:
    calls: list = []

    def transcribe(request):
        calls.append(request)
        return _transcription([], 3.0)

    monkeypatch.setattr(downstream, "transcribe", transcribe)
    monkeypatch.setattr(streaming, "_language", lambda user_id, session_id: "en")
    monkeypatch.setattr(streaming, "send", lambda connection_id, message: None)
    return calls


def _transcription(words: list, duration: float, silences: list | None = None) -> Transcription:
    return Transcription(
        silences=silences or [],
        text=" ".join(w.word for w in words),
        language="en",
        duration_seconds=duration,
        words=words,
        confidence=0.9 if words else 0.0,
        no_speech=not words,
        delivery=delivery.analyze(words, duration),
        language_probability=1.0,
        model="base",
        processing_seconds=0.1,
    )


def _chunks(count: int = 3) -> streams.Stream:
    stream = streams.Stream(answer_id="a1", user_id="u1", session_id="s1")
    for seq in range(count):
        audio_store.write(streaming._chunk_key(stream, seq), b"chunk", "application/octet-stream")
        stream, _ = streams.add_chunk(stream, seq, 5, 3600)
    return stream


def _job(stream: streams.Stream, upto: int = 3) -> None:
    streaming.partial_transcript(
        {"connection_id": "c1", "session_id": stream.session_id, "answer_id": stream.answer_id, "upto": upto}
    )


def test_a_partial_transcript_is_made_while_the_candidate_speaks(transcriptions):
    _job(_chunks())
    assert len(transcriptions) == 1


def test_an_answer_that_ends_while_the_job_gathers_its_audio_is_left_to_the_final_job(transcriptions, monkeypatch):
    stream = _chunks()
    assemble = streaming._assemble

    def assemble_then_end(current, upto):
        data = assemble(current, upto)
        assert streams.set_status(stream, "finishing", allowed_from=("streaming",))  # end_answer arrives now
        return data

    monkeypatch.setattr(streaming, "_assemble", assemble_then_end)
    _job(stream)
    assert transcriptions == []


def test_an_answer_discarded_while_the_job_gathers_its_audio_leaves_no_copy_of_it(transcriptions, monkeypatch):
    stream = _chunks()
    assemble = streaming._assemble

    def assemble_then_discard(current, upto):
        data = assemble(current, upto)
        # The candidate starts over now: the discard deletes the answer's audio before this job writes its copy.
        assert streams.set_status(stream, "discarded", allowed_from=("streaming",))
        audio_store.delete_prefix(streaming._stream_folder(stream))
        return data

    monkeypatch.setattr(streaming, "_assemble", assemble_then_discard)
    _job(stream)
    assert transcriptions == []
    assert not audio_store.exists(f"{streaming._stream_folder(stream)}partial.webm")


def _words(*spoken: tuple[str, float, float]) -> list[WordTiming]:
    return [WordTiming(word=w, start=start, end=end, probability=0.9) for w, start, end in spoken]


HEARD = _words(("We", 0.0, 0.3), ("sharded", 0.4, 0.9), ("the", 1.3, 1.4), ("table", 1.5, 1.9), ("by", 2.4, 2.5))


def test_words_are_committed_once_two_transcriptions_agree_on_them() -> None:
    assert streaming._agreed(HEARD, [], 0.0, 6.0) == ([], 0.0, HEARD)  # the first hearing commits nothing
    again = _words(("we,", 0.0, 0.3), ("sharded", 0.4, 0.9), ("the", 1.3, 1.4), ("tables", 1.45, 1.9))
    committed, until, pending = streaming._agreed(again, HEARD, 0.0, 6.0)
    # "we sharded the" agree (case and punctuation aside); the cut is in the pause after "sharded": no pause follows
    # "the".
    assert [w.word for w in committed] == ["we,", "sharded"] and until == 1.1
    assert [w.word for w in pending] == ["the", "tables"]


def test_agreed_words_need_audio_after_them() -> None:
    committed, until, _ = streaming._agreed(HEARD, HEARD, 0.0, 2.2)  # "table" ends 0.3 s before the end
    assert [w.word for w in committed] == ["We", "sharded"] and until == 1.1


def test_without_agreement_a_long_stretch_is_committed_up_to_a_pause_well_before_the_end() -> None:
    heard = _words(*[(f"w{i}", i * 1.0, i * 1.0 + 0.5) for i in range(12)])
    other = _words(*[(f"x{i}", i * 1.0, i * 1.0 + 0.5) for i in range(12)])
    assert streaming._agreed(heard, other, 0.0, 9.0)[0] == []  # 9 s pending: still waiting for agreement
    committed, until, pending = streaming._agreed(heard, other, 0.0, 12.5)
    assert [w.word for w in committed] == [f"w{i}" for i in range(8)] and until == 7.75
    assert committed[-1].end <= 12.5 - streaming.MAX_PENDING_SECONDS / 2 and pending == heard[8:]


def test_partial_transcriptions_commit_what_they_agree_on(transcriptions, monkeypatch) -> None:
    heard = [HEARD, [*HEARD, *_words(("user", 2.55, 2.9))]]
    silences = [(0.95, 1.25), (1.95, 2.35)]  # the second ends after the cut at 2.15: not committed yet
    requests = []

    def transcribe(request):
        requests.append(request)
        return _transcription(heard.pop(0), 6.0, silences)

    monkeypatch.setattr(downstream, "transcribe", transcribe)
    stream = _chunks(6)
    _job(stream, upto=3)
    first = streams.get(stream.session_id, stream.answer_id)
    assert first.committed_words == [] and first.pending_words == HEARD and first.pending_upto == 3
    _job(first, upto=6)
    second = streams.get(stream.session_id, stream.answer_id)
    assert [w.word for w in second.committed_words] == ["We", "sharded", "the", "table"]
    assert second.committed_until == 2.15 and [w.word for w in second.pending_words] == ["by", "user"]
    assert second.committed_silences == [(0.95, 1.25)]  # kept for the pauses of the whole answer
    heard.append([])
    _job(second, upto=6)
    assert requests[-1].prior_silences == [(0.95, 1.25)] and requests[-1].prior_words == second.committed_words


def test_a_word_stamped_into_the_pause_it_follows_is_not_lost(transcriptions, monkeypatch) -> None:
    """The next transcription hears "the" from 1.05 s, inside the pause whose middle (1.1 s) the commit ended at, and
    "sharded" (committed) up to 1.15 s: the first is a new word, the second is not heard twice."""
    stream = _chunks(6)
    assert streams.record_partial(stream, 3, 1.1, HEARD[:2], HEARD[2:], [])
    stream = streams.get(stream.session_id, stream.answer_id)
    shifted = _words(("We", 0.0, 0.3), ("sharded", 0.4, 1.15), ("the", 1.05, 1.4), ("table", 1.5, 1.9))
    monkeypatch.setattr(downstream, "transcribe", lambda request: _transcription(shifted, 6.0))
    _job(stream, upto=6)
    after = streams.get(stream.session_id, stream.answer_id)
    assert [w.word for w in after.committed_words] == ["We", "sharded", "the"]  # agreed, and a pause after it
    assert [w.word for w in after.pending_words] == ["table"]


def test_an_older_partial_transcription_does_not_replace_a_newer_one(transcriptions) -> None:
    stream = _chunks()
    assert streams.record_partial(stream, 6, 0.0, [], HEARD, [])
    assert not streams.record_partial(stream, 3, 0.0, [], [], [])
    assert streams.get(stream.session_id, stream.answer_id).pending_words == HEARD


def test_the_transcript_of_a_ten_minute_answer_fits_one_websocket_message() -> None:
    """~1,600 words with their timings would pass API Gateway's 128 KB: the event then goes without them, so that the
    answer is still submitted (a push that does not fit raises, before the answer is recorded)."""
    long = _words(*[(f"word{i % 50},", i * 0.37, i * 0.37 + 0.3) for i in range(1600)])
    event = streaming._transcript_event(
        "a1", _transcription(long, 600.0, [(i * 3.0, i * 3.0 + 0.6) for i in range(200)])
    )
    assert push.fits(event) and event["words_omitted"] is True
    assert event["transcription"]["text"].startswith("word0, word1,") and "words" not in event["transcription"]
    assert event["transcription"]["delivery"]["word_count"] == 1600
    short = streaming._transcript_event("a1", _transcription(HEARD, 3.0))
    assert len(short["transcription"]["words"]) == len(HEARD) and "words_omitted" not in short
