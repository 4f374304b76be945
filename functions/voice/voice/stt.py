"""Speech to text with faster-whisper on CPU, tuned for short spoken answers.

Settings, chosen by measurement (``bench/bench_voice.py``; figures in ``functions/voice/README.md``):

* int8 weights and beam size 5: on 68 espeak-ng clips (base, with the filler prompt) word error rate 10.3%
  against 12.9% for greedy decoding, for ~25% more time;
* Silero voice activity detection, once per transcription: silence and noise never reach the decoder (no invented
  "thanks for watching"), and a clip without speech returns empty text with ``no_speech=True``;
* ``condition_on_previous_text=False``: one misheard window cannot derail the next;
* a window Whisper rates as probably silent (no-speech probability over 0.5, default 0.6, with a low log
  probability) is skipped without temperature fallbacks: the half-second tail after the last sentence of a 30 s
  WebM answer otherwise cost five fallback decodes (~2.5 s) and came out as "Thanks for watching." or "You";
  the word error rate on 106 clean clips did not change;
* language detection only when the request gives no language (it costs an encoder pass, ~0.55 s for base on two
  cores), or when a given language's transcript looks wrong (:func:`language_warning`);
* for English with ``keep_fillers``, a short prompt written with fillers so that Whisper writes "um" and "uh"
  instead of silently dropping them (base, beam 5: filler recall 10/15 -> 13/15 on our filler clips; on the 68
  clips without fillers the word error rate went 12.4% -> 10.3% and no filler was invented); tiny.en has a prompt
  of its own (``FILLER_PROMPTS``);
* stretches of speech Whisper skipped are decoded again (:func:`holes`): with the filler prompt, Whisper sometimes
  ends a window early, declaring the rest of it silent (5 of 16 spoken answers of 25-67 s lost 3-21 s);
* word timestamps on: they feed the delivery analytics, with the recording's silences (:func:`find_silences`, a second
  voice activity pass that keeps short silences, ~1.8 ms per second of audio) to measure pauses;
* at most 8 new tokens per second of the clip (+16), and never more than 224 per window (openai-whisper's own
  limit): with word timestamps, faster-whisper decodes the audio left after the last word as a window of its own,
  where Whisper often loops on one token until the limit (448 by default), then falls back to sampling; that cost
  3-4 s on a 4 s tail of a streamed answer, 1.3-2 s with the budget, for the same text. Speech at 280 words a
  minute still transcribes whole (a test checks it);
* no window of its own for that leftover when it lies in the last half second of speech (:func:`until_speech_end`):
  the window before has already heard it, and on a recording stopped mid-word (every partial transcription of a
  streamed answer is) decoding it again took ~1.1 s of a 10 s answer's 2 s, and never added a word;
* with base, the encoder sees a window's audio and 3 s after it, not 30 s padded with silence
  (:class:`ContentWhisperModel`): short clips, streamed answers' tails and partial transcriptions cost what their
  audio lasts.

Models are loaded once per container and kept in a module-level cache keyed by model name.
"""

import math
import os
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import pairwise

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.transcribe import Segment, restore_speech_timestamps
from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps, get_vad_model

from practice_shared.config import get_settings
from practice_shared.errors import Unprocessable
from practice_shared.models.common import LANGUAGE_NAMES
from practice_shared.models.voice import DeliveryMetrics, Transcription, WordTiming
from practice_shared.observability import MetricUnit, logger, metrics, tracer
from voice import delivery, model_store
from voice.audio import SAMPLE_RATE

