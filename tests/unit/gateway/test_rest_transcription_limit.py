"""A recording sent over REST is transcribed while the request waits, and API Gateway gives up after 29 s: one longer
than ``max_sync_audio_seconds`` is refused before it is transcribed, with a message pointing to the WebSocket stream.
The real gateway and voice handlers in process, on moto's S3 and DynamoDB."""

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import voice_samples as samples

from gateway.handler import lambda_handler as gateway
from local_stack.inprocess import context, rest_event, route_invokes
from practice_shared import aws
from practice_shared.config import get_settings


@pytest.fixture
def voice(aws_tables: None) -> Iterator[None]:
    from voice.handler import lambda_handler

    with route_invokes(aws.client("lambda"), {get_settings().voice_function_name: lambda_handler}):
        yield


def transcribe(audio: bytes) -> tuple[int, dict[str, Any]]:
    body = {"audio_base64": base64.b64encode(audio).decode(), "content_type": "audio/ogg", "language": "en"}
    response = gateway(rest_event("POST", "/api/voice/transcribe", body), context("gateway"))
    return response["statusCode"], json.loads(response["body"])


def test_a_recording_too_long_to_transcribe_while_the_request_waits_is_refused(voice: None) -> None:
    limit = get_settings().max_sync_audio_seconds
    status, body = transcribe(samples.convert(samples.silence(limit + 20), "ogg"))
    assert status == 413 and body["error"]["code"] == "answer_too_long"
    assert f"up to {limit} s" in body["error"]["message"] and "WebSocket" in body["error"]["message"]


def test_a_recording_within_the_limit_is_transcribed(voice: None) -> None:
    status, body = transcribe(samples.convert(samples.espeak(samples.ANSWER), "ogg"))
    assert status == 200, body
    assert "estimate" in body["text"].lower()
