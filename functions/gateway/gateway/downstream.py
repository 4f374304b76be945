"""Typed calls from the gateway to the interview and voice functions (Lambda Invoke API only)."""

import threading
import time
from collections import OrderedDict
from typing import Any

from practice_shared.config import get_settings
from practice_shared.invoke import call
from practice_shared.models.voice import Synthesis, SynthesizeRequest, TranscribeRequest, Transcription, Voice
from practice_shared.observability import MetricUnit, metrics, tracer

# Speech links this container got from the voice function, by request. The bank's questions are asked over and over,
# and a stored speech object outlives its link by at least a day (tts.StoredSpeech), so the same link is handed out
# again while at least half of its life is left, without invoking the voice function.
SPEECH_LINKS_LIMIT = 1024
_speech_links: OrderedDict[str, tuple[float, Synthesis]] = OrderedDict()
_speech_links_lock = threading.Lock()


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
    """Text to speech through the voice function (served from its S3 cache when already spoken), or the link this
    container was given for the same request while it is still good for half its life."""
    key = request.model_dump_json()
    with _speech_links_lock:
        known = _speech_links.get(key)
        if known is not None and known[0] > time.monotonic():
            _speech_links.move_to_end(key)
            metrics.add_metric(name="SpeechLinkReused", unit=MetricUnit.Count, value=1)
            return known[1]
    synthesis = Synthesis.model_validate(call(get_settings().voice_function_name, "synthesize", request.model_dump()))
    if not request.inline:  # inline audio is not kept in memory
        reuse_until = time.monotonic() + get_settings().presigned_url_seconds / 2
        with _speech_links_lock:
            _speech_links[key] = (reuse_until, synthesis.model_copy(update={"cached": True}))
            _speech_links.move_to_end(key)
            while len(_speech_links) > SPEECH_LINKS_LIMIT:
                _speech_links.popitem(last=False)
    return synthesis


def forget_speech_links() -> None:
    """Forget the speech links seen so far (for a process that moves to another bucket: tests)."""
    with _speech_links_lock:
        _speech_links.clear()


def voices() -> list[Voice]:
    """The voices the text-to-speech engine offers."""
    return [Voice.model_validate(v) for v in call(get_settings().voice_function_name, "voices", {})]
