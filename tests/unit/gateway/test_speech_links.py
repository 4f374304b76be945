"""The gateway hands out a speech link it was given again, without invoking the voice function, while the link is
good for at least half its life: the real gateway and voice handlers in process, on moto's S3 and DynamoDB."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from gateway import downstream
from gateway.handler import lambda_handler as gateway
from local_stack.inprocess import context, rest_event, route_invokes
from practice_shared import aws
from practice_shared.config import get_settings


class CountingVoice:
    """The voice function's real handler, counting the actions it was invoked for."""

    def __init__(self) -> None:
        from voice.handler import lambda_handler

        self.handler, self.actions = lambda_handler, []

    def __call__(self, event: dict[str, Any], ctx: Any) -> Any:
        self.actions.append(event["action"])
        return self.handler(event, ctx)


@pytest.fixture
def voice(aws_tables: None) -> Iterator[CountingVoice]:
    counting = CountingVoice()
    with route_invokes(aws.client("lambda"), {get_settings().voice_function_name: counting}):
        yield counting


def speak(body: dict[str, Any]) -> dict[str, Any]:
    response = gateway(rest_event("POST", "/api/voice/synthesize", body), context("gateway"))
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])


def test_the_same_speech_is_linked_again_without_invoking_the_voice_function(
    voice: CountingVoice, monkeypatch: pytest.MonkeyPatch
) -> None:
    counted: list[str] = []
    monkeypatch.setattr(downstream.metrics, "add_metric", lambda **metric: counted.append(metric["name"]))
    first = speak({"text": "Tell me about a time you disagreed with your manager."})
    again = speak({"text": "Tell me about a time you disagreed with your manager."})
    assert voice.actions == ["synthesize"] and counted.count("SpeechLinkReused") == 1
    assert first["cached"] is False and again["cached"] is True
    assert again["audio_url"] == first["audio_url"] and again["audio_key"] == first["audio_key"]

    speak({"text": "Tell me about a time you disagreed with your manager.", "rate": 200})  # other speech
    speak({"text": "Tell me about a time you disagreed with your manager.", "inline": True})  # audio not kept
    speak({"text": "Tell me about a time you disagreed with your manager.", "inline": True})
    assert voice.actions == ["synthesize"] * 4


def test_a_link_past_half_its_life_is_asked_for_again(voice: CountingVoice, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(downstream.time, "monotonic", lambda: now[0])
    text = {"text": "What is the difference between a process and a thread?"}
    speak(text)
    now[0] += get_settings().presigned_url_seconds / 2 - 1
    speak(text)
    assert voice.actions == ["synthesize"]
    now[0] += 2
    assert speak(text)["cached"] is True  # the voice function's S3 cache
    assert voice.actions == ["synthesize", "synthesize"]


def test_the_links_kept_are_bounded(voice: CountingVoice, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(downstream, "SPEECH_LINKS_LIMIT", 2)
    for text in ("One.", "Two.", "Three.", "Three.", "One."):
        speak({"text": text})
    assert voice.actions == ["synthesize"] * 4  # "One." was dropped when "Three." came
