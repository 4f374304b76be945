"""Text to speech: pyttsx3 (espeak-ng) or Amazon Polly, encoded compactly and cached in S3.

:func:`speak` turns text into encoded audio bytes (no S3: the CLI uses it); :func:`synthesize` adds the S3 cache:
``tts/<sha256 of engine|voice|rate|format|text>.<ext>`` in settings.audio_bucket. A HEAD hit returns the stored
object without synthesizing. Responses carry a presigned GET URL, and the audio itself (base64) when asked and
small enough. A key names what the audio says, so a stored object never changes; it only expires (the bucket's
lifecycle deletes ``tts/`` objects settings.audio_retention_days after they were written). A warm container
remembers the objects it found (:class:`StoredSpeech`) for an hour (never past a day before that expiry), instead
of asking S3 again each time it speaks a question of the bank (one HeadObject: tens of milliseconds from Lambda);
speech deleted from the bucket some other way is found missing and synthesized again within that hour.

pyttsx3 in a warm process: a warm Lambda synthesizes many times in one process, where pyttsx3's
``save_to_file`` + ``runAndWait`` is unreliable with espeak-ng (missing or empty files, a loop that never
ends; see :class:`Pyttsx3Speaker`). The engine named "pyttsx3" therefore uses pyttsx3 to set up espeak-ng
and list voices, and takes the audio through pyttsx3's espeak-ng binding itself, which the tests run 100 times in
a row.
"""

import atexit
import base64
import contextlib
import ctypes
import gc
import hashlib
import queue
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from botocore.exceptions import BotoCoreError, ClientError

from practice_shared.aws import client
from practice_shared.config import get_settings
from practice_shared.errors import DownstreamError, DownstreamUnavailable, Unprocessable
from practice_shared.models.voice import Synthesis, SynthesizeRequest, Voice
from practice_shared.observability import MetricUnit, logger, metrics, tracer
from voice import audio

DEFAULT_ESPEAK_VOICE = "gmw/en-us"
POLLY_DEFAULT_WPM = 175
_POLLY_FORMATS = {"ogg": "ogg_vorbis", "mp3": "mp3"}
_POLLY_REFUSALS = {"ValidationException", "InvalidSsmlException", "TextLengthExceededException"}
_POLLY_BUSY = {"ThrottlingException", "ServiceFailureException"}


# How many stored speech objects a container remembers (a few hundred bank questions, and recent feedback), and how
# long it trusts that one is still stored before asking S3 again (as long as the links it hands out last).
KNOWN_SPEECH_LIMIT = 4096
KNOWN_SPEECH_SECONDS = 3600


class SynthesisFailed(RuntimeError):
    """The speech engine produced no audio (a fault of this service, not of the request)."""


@dataclass(frozen=True)
class SpeechAudio:
    """Encoded speech and what describes it."""

    data: bytes
    content_type: str
    extension: str
    duration_seconds: float
    engine: str
    voice: str