BEAM_SIZE = 5
FILLER_PROMPT = "Um, so, uh, we, um, did it, uh, well."
# The filler prompt per model, where another one hears better. tiny.en with this one, on bench_voice's 36 clips
# (three espeak-ng voices): word error rate 11.6 -> 9.7 % (faster-whisper's defaults 11.8 %), fillers heard in the
# three-filler clip 2 -> 3; base with it: 11.2 -> 11.8 %, so base keeps FILLER_PROMPT.
FILLER_PROMPTS = {"tiny.en": "Um, I think, uh, we shipped it."}
MIN_WORD_SECONDS = 0.01
NO_SPEECH_THRESHOLD = 0.5
LANGUAGE_DETECTION_SECONDS = 30
TOKENS_PER_SECOND = 8
WINDOW_TOKENS = 224
SPEECH_END_SECONDS = 0.5
HOLE_SECONDS = 3.0
UNDETERMINED = "und"
# A transcript in the language asked for is checked when its confidence is under this, or when over half its words
# are fillers or repeats (Whisper, made to write a language the speaker is not speaking, loops: "uh, uh, uh", "so,
# so, so"). Native espeak-ng English in five accents: confidence 0.74-0.92; French, Spanish, Italian, Portuguese
# and Polish transcribed as English: 0.01-0.32, Russian 0.74 ("uh, uh, uh, ...").
CHECK_LANGUAGE_BELOW = 0.65
# It is taken for another language when the language asked for has less probability than this (the same English
# clips: 0.47-0.97; those five languages and Russian: 0.02-0.15).
OTHER_LANGUAGE_BELOW = 0.2
NAMED_LANGUAGE_AT = 0.5  # the language heard is named only when the model is this sure of it
# An English transcript of at least ENGLISH_CHECK_WORDS words is checked too when under this share of its words are
# common English ones: Whisper sometimes writes another language as it is heard, with fair confidence (Spanish as
# Spanish, 0.73). Common words are 19-67 % of each of the 126 labelled English answers, 31-48 % of the English test
# clips; a false alarm costs only the check (one encoder pass), which then finds English.
ENGLISH_WORDS_BELOW = 0.15
ENGLISH_CHECK_WORDS = 8
COMMON_ENGLISH = (
    "the a an and or but of to in on at for with from by as is are was were be been it its this that these those "
    "i you he she we they my our your his her their me us them not no so if then there here what which who when "
    "how do does did have has had can could will would should about because all just also some one up out into "
    "than only after before over very each other more most"
)
_COMMON_ENGLISH = frozenset(COMMON_ENGLISH.split())
# Silences for pause measurement: no padding, and ended after 0.1 s. On espeak-ng speech with silences of 0.3, 0.6,
# 1.0, 1.5 and 2.5 s put between sentences, measured 0.26, 0.54, 0.99, 1.47 and 2.46 s.
SILENCE_VAD = VadOptions(min_silence_duration_ms=100, speech_pad_ms=0)
VAD_FRAME_SAMPLES = 512  # Silero voice activity detection reads the audio 512 samples (32 ms) at a time
# Mel frames (10 ms each) the encoder sees after a window's audio ends, and the models that are run so; see
# ContentWhisperModel.
ENCODER_MARGIN_FRAMES = 300
TRIMMED_MODELS = frozenset({"base"})


class ContentWhisperModel(WhisperModel):
    """faster-whisper's model, encoding a window's audio and ``ENCODER_MARGIN_FRAMES`` after it, not the whole 30 s.

    faster-whisper pads every window to 30 s, and the encoder's cost is that of 30 s whatever the audio (a 5 s tail
    of a streamed answer cost as much as a full window); CTranslate2's encoder takes fewer frames, as whisper.cpp's
    ``audio_ctx`` does. On 21 espeak-ng clips of 3-20 s (base, English): 20.9 -> 11.2 s, word error rate 8.4 % ->
    7.8 %. A margin of 1 s left Whisper inventing words after the end of one clip ("nothing. nothing."); 3 s did not.
    tiny.en, with the same 3 s, added a word after the end of 2 of the 21 clips ("... concerns. is"), so it keeps
    the whole window (``TRIMMED_MODELS``); so does any other model, not measured.
    """

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        return super().encode(content_frames(features))


def content_frames(features: np.ndarray) -> np.ndarray:
    """A window's mel features up to its last frame of audio and ``ENCODER_MARGIN_FRAMES`` more (an even number):
    ``pad_or_trim`` fills a short window with zeros, which a frame of real audio, even silence, never is in every band
    of its normalized log-mel."""
    if features.ndim != 2:
        return features
    audible = np.flatnonzero(np.any(features != 0, axis=0))
    keep = min(features.shape[-1], (int(audible[-1]) + 1 if audible.size else 0) + ENCODER_MARGIN_FRAMES)
    return features[:, : keep + keep % 2]


_models: dict[str, WhisperModel] = {}
_load_lock = threading.Lock()


def cpu_threads() -> int:
    """Threads for the CTranslate2 encoder/decoder: settings.whisper_threads, or every core this process may use."""
    return get_settings().whisper_threads or len(os.sched_getaffinity(0))


def model_name(name: str | None = None) -> str:
    """The model a request uses: ``name`` or settings.whisper_model."""
    return name or get_settings().whisper_model


