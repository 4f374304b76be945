"""Speech-to-text and text-to-speech requests and results (the voice function's contract)."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

AudioFormat = Literal["ogg", "mp3"]


class WordTiming(BaseModel):
    """One recognized word with its time span (seconds from the start of the clip)."""

    word: str
    start: float
    end: float
    probability: float = Field(ge=0, le=1)


class Pause(BaseModel):
    """A silence between two words, longer than the pause threshold."""

    start: float
    duration: float


class DeliveryMetrics(BaseModel):
    """How the answer was spoken, computed from word timestamps."""

    word_count: int
    words_per_minute: float | None = Field(
        description="Words over the speaking span; None when the answer is too short for a pace to mean anything"
    )
    speaking_seconds: float = Field(description="Time covered by words")
    silence_seconds: float = Field(description="Clip time not covered by words")
    speaking_ratio: float = Field(ge=0, le=1, description="speaking_seconds / clip duration")
    filler_count: int
    fillers: dict[str, int] = Field(description="Filler word or phrase -> count ('um', 'uh', 'you know', ...)")
    fillers_per_100_words: float
    pause_count: int = Field(description="Silences between words of at least the pause threshold")
    longest_pause_seconds: float
    pauses: list[Pause] = []
    hedging_count: int
    hedges: dict[str, int] = Field(description="Hedging phrase -> count ('I think', 'maybe', 'sort of', ...)")
    repeated_words: dict[str, int] = Field(description="Words said twice in a row ('the the') -> count")


class TranscribeRequest(BaseModel):
    """Audio to transcribe: an S3 key in the audio bucket or a small inline clip (base64)."""

    audio_key: str | None = Field(None, max_length=512)
    audio_b64: str | None = None
    content_type: str | None = Field(None, max_length=100)
    language: str | None = Field(
        None, min_length=2, max_length=5, description="Force a language (ISO 639-1); detect when absent"
    )
    keep_fillers: bool = True
    start_seconds: float = Field(0.0, ge=0, description="Transcribe only the audio after this point (streaming)")
    prior_words: list[WordTiming] = Field(
        default=[], description="Words already transcribed before start_seconds; merged into the result"
    )
    prior_silences: list[tuple[float, float]] = Field(
        default=[],
        description="Silences already found before start_seconds (the ``silences`` of an earlier transcription), "
        "so that the pauses of a long streamed answer are measured over all of it",
    )
    max_seconds: float | None = Field(
        None,
        gt=0,
        description="Refuse longer audio (answer_too_long) before transcribing it; absent: the function's own limit",
    )

    @model_validator(mode="after")
    def _one_source(self) -> "TranscribeRequest":
        if (self.audio_key is None) == (self.audio_b64 is None):
            raise ValueError("give the audio either as an uploaded audio_key or inline, not both or neither")
        return self


class Transcription(BaseModel):
    """The transcript of one answer with its confidence and delivery analytics."""

    text: str
    no_speech: bool = Field(description="True when voice activity detection found no speech: text is then empty")
    language: str
    language_probability: float = Field(ge=0, le=1)
    confidence: float = Field(ge=0, le=1, description="Duration-weighted mean of word probabilities")
    duration_seconds: float
    words: list[WordTiming] = []
    delivery: DeliveryMetrics
    silences: list[tuple[float, float]] = Field(
        default=[], description="The recording's silences between stretches of speech (start, end in seconds)"
    )
    model: str
    processing_seconds: float
    language_warning: str | None = Field(
        None,
        description="Set when the speech did not sound like the language asked for, so the transcript is likely "
        "wrong (checked when the transcript's confidence is low): a message to show the candidate",
    )


class SynthesizeRequest(BaseModel):
    """Text to speak."""

    text: str = Field(min_length=1, max_length=3000)
    voice: str | None = Field(None, max_length=100)
    rate: int = Field(175, ge=80, le=320, description="Words per minute")
    format: AudioFormat = "ogg"
    inline: bool = Field(False, description="Also return the audio as base64 (clips up to the inline limit)")


class Synthesis(BaseModel):
    """Synthesized speech stored in S3 (cached by engine, voice, rate, format and text)."""

    audio_key: str
    audio_url: str
    content_type: str
    duration_seconds: float
    cached: bool
    engine: str
    voice: str
    audio_b64: str | None = None


class Voice(BaseModel):
    """A voice the text-to-speech engine offers."""

    id: str
    name: str
    languages: list[str] = []
    gender: str | None = None
