"""WebSocket messages from clients (see docs/websocket-protocol.md); each is validated before anything happens."""

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from practice_shared.models.common import clean_text, media_type
from practice_shared.models.session import MAX_ANSWER_CHARS

ANSWER_ID = r"^[A-Za-z0-9_-]{8,64}$"
SESSION_ID = r"^[a-f0-9]{32}$"
MAX_CHUNK_BYTES = 20_000
MAX_CHUNKS = 900
STREAM_TYPES = ("audio/webm", "audio/ogg", "audio/mp4", "audio/wav")


class Join(BaseModel):
    """Attach the connection to a session; ``answer_id`` resumes an answer being streamed."""

    action: Literal["join"]
    session_id: str = Field(pattern=SESSION_ID)
    answer_id: str | None = Field(None, pattern=ANSWER_ID)


class AudioChunk(BaseModel):
    """One piece of a recording, in order."""

    action: Literal["audio_chunk"]
    answer_id: str = Field(pattern=ANSWER_ID)
    seq: int = Field(ge=0, lt=MAX_CHUNKS, strict=True)
    data: str = Field(min_length=1, max_length=(MAX_CHUNK_BYTES * 4) // 3 + 4)
    content_type: Annotated[Literal[STREAM_TYPES] | None, BeforeValidator(media_type)] = None  # type: ignore[valid-type]


class EndAnswer(BaseModel):
    """The candidate stopped speaking; ``last_seq`` is the last chunk sent."""

    action: Literal["end_answer"]
    answer_id: str = Field(pattern=ANSWER_ID)
    last_seq: int = Field(ge=0, lt=MAX_CHUNKS, strict=True)


class DiscardAnswer(BaseModel):
    """The candidate starts the answer over: the recording so far is dropped and can no longer be submitted."""

    action: Literal["discard_answer"]
    answer_id: str = Field(pattern=ANSWER_ID)


class TextAnswer(BaseModel):
    """A typed answer sent over the WebSocket."""

    action: Literal["text_answer"]
    answer_id: str = Field(pattern=ANSWER_ID)
    text: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not (text := clean_text(value)):
            raise ValueError("the answer is empty")
        return text


class NextQuestionMessage(BaseModel):
    """Skip to the next question (or past a pending follow-up)."""

    action: Literal["next_question"]


class Ping(BaseModel):
    """Keep-alive."""

    action: Literal["ping"]
    id: str | None = Field(None, max_length=64)