def get_model(name: str | None = None) -> WhisperModel:
    """The loaded Whisper model ``name`` (default settings.whisper_model), loaded on first use in this process."""
    name = model_name(name)
    model = _models.get(name)
    if model is None:
        with _load_lock:
            model = _models.get(name)
            if model is None:
                with tracer.provider.in_subsegment("## load_whisper_model") as subsegment:
                    started = time.perf_counter()
                    model = load_model(name, trimmed=name in TRIMMED_MODELS)
                    subsegment.put_annotation("model", name)
                logger.info("Whisper model loaded", extra={"model": name, "seconds": time.perf_counter() - started})
                _models[name] = model
    return model


def load_model(name: str, trimmed: bool) -> WhisperModel:
    """A new instance of Whisper model ``name`` (int8 on CPU), its encoder given only a window's audio if ``trimmed``
    (:class:`ContentWhisperModel`); :func:`get_model` keeps one per process."""
    kind = ContentWhisperModel if trimmed else WhisperModel
    return kind(str(model_store.resolve(name)), device="cpu", compute_type="int8", cpu_threads=cpu_threads())


def warm_up(name: str | None = None) -> None:
    """Load the Whisper model and the voice activity detector now (Lambda's init phase), not on the first request."""
    get_model(name)
    get_vad_model()


def confidence(words: list[WordTiming]) -> float:
    """Duration-weighted mean of word probabilities: sum(p_i * d_i) / sum(d_i), d_i = max(end_i - start_i, 10 ms).

    Long words weigh more than short ones, so a mumbled "the" does not sink a clear sentence; the 10 ms floor keeps
    zero-length words counted. 0.0 when there are no words.
    """
    if not words:
        return 0.0
    durations = np.array([max(w.end - w.start, MIN_WORD_SECONDS) for w in words])
    probabilities = np.array([w.probability for w in words])
    return float(np.clip((durations * probabilities).sum() / durations.sum(), 0.0, 1.0))


def normalize_language(language: str | None, model: WhisperModel, name: str) -> str | None:
    """``language`` as a Whisper code ("en-US" -> "en"), or ``None`` to detect it; 422 when unsupported."""
    if language is None:
        return None if model.model.is_multilingual else "en"
    code = language.strip().lower().replace("_", "-").split("-")[0]
    if not model.model.is_multilingual and code != "en":
        raise Unprocessable(f"The speech model '{name}' understands English only; '{language}' was requested.")
    if code not in model.supported_languages:
        raise Unprocessable(f"Language '{language}' is not supported by speech recognition.")
    return code


@tracer.capture_method(capture_response=False)
def transcribe(
    samples: np.ndarray,
    language: str | None = None,
    keep_fillers: bool = True,
    model: str | None = None,
    silences: list[tuple[float, float]] | None = None,
) -> Transcription:
    """Transcribe 16 kHz mono float32 ``samples`` with word timings, confidence and delivery analytics.

    ``language`` (ISO 639-1) skips detection; with ``keep_fillers`` English transcripts keep "um"/"uh".
    ``silences`` are the clip's (from :func:`find_silences`) when the caller has already found them.
    """
    name = model_name(model)
    whisper = get_model(name)
    started = time.perf_counter()  # processing time excludes the one-off model load
    forced = normalize_language(language, whisper, name)
    duration = len(samples) / SAMPLE_RATE
    with tracer.provider.in_subsegment("## voice_activity"):
        speech = get_speech_timestamps(samples, VadOptions())
    text, words = "", []
    detected, probability = forced or UNDETERMINED, 1.0 if forced else 0.0
    if speech:
        voiced = np.concatenate(collect_chunks(samples, speech)[0])  # the speech found, joined
        if forced is None:
            detected, probability, _ = _detect_language(whisper, voiced)
        prompt = FILLER_PROMPTS.get(name, FILLER_PROMPT) if keep_fillers and detected == "en" else None
        text, words = _decode(whisper, voiced, speech, duration, detected, prompt)
    if silences is None:
        silences = find_silences(samples) if words else []
    analytics = delivery.analyze(words, duration, silences)
    heard = confidence(words)
    warning = None
    if forced is not None and whisper.model.is_multilingual and _doubtful(words, heard, analytics, forced):
        warning = language_warning(whisper, voiced, forced)
    result = Transcription(
        text=text,
        no_speech=not words,
        language=detected,
        language_probability=round(probability, 4),
        confidence=round(heard, 4),
        duration_seconds=round(duration, 3),
        words=words,
        delivery=analytics,
        silences=silences,
        model=name,
        processing_seconds=round(time.perf_counter() - started, 3),
        language_warning=warning,
    )
    _record(result)
    return result


