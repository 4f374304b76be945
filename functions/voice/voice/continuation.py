"""Transcripts of answers streamed over the WebSocket, continued from the words already transcribed.

While a candidate speaks, the gateway has the finished stretches of speech transcribed and keeps those words.
At the end only the audio after them is transcribed, and the result covers the whole answer: the earlier words,
the new ones (shifted to the answer's timeline), confidence and delivery analytics over all of them.
"""

from collections.abc import Sequence

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from practice_shared.models.voice import Transcription, WordTiming
from voice import audio, delivery, stt
from voice.audio import SAMPLE_RATE, Decoded

# A tail holding only the last syllable of a committed word, or a breath, must not be decoded: Whisper turns such
# fragments into invented words. Speech shorter than this is not a new word.
TAIL_VAD = VadOptions(min_speech_duration_ms=250)
WHOLE_WINDOW_SECONDS = 30


def decode_recording(data: bytes, start_seconds: float, max_seconds: float | None = None) -> Decoded:
    """The part of a recording :func:`transcribe_after` needs to continue from ``start_seconds``: a whole window
    before that point and everything after it (all of an answer that fits one window); a recording longer than
    ``max_seconds`` (default: the configured limit) is refused."""
    return audio.decode_from(data, start_seconds - WHOLE_WINDOW_SECONDS, max_seconds)


def transcribe_after(
    recording: Decoded,
    start_seconds: float,
    prior_words: list[WordTiming],
    prior_silences: Sequence[tuple[float, float]] = (),
    language: str | None = None,
    keep_fillers: bool = True,
) -> Transcription:
    """Transcribe ``recording`` from ``start_seconds`` on and merge the result with ``prior_words``.

    Whisper pads every window to 30 s, so an answer that fits one window costs the same whole as its tail alone:
    it is transcribed whole, keeping the context that a short tail would lose. The silences are found in the
    decoded part (a window before ``start_seconds`` and the rest); ``prior_silences`` before it (found by earlier
    transcriptions) join them, so that pauses are measured over the whole answer, not only its last window.
    """
    samples = recording.samples
    whole = recording.offset_seconds == 0 and len(samples) <= WHOLE_WINDOW_SECONDS * SAMPLE_RATE
    if (start_seconds <= 0 and not prior_words) or whole:
        return stt.transcribe(samples, language=language, keep_fillers=keep_fillers)
    rest = samples[max(0, int((start_seconds - recording.offset_seconds) * SAMPLE_RATE)) :]
    found = stt.find_silences(samples, recording.offset_seconds)  # once, for the tail and the whole answer
    silences = [s for s in prior_silences if s[0] < recording.offset_seconds] + found
    if get_speech_timestamps(rest, TAIL_VAD):
        in_tail = [(max(0.0, a - start_seconds), b - start_seconds) for a, b in silences if b > start_seconds]
        tail = stt.transcribe(rest, language=language, keep_fillers=keep_fillers, silences=in_tail)
    else:
        tail = stt.transcribe(np.zeros(0, dtype=np.float32), language=language, keep_fillers=keep_fillers)
    shifted = [
        w.model_copy(update={"start": round(w.start + start_seconds, 2), "end": round(w.end + start_seconds, 2)})
        for w in tail.words
    ]
    words = [*prior_words, *shifted]
    duration = recording.duration_seconds
    earlier = " ".join(w.word for w in prior_words)
    return tail.model_copy(
        update={
            "text": " ".join(part for part in (earlier, tail.text) if part),
            "no_speech": not words,
            "words": words,
            "confidence": round(stt.confidence(words), 4),
            "duration_seconds": round(duration, 3),
            "delivery": delivery.analyze(words, duration, silences),
            "silences": silences,
        }
    )