class Pyttsx3Speaker:
    """The process's pyttsx3 engine (espeak-ng driver), safe to call many times in a warm container.

    pyttsx3 initializes espeak-ng (once per process) and lists its voices; the audio is taken from espeak-ng
    through pyttsx3's own driver binding, with a callback this class registers before every synthesis. espeak-ng
    synthesizes on a background thread; a synthesis ends when the callback receives the message's
    end-of-message event. (espeak-ng's ``Synchronize`` polls every 20 ms, which made every synthesis take at
    least 20 ms where a question takes ~3 ms.) pyttsx3's ``save_to_file``/``runAndWait`` is not used: the driver
    writes the file only when the end-of-message event arrives, and its loop can return before that (no file,
    or an empty one) or, with a second engine, spin forever.
    """

    SAMPLE_RATE = 22_050  # espeak-ng's output rate for its own voices
    TIMEOUT_SECONDS = 30.0  # far beyond the longest text a request may hold (3,000 characters: ~0.1 s)

    def __init__(self) -> None:
        import pyttsx3  # imported here: loading espeak-ng is only needed when this engine is used
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        self._lock = threading.Lock()
        self._chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._engine = pyttsx3.init("espeak")  # held for the life of the process: it owns espeak-ng's setup
        self._voices = {v.id: v for v in self._engine.getProperty("voices")}

    def voices(self) -> list[Voice]:
        """The espeak-ng voices, by identifier."""
        return [
            Voice(id=v.id, name=v.name, languages=list(v.languages), gender=v.gender.lower() if v.gender else None)
            for v in self._voices.values()
        ]

    def voice_id(self, requested: str | None) -> str:
        """The identifier of voice ``requested`` (an id such as "gmw/en-us" or a name); 422 when unknown."""
        if requested is None:
            return DEFAULT_ESPEAK_VOICE if DEFAULT_ESPEAK_VOICE in self._voices else next(iter(self._voices))
        wanted = requested.strip().lower()
        for voice in self._voices.values():
            if wanted in (voice.id.lower(), voice.name.lower()):
                return voice.id
        raise Unprocessable(f"Unknown voice '{requested}'; the 'voices' action lists the available ones.")

    def stream(self, text: str, voice_id: str, rate: int) -> Iterator[np.ndarray]:
        """16-bit mono PCM of ``text`` at :attr:`SAMPLE_RATE`, chunk by chunk as espeak-ng synthesizes it, so that
        the caller encodes one chunk while espeak-ng's thread synthesizes the next.

        Raises :class:`SynthesisFailed` when espeak-ng refuses the text, produces no audio, or does not finish
        within :attr:`TIMEOUT_SECONDS`. A synthesis left unfinished (that, or a caller that stops reading) is
        cancelled, so that none of its audio reaches the next one.
        """
        espeak = self._espeak
        with self._lock:
            chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
            self._chunks = chunks
            espeak.SetSynthCallback(self._on_audio)  # re-claimed every time: another engine may have taken it
            if espeak.SetVoiceByName(voice_id.encode()) != espeak.EE_OK:
                raise SynthesisFailed(f"espeak-ng could not select voice '{voice_id}'.")
            espeak.SetParameter(espeak.RATE, rate, 0)
            status = espeak.Synth(text.encode("utf-8"), flags=espeak.CHARS_UTF8 | espeak.ENDPAUSE)
            deadline = time.monotonic() + self.TIMEOUT_SECONDS
            finished, produced = False, False
            try:
                while status == espeak.EE_OK:
                    chunk = chunks.get(timeout=max(0.0, deadline - time.monotonic()))
                    if chunk is None:
                        finished = True
                        break
                    produced = True
                    yield np.frombuffer(chunk, dtype=np.int16)
            except queue.Empty:
                pass
            finally:
                if not finished:
                    espeak.Cancel()
            if not finished or not produced:
                raise SynthesisFailed(f"espeak-ng produced no audio (status {status}, finished {finished}).")

    def _on_audio(self, wav: Any, samples: int, events: Any) -> int:
        """espeak-ng's synthesis callback: passes the audio on; the end-of-message event ends the synthesis."""
        if wav and samples > 0:
            self._chunks.put(ctypes.string_at(wav, samples * ctypes.sizeof(ctypes.c_short)))
        if _ends_message(self._espeak, events):
            self._chunks.put(None)
        return 0


def _ends_message(espeak: Any, events: Any) -> bool:
    """Whether espeak-ng's event list (ended by a LIST_TERMINATED event) holds the end of the message."""
    if not events:
        return False
    index = 0
    while events[index].type != espeak.EVENT_LIST_TERMINATED:
        if events[index].type == espeak.EVENT_MSG_TERMINATED:
            return True
        index += 1
    return False


_speaker: Pyttsx3Speaker | None = None
_speaker_lock = threading.Lock()


def speaker() -> Pyttsx3Speaker:
    """The process-wide :class:`Pyttsx3Speaker`, created on first use and never replaced."""
    global _speaker
    with _speaker_lock:
        if _speaker is None:
            _speaker = Pyttsx3Speaker()
            atexit.register(_release_speaker)
        return _speaker


def _release_speaker() -> None:
    """Drop the engine at exit while the interpreter is whole (pyttsx3's finalizer fails during shutdown)."""
    global _speaker
    _speaker = None
    gc.collect()


def engine_name() -> str:
    """The configured engine: "pyttsx3" or "polly"."""
    return get_settings().tts_engine


def resolve_voice(requested: str | None) -> str:
    """The voice a request will use with the configured engine (default voice when ``requested`` is None)."""
    if engine_name() == "polly":
        return requested.strip() if requested else get_settings().polly_voice
    return speaker().voice_id(requested)