def _detect_language(whisper: WhisperModel, voiced: np.ndarray) -> tuple[str, float, dict[str, float]]:
    """The most likely language of ``voiced``, its probability, and every language's probability."""
    with tracer.provider.in_subsegment("## detect_language"):
        language, probability, ranked = whisper.detect_language(voiced[: LANGUAGE_DETECTION_SECONDS * SAMPLE_RATE])
    return language, float(probability), dict(ranked)


def find_silences(samples: np.ndarray, offset: float = 0.0) -> list[tuple[float, float]]:
    """The silences between stretches of speech in ``samples``, which start ``offset`` seconds into a recording
    (start, end in seconds on the recording's timeline).

    ``samples`` are read in the frames a reading of the whole recording uses (the few samples before the first frame
    boundary are skipped), so that a part of a recording gives the silences the whole does: read in other frames, a
    0.48 s silence measured 0.51 s, a pause, in a streamed answer's final transcription and not in the whole one."""
    skip = -round(offset * SAMPLE_RATE) % VAD_FRAME_SAMPLES
    offset += skip / SAMPLE_RATE
    with tracer.provider.in_subsegment("## silences"):
        speech = get_speech_timestamps(samples[skip:], SILENCE_VAD)
    return [
        (round(offset + a["end"] / SAMPLE_RATE, 3), round(offset + b["start"] / SAMPLE_RATE, 3))
        for a, b in pairwise(speech)
    ]


def _doubtful(words: list[WordTiming], heard: float, analytics: DeliveryMetrics, expected: str) -> bool:
    """Whether a transcript (of confidence ``heard``) looks like speech in another language than ``expected``, the
    one asked for: forced into it, or (English only) written as heard."""
    if not words:
        return False
    looped = analytics.filler_count + sum(analytics.repeated_words.values())
    return heard < CHECK_LANGUAGE_BELOW or 2 * looped > analytics.word_count or _unlike_english(words, expected)


def _unlike_english(words: list[WordTiming], expected: str) -> bool:
    """Whether an English transcript has too few common English words to be English."""
    tokens = [token for w in words if (token := w.word.strip().strip(".,!?;:\"'()").lower())]
    if expected != "en" or len(tokens) < ENGLISH_CHECK_WORDS:
        return False
    return sum(token in _COMMON_ENGLISH for token in tokens) < ENGLISH_WORDS_BELOW * len(tokens)


def language_warning(whisper: WhisperModel, voiced: np.ndarray, expected: str) -> str | None:
    """A message for the candidate when ``voiced`` does not sound like the ``expected`` language, else None."""
    top, probability, ranked = _detect_language(whisper, voiced)
    if ranked.get(expected, 0.0) >= OTHER_LANGUAGE_BELOW:
        return None
    metrics.add_metric(name="OtherLanguageSpoken", unit=MetricUnit.Count, value=1)
    logger.info("Other language spoken", extra={"expected": expected, "detected": top, "probability": probability})
    asked = LANGUAGE_NAMES.get(expected, f"the language '{expected}'")
    heard = LANGUAGE_NAMES.get(top) if probability >= NAMED_LANGUAGE_AT and top != expected else None
    sounded = f"this answer sounded like {heard}" if heard else "this answer did not sound like it"
    return (
        f"This interview is in {asked}, but {sounded}, so its transcript and score are probably wrong. "
        f"Please answer in {asked}, or type your answers."
    )


def token_budget(seconds: float) -> int:
    """The most tokens a window of a clip ``seconds`` long may need (see the module's docstring)."""
    return min(WINDOW_TOKENS, math.ceil(seconds * TOKENS_PER_SECOND) + 16)


def until_speech_end(segments: Iterable[Segment], speech_end: float) -> Iterator[Segment]:
    """``segments`` up to the first that ends in the last ``SPEECH_END_SECONDS`` before ``speech_end`` (seconds).

    faster-whisper decodes a window only when the next segment is asked for, so the audio after that segment,
    already heard by the window that produced it, is not decoded a second time (see the module's docstring).
    """
    for segment in segments:
        yield segment
        if segment.end >= speech_end - SPEECH_END_SECONDS:
            return


