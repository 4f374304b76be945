"""Typed calls from the gateway to the interview and voice functions (Lambda Invoke API only)."""

from typing import Any

from practice_shared.config import get_settings
from practice_shared.invoke import call
from practice_shared.models.voice import Synthesis, SynthesizeRequest, TranscribeRequest, Transcription, Voice
from practice_shared.observability import tracer


def interview(action: str, payload: dict[str, Any]) -> Any:
    """Run ``action`` on the interview function and return its result."""
    return call(get_settings().interview_function_name, action, payload)


@tracer.capture_method
def transcribe(request: TranscribeRequest) -> Transcription:
    """Speech to text through the voice function."""
    result = call(get_settings().voice_function_name, "transcribe", request.model_dump(exclude_none=True))
    return Transcription.model_validate(result)


@tracer.capture_method
def synthesize(request: SynthesizeRequest) -> Synthesis:
    """Text to speech through the voice function (served from its S3 cache when already spoken)."""
    return Synthesis.model_validate(call(get_settings().voice_function_name, "synthesize", request.model_dump()))


def voices() -> list[Voice]:
    """The voices the text-to-speech engine offers."""
    return [Voice.model_validate(v) for v in call(get_settings().voice_function_name, "voices", {})]
