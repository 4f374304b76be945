"""Lambda entry point of the voice function: transcribe, synthesize, voices and health actions."""

import base64
import binascii
import os
from typing import Any

from practice_shared.config import get_settings
from practice_shared.dispatch import dispatch
from practice_shared.errors import BadRequest, PayloadTooLarge
from practice_shared.models.voice import Synthesis, SynthesizeRequest, TranscribeRequest, Transcription, Voice
from practice_shared.observability import logger, metrics, tracer
from practice_shared.store import audio as audio_store
from voice import continuation, stt, tts


def transcribe(payload: dict[str, Any]) -> Transcription:
    """Action ``transcribe``: a TranscribeRequest (S3 key in the audio bucket, or inline base64) -> Transcription."""
    request = TranscribeRequest.model_validate(payload)
    if request.audio_b64 is not None:
        data = _inline_audio(request.audio_b64)
    else:
        data = audio_store.read(request.audio_key or "", get_settings().max_audio_bytes)
    return continuation.transcribe_after(
        continuation.decode_recording(data, request.start_seconds, request.max_seconds),
        request.start_seconds,
        request.prior_words,
        prior_silences=request.prior_silences,
        language=request.language,
        keep_fillers=request.keep_fillers,
    )


def synthesize(payload: dict[str, Any]) -> Synthesis:
    """Action ``synthesize``: a SynthesizeRequest -> Synthesis (cached in S3)."""
    return tts.synthesize(SynthesizeRequest.model_validate(payload))


def voices(payload: dict[str, Any]) -> list[Voice]:
    """Action ``voices``: the voices of the configured text-to-speech engine."""
    return tts.list_voices()


def health(payload: dict[str, Any]) -> dict[str, str]:
    """Action ``health``: the configured model and engine (loads nothing)."""
    settings = get_settings()
    return {"status": "ok", "model": settings.whisper_model, "tts_engine": settings.tts_engine}


ACTIONS = {"transcribe": transcribe, "synthesize": synthesize, "voices": voices, "health": health}


@logger.inject_lambda_context(correlation_id_path="correlation_id")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run one action; the answer is an ``{"ok": ...}`` envelope (see practice_shared.dispatch)."""
    return dispatch(event, ACTIONS)


def _inline_audio(encoded: str) -> bytes:
    limit = get_settings().max_inline_audio_bytes
    if len(encoded) * 3 // 4 > limit:
        raise PayloadTooLarge(
            f"Inline audio is limited to {limit / 1e6:.1f} MB; upload the file to S3 and pass its audio_key."
        )
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequest("The inline audio is not valid base64.") from exc


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"):
    # In Lambda, load the models during the init phase (full CPU, before the first request waits on them).
    stt.warm_up()