def list_voices() -> list[Voice]:
    """Voices of the configured engine."""
    if engine_name() == "polly":
        return list(_polly_voices())
    return speaker().voices()


_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_MARKUP = re.compile(r"(\*\*|__|`+|^\s{0,3}#{1,6}\s+|^\s*[-*+]\s+)", re.MULTILINE)
_BETWEEN_WORDS = re.compile(r"(?<=\w)/(?=\w)")


def speakable(text: str) -> str:
    """``text`` as it should be heard: "A/B" and "CI/CD" without "slash", links as "the link", no Markdown symbols,
    emoji or control characters (espeak-ng reads "**" as "asterisk asterisk" and stops at a NUL)."""
    text = _URL.sub("the link", text)
    text = _MARKUP.sub(" ", text)
    text = _BETWEEN_WORDS.sub(" ", text)
    dropped = {"Cc", "Cf", "Co", "Cs", "So", "Sk"}  # control, format, private, surrogate, emoji and other symbols
    return " ".join("".join(" " if unicodedata.category(c) in dropped else c for c in text).split())


def speak(text: str, voice: str | None = None, rate: int = 175, fmt: str = "ogg") -> SpeechAudio:
    """Synthesize ``text`` (as :func:`speakable` makes it) with the configured engine and encode it as ``fmt``
    ("ogg" or "mp3")."""
    text = speakable(text)
    if not any(ch.isalnum() for ch in text):
        raise Unprocessable("The text has nothing to say: it needs at least one letter or digit.")
    engine, voice_id = engine_name(), resolve_voice(voice)
    with tracer.provider.in_subsegment("## tts_synthesize") as subsegment:
        subsegment.put_annotation("engine", engine)
        if engine == "polly":
            data = _polly_speak(text, voice_id, rate, fmt)
            duration = audio.duration_seconds(audio.decode(data))
        else:
            with contextlib.closing(speaker().stream(text, voice_id, rate)) as pcm:
                data, duration = audio.encode_stream(pcm, Pyttsx3Speaker.SAMPLE_RATE, fmt)
    return SpeechAudio(
        data=data,
        content_type=audio.content_type(fmt),
        extension=audio.extension(fmt),
        duration_seconds=round(duration, 3),
        engine=engine,
        voice=voice_id,
    )


def cache_key(engine: str, voice: str, rate: int, fmt: str, text: str) -> str:
    """The S3 key of synthesized speech: a hash of everything that changes the audio."""
    digest = hashlib.sha256(f"{engine}|{voice}|{rate}|{fmt}|{text}".encode()).hexdigest()
    return f"tts/{digest}.{audio.extension(fmt)}"


@tracer.capture_method(capture_response=False)
def synthesize(req: SynthesizeRequest) -> Synthesis:
    """Speech for ``req`` from the S3 cache, or synthesized and stored there."""
    settings = get_settings()
    s3 = client("s3")
    engine, voice_id = engine_name(), resolve_voice(req.voice)
    key = cache_key(engine, voice_id, req.rate, req.format, req.text)
    stored = _stored(key)
    cached = stored is not None
    data = None
    if stored is not None:
        metrics.add_metric(name="TtsCacheHit", unit=MetricUnit.Count, value=1)
        if req.inline and stored.size <= settings.max_inline_audio_bytes:
            data = s3.get_object(Bucket=settings.audio_bucket, Key=key)["Body"].read()
    else:
        metrics.add_metric(name="TtsCacheMiss", unit=MetricUnit.Count, value=1)
        speech = speak(req.text, voice_id, req.rate, req.format)
        s3.put_object(
            Bucket=settings.audio_bucket,
            Key=key,
            Body=speech.data,
            ContentType=speech.content_type,
            Metadata={"duration-seconds": f"{speech.duration_seconds:.3f}", "engine": engine, "voice": voice_id},
        )
        now = time.time()
        stored = _remember(key, StoredSpeech(len(speech.data), speech.duration_seconds, speech.content_type, now, now))
        data = speech.data if req.inline and stored.size <= settings.max_inline_audio_bytes else None
        logger.info("Speech synthesized", extra={"engine": engine, "voice": voice_id, "bytes": stored.size})
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": settings.audio_bucket, "Key": key}, ExpiresIn=settings.presigned_url_seconds
    )
    return Synthesis(
        audio_key=key,
        audio_url=url,
        content_type=stored.content_type or audio.content_type(req.format),
        duration_seconds=stored.duration_seconds,
        cached=cached,
        engine=engine,
        voice=voice_id,
        audio_b64=base64.b64encode(data).decode() if data is not None else None,
    )


