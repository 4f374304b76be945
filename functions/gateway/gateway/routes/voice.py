"""``/api/voice``: speech-to-text and text-to-speech for clients that need them on their own."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from gateway import downstream, orchestration
from gateway.identity import current_user
from practice_shared import errors
from practice_shared.models.api import MAX_INLINE_AUDIO_B64
from practice_shared.models.common import MediaType
from practice_shared.models.voice import Synthesis, SynthesizeRequest, TranscribeRequest, Transcription, Voice

router = APIRouter(prefix="/api/voice", tags=["voice"])
User = Annotated[str, Depends(current_user)]


class TranscribeBody(BaseModel):
    """A small inline clip (base64) or the key of audio uploaded for one of your sessions."""

    audio_base64: str | None = Field(None, max_length=MAX_INLINE_AUDIO_B64)
    audio_key: str | None = Field(None, min_length=1, max_length=512)
    content_type: MediaType | None = Field(None, max_length=100)
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")


@router.post("/transcribe", response_model=Transcription, summary="Transcribe a clip, with delivery analytics")
async def transcribe(body: TranscribeBody, user: User) -> Any:
    if body.audio_key is not None and not body.audio_key.startswith(f"answers/{user}/"):
        raise errors.NotFound("The audio file was not found; upload it again.")
    request = TranscribeRequest(
        audio_key=body.audio_key, audio_b64=body.audio_base64, content_type=body.content_type, language=body.language
    )
    return orchestration.transcribe_while_waiting(user, request)


@router.post("/synthesize", response_model=Synthesis, summary="Speak a text (cached)")
async def synthesize(body: SynthesizeRequest, user: User) -> Any:
    return downstream.synthesize(body)


@router.get("/voices", response_model=list[Voice], summary="Voices available for synthesis")
async def voices() -> Any:
    return downstream.voices()