def holes(segments: list[Segment], end: float) -> list[tuple[float, float]]:
    """Stretches of at least ``HOLE_SECONDS`` without a word in joined speech that ends at ``end`` (seconds).

    The joined speech keeps no silence of ``HOLE_SECONDS`` (voice activity detection cuts out any of two seconds or
    more, keeping 0.4 s on each side), so such a stretch is speech that Whisper skipped: it ends a window early,
    declaring the rest of it silent (with the filler prompt, 5 of 16 answers of 25-67 s lost 3-21 s of speech).
    """
    found, heard_to = [], 0.0
    for word in (w for segment in segments for w in segment.words or []):
        if word.start - heard_to >= HOLE_SECONDS:
            found.append((heard_to, word.start))
        heard_to = max(heard_to, word.end)
    if end - heard_to >= HOLE_SECONDS:
        found.append((heard_to, end))
    return found


def _shifted(segment: Segment, seconds: float) -> Segment:
    words = [replace(w, start=w.start + seconds, end=w.end + seconds) for w in segment.words or []]
    return replace(segment, start=segment.start + seconds, end=segment.end + seconds, words=words)


def _decode_voiced(
    whisper: WhisperModel, voiced: np.ndarray, language: str, prompt: str | None, budget_seconds: float
) -> list[Segment]:
    segments, _ = whisper.transcribe(
        voiced,
        language=language,
        beam_size=BEAM_SIZE,
        vad_filter=False,
        condition_on_previous_text=False,
        no_speech_threshold=NO_SPEECH_THRESHOLD,
        word_timestamps=True,
        initial_prompt=prompt,
        max_new_tokens=token_budget(budget_seconds),
    )
    return list(until_speech_end(segments, len(voiced) / SAMPLE_RATE))


def _decode(
    whisper: WhisperModel,
    voiced: np.ndarray,
    speech: list[dict],
    duration: float,
    language: str,
    prompt: str | None,
) -> tuple[str, list]:
    """Decode ``voiced``, the ``speech`` chunks of a recording of ``duration`` seconds joined together (found by
    :func:`transcribe`'s voice activity detection), with times on the recording's own timeline: what
    ``vad_filter=True`` does, without detecting the speech a second time (~1 ms per second of audio).

    ``prompt`` is the filler prompt, if any. Stretches Whisper skipped (:func:`holes`) are decoded again on their
    own, without it."""
    with tracer.provider.in_subsegment("## decode"):
        segments = _decode_voiced(whisper, voiced, language, prompt, duration)
        for start, end in holes(segments, len(voiced) / SAMPLE_RATE):
            piece = voiced[round(start * SAMPLE_RATE) : round(end * SAMPLE_RATE)]
            segments += [_shifted(s, start) for s in _decode_voiced(whisper, piece, language, None, end - start)]
            metrics.add_metric(name="SkippedSpeechDecodedAgain", unit=MetricUnit.Seconds, value=round(end - start, 2))
        segments.sort(key=lambda s: s.start)
        segments = list(restore_speech_timestamps(segments, speech, SAMPLE_RATE))
    words = [
        WordTiming(
            word=w.word.strip(),
            start=round(w.start, 2),
            end=round(max(w.end, w.start), 2),
            probability=round(min(max(w.probability, 0.0), 1.0), 4),
        )
        for segment in segments
        for w in segment.words or []
        if w.word.strip()
    ]
    text = " ".join(segment.text.strip() for segment in segments if segment.text.strip())
    return (text, words) if words else ("", [])


def _record(result: Transcription) -> None:
    metrics.add_metric(name="AudioSecondsTranscribed", unit=MetricUnit.Seconds, value=result.duration_seconds)
    if result.duration_seconds > 0:
        rtf = result.processing_seconds / result.duration_seconds
        metrics.add_metric(name="RealTimeFactor", unit=MetricUnit.NoUnit, value=round(rtf, 4))
    metrics.add_metric(name="NoSpeech", unit=MetricUnit.Count, value=1 if result.no_speech else 0)
    logger.info(
        "Transcribed",
        extra={
            "model": result.model,
            "audio_seconds": result.duration_seconds,
            "processing_seconds": result.processing_seconds,
            "language": result.language,
            "no_speech": result.no_speech,
            "word_count": len(result.words),
        },
    )