@dataclass(frozen=True)
class StoredSpeech:
    """What a stored speech object's HeadObject says, when it was written and when it was last seen (epoch
    seconds)."""

    size: int
    duration_seconds: float
    content_type: str
    written_at: float
    checked_at: float

    def reusable(self, now: float) -> bool:
        """Whether the object may be taken as still stored without asking S3: seen within the last
        ``KNOWN_SPEECH_SECONDS``, and not within a day of its lifecycle expiry."""
        expires = self.written_at + (get_settings().audio_retention_days - 1) * 86_400
        return now < min(expires, self.checked_at + KNOWN_SPEECH_SECONDS)


_known_speech: OrderedDict[str, StoredSpeech] = OrderedDict()


def _stored(key: str) -> StoredSpeech | None:
    """The stored speech object at ``key``, from this container's memory while it is surely still there."""
    known = _known_speech.get(key)
    if known is not None and known.reusable(time.time()):
        _known_speech.move_to_end(key)
        return known
    try:
        head = client("s3").head_object(Bucket=get_settings().audio_bucket, Key=key)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            _known_speech.pop(key, None)
            return None
        raise
    duration = float(head.get("Metadata", {}).get("duration-seconds", 0.0))
    written_at = head["LastModified"].timestamp()
    stored = StoredSpeech(head["ContentLength"], duration, head.get("ContentType", ""), written_at, time.time())
    return _remember(key, stored)


def _remember(key: str, stored: StoredSpeech) -> StoredSpeech:
    _known_speech[key] = stored
    _known_speech.move_to_end(key)
    while len(_known_speech) > KNOWN_SPEECH_LIMIT:
        _known_speech.popitem(last=False)
    return stored


def forget_stored_speech() -> None:
    """Forget the stored speech objects seen so far (for a process that moves to another bucket: tests)."""
    _known_speech.clear()


def _polly_speak(text: str, voice: str, rate: int, fmt: str) -> bytes:
    """Polly speech for ``text``; the rate (words per minute) becomes an SSML prosody percentage."""
    percent = round(rate * 100 / POLLY_DEFAULT_WPM)
    ssml = f'<speak><prosody rate="{percent}%">{escape(text)}</prosody></speak>'
    response = _polly_call(
        "synthesize_speech", Text=ssml, TextType="ssml", OutputFormat=_POLLY_FORMATS[fmt], VoiceId=voice
    )
    with response["AudioStream"] as stream:
        return stream.read()


@lru_cache(maxsize=1)
def _polly_voices() -> tuple[Voice, ...]:
    """Every Polly voice (all pages of DescribeVoices), fetched once per container."""
    voices: list[Voice] = []
    token = None
    while True:
        page = _polly_call("describe_voices", **({"NextToken": token} if token else {}))
        for v in page.get("Voices", []):
            languages = [v["LanguageCode"], *v.get("AdditionalLanguageCodes", [])]
            gender = v["Gender"].lower() if v.get("Gender") else None
            voices.append(Voice(id=v["Id"], name=v.get("Name", v["Id"]), languages=languages, gender=gender))
        token = page.get("NextToken")
        if not token:
            return tuple(voices)


def _polly_call(operation: str, **kwargs: Any) -> dict[str, Any]:
    try:
        return getattr(client("polly"), operation)(**kwargs)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        logger.warning("Polly refused", extra={"operation": operation, "aws_code": code})
        if code in _POLLY_REFUSALS:
            message = exc.response["Error"].get("Message", code)
            raise Unprocessable(f"Amazon Polly refused the request: {message}") from exc
        if code in _POLLY_BUSY:
            raise DownstreamUnavailable("The speech service is busy; please try again shortly.") from exc
        raise DownstreamError("The speech service could not synthesize the text.") from exc
    except BotoCoreError as exc:
        raise DownstreamUnavailable("The speech service is unreachable; please try again shortly.") from exc
