"""Continuing a streamed answer's transcript from the words already transcribed (real base model)."""

import numpy as np
import pytest
import voice_samples as samples

from voice import audio, continuation, stt

pytestmark = pytest.mark.slow


def test_the_continued_transcript_covers_the_whole_answer(base_model, long_wav: bytes) -> None:
    speech = audio.decode(long_wav)
    whole = stt.transcribe(speech, language="en")
    # What a partial transcription of the first 12 seconds would have committed, as the gateway does: the words
    # before the last pause (of 0.1 s at least) that starts by 10 s, continuing from the middle of that pause.
    head = stt.transcribe(speech[: 12 * audio.SAMPLE_RATE], language="en").words
    cut = max(i for i in range(1, len(head)) if head[i].start - head[i - 1].end >= 0.1 and head[i - 1].end <= 10.0)
    committed = head[:cut]
    start = (head[cut - 1].end + head[cut].start) / 2

    result = continuation.transcribe_after(audio.Decoded(speech), start, committed, language="en")

    assert result.words[: len(committed)] == committed
    assert all(w.start >= start for w in result.words[len(committed) :])
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)
    assert samples.wer(samples.LONG, result.text) <= samples.wer(samples.LONG, whole.text) + 0.05, result.text
    assert result.duration_seconds == pytest.approx(whole.duration_seconds)
    assert abs(result.delivery.word_count - whole.delivery.word_count) <= 2
    assert result.confidence == pytest.approx(stt.confidence(result.words), abs=1e-4)


def test_without_earlier_words_it_is_a_plain_transcription(base_model, answer_wav: bytes) -> None:
    speech = audio.decode(answer_wav)
    result = continuation.transcribe_after(audio.Decoded(speech), 0.0, [], language="en")
    assert result.text == stt.transcribe(speech, "en").text


def test_an_answer_within_one_window_is_transcribed_whole(base_model, answer_wav: bytes) -> None:
    speech = audio.decode(answer_wav)
    whole = stt.transcribe(speech, language="en")
    start = whole.words[2].end + 0.05
    result = continuation.transcribe_after(audio.Decoded(speech), start, whole.words[:3], language="en")
    assert result.text == whole.text and result.words == whole.words


def test_silence_after_the_committed_words_adds_nothing(base_model, answer_wav: bytes) -> None:
    speech = audio.decode(answer_wav)
    head = stt.transcribe(speech, language="en")
    padded = np.concatenate([speech, np.zeros(30 * audio.SAMPLE_RATE, dtype=np.float32)])
    result = continuation.transcribe_after(audio.Decoded(padded), head.words[-1].end + 0.05, head.words, language="en")
    assert result.words == head.words and not result.no_speech
    assert result.duration_seconds == pytest.approx(len(padded) / audio.SAMPLE_RATE, abs=0.01)


def test_a_long_recording_is_continued_from_its_last_seconds_alone(base_model, long_wav: bytes) -> None:
    """The final transcription of a long streamed answer decodes only a window before the committed words' end,
    and continues exactly as from the whole recording."""
    webm = samples.convert(long_wav, "webm")
    speech = audio.decode(webm)
    head = stt.transcribe(speech[: 36 * audio.SAMPLE_RATE], language="en")
    committed = [w for w in head.words if w.end <= 34.0]
    start = committed[-1].end
    assert start > continuation.WHOLE_WINDOW_SECONDS

    recording = continuation.decode_recording(webm, start)
    assert 0 < recording.offset_seconds <= start - continuation.WHOLE_WINDOW_SECONDS
    from_part = continuation.transcribe_after(recording, start, committed, language="en")
    from_whole = continuation.transcribe_after(audio.Decoded(speech), start, committed, language="en")

    assert from_part.text == from_whole.text and len(from_part.words) > len(committed)
    assert [w.word for w in from_part.words] == [w.word for w in from_whole.words]
    assert max(abs(a.start - b.start) for a, b in zip(from_part.words, from_whole.words, strict=True)) <= 0.02
    assert from_part.duration_seconds == pytest.approx(from_whole.duration_seconds, abs=0.001)


def test_a_part_of_a_recording_has_the_silences_of_the_whole(long_wav: bytes) -> None:
    """The final transcription finds the silences of the part it decodes; they must be the whole recording's, or a
    streamed answer's pauses differ from the same answer uploaded."""
    speech = audio.decode(long_wav)
    whole = stt.find_silences(speech)
    for start in (1.3, 8.41, 12.0):  # 320, 256 and 0 samples past a frame of voice activity detection
        part = stt.find_silences(speech[round(start * audio.SAMPLE_RATE) :], start)
        # The detector's state needs a few seconds of audio to become the whole reading's.
        later = [s for s in whole if s[0] >= start + 5.0]
        in_part = [s for s in part if s[0] >= start + 5.0]
        assert len(in_part) == len(later) >= 3, (start, in_part, later)
        assert np.array(in_part) == pytest.approx(np.array(later), abs=0.033), start  # at most one frame apart


def test_pauses_before_the_decoded_window_come_from_the_earlier_transcriptions(base_model) -> None:
    """Only a window before the committed words is decoded at the end; the silences found earlier (by partial
    transcriptions) measure the pauses before it, as a transcription of the whole recording does."""
    first = audio.decode(samples.espeak(samples.LONG_SENTENCES[0], speed=150))
    rest = audio.decode(samples.espeak(" ".join(samples.LONG_SENTENCES[1:]), speed=150))
    pause = np.zeros(int(1.5 * audio.SAMPLE_RATE), dtype=np.float32)  # a long pause after the first sentence
    webm = samples.convert(samples.pcm_wav(np.concatenate([first, pause, rest])), "webm")
    speech = audio.decode(webm)
    head = stt.transcribe(speech[: 40 * audio.SAMPLE_RATE], language="en")
    committed = [w for w in head.words if w.end <= 38.0]
    start = committed[-1].end
    recording = continuation.decode_recording(webm, start)
    earlier = [s for s in head.silences if s[1] <= start]
    before = recording.offset_seconds
    assert any(s[0] < before for s in earlier), "the example needs a silence before the decoded window"

    result = continuation.transcribe_after(recording, start, committed, prior_silences=earlier, language="en")
    alone = continuation.transcribe_after(recording, start, committed, language="en")
    whole = continuation.transcribe_after(audio.Decoded(speech), start, committed, language="en")

    assert result.text == alone.text
    assert result.silences == [s for s in earlier if s[0] < before] + alone.silences
    early = [x for p in whole.delivery.pauses if p.start < before for x in (p.start, p.duration)]
    assert max(early[1::2]) >= 1.5
    assert [x for p in result.delivery.pauses if p.start < before for x in (p.start, p.duration)] == pytest.approx(
        early, abs=0.05
    )
    # Without them the silences there are unknown, and so are the pauses.
    assert [x for p in alone.delivery.pauses if p.start < before for x in (p.start, p.duration)] != pytest.approx(
        early, abs=0.05
    )
