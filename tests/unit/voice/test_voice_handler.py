"""The voice Lambda handler end to end: envelopes in, envelopes out, S3 on moto, the real base model."""

import base64
import json
from dataclasses import dataclass

import pytest
import voice_samples as samples

from practice_shared import aws
from voice import handler


@dataclass
class LambdaContext:
    """The attributes Powertools reads from the Lambda context object."""

    function_name: str = "voice"
    memory_limit_in_mb: int = 3008
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:voice"
    aws_request_id: str = "request-1"


def invoke(action: str, payload: dict, correlation_id: str = "corr-1") -> dict:
    event = {"action": action, "payload": payload, "correlation_id": correlation_id}
    return json.loads(json.dumps(handler.lambda_handler(event, LambdaContext())))


@pytest.mark.slow
def test_transcribe_from_an_s3_key(s3_bucket: str, base_model, answer_wav: bytes) -> None:
    aws.client("s3").put_object(Bucket=s3_bucket, Key="answers/a1.webm", Body=samples.convert(answer_wav, "webm"))
    response = invoke("transcribe", {"audio_key": "answers/a1.webm", "language": "en"})
    assert response["ok"], response
    result = response["result"]
    assert samples.wer(samples.ANSWER, result["text"]) <= 0.1
    assert result["language"] == "en" and result["model"] == "base" and result["words"]
    assert result["delivery"]["word_count"] == len(samples.ANSWER.split())


@pytest.mark.slow
def test_transcribe_inline_audio(s3_bucket: str, base_model, answer_wav: bytes) -> None:
    data = base64.b64encode(samples.convert(answer_wav, "ogg")).decode()
    response = invoke("transcribe", {"audio_b64": data, "content_type": "audio/ogg"})
    assert response["ok"], response
    assert samples.wer(samples.ANSWER, response["result"]["text"]) <= 0.1
    assert response["result"]["language"] == "en"


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"audio_key": "answers/missing.webm"}, 404, "not_found"),
        ({"audio_b64": base64.b64encode(b"%PDF-1.4 not a recording" * 50).decode()}, 415, "unsupported_media_type"),
        ({"audio_b64": "this is not base64!"}, 400, "bad_request"),
        ({"audio_b64": ""}, 400, "bad_request"),
        ({}, 422, "validation_error"),
        ({"audio_key": "a", "audio_b64": "AAAA"}, 422, "validation_error"),
    ],
    ids=["missing key", "not audio", "bad base64", "empty", "no source", "two sources"],
)
def test_transcribe_refusals_are_error_envelopes(s3_bucket: str, payload: dict, status: int, code: str) -> None:
    response = invoke("transcribe", payload)
    assert response["ok"] is False
    assert (response["error"]["status"], response["error"]["code"]) == (status, code)
    assert response["error"]["message"]


def test_inline_audio_over_the_limit_is_413(s3_bucket: str, settings_env, answer_wav: bytes) -> None:
    settings_env(MAX_INLINE_AUDIO_BYTES="10000")
    response = invoke("transcribe", {"audio_b64": base64.b64encode(answer_wav).decode()})
    assert response["error"]["status"] == 413 and "upload the file to S3" in response["error"]["message"]


def test_s3_audio_over_the_size_limit_is_413(s3_bucket: str, settings_env, answer_wav: bytes) -> None:
    settings_env(MAX_AUDIO_BYTES="10000")
    aws.client("s3").put_object(Bucket=s3_bucket, Key="answers/big.wav", Body=answer_wav)
    response = invoke("transcribe", {"audio_key": "answers/big.wav"})
    assert response["error"]["status"] == 413


def test_s3_audio_over_the_duration_limit_is_413(s3_bucket: str, settings_env, answer_wav: bytes) -> None:
    settings_env(MAX_AUDIO_SECONDS="3")
    aws.client("s3").put_object(Bucket=s3_bucket, Key="answers/long.wav", Body=answer_wav)
    response = invoke("transcribe", {"audio_key": "answers/long.wav"})
    assert response["error"]["status"] == 413 and "limit is 3 s" in response["error"]["message"]


def test_synthesize_misses_then_hits_the_cache(s3_bucket: str) -> None:
    payload = {"text": "Tell me about yourself.", "voice": "gmw/en-us", "rate": 180, "inline": True}
    first, second = invoke("synthesize", payload), invoke("synthesize", payload)
    assert first["ok"] and second["ok"], (first, second)
    assert (first["result"]["cached"], second["result"]["cached"]) == (False, True)
    assert first["result"]["audio_key"] == second["result"]["audio_key"]
    assert first["result"]["engine"] == "pyttsx3" and first["result"]["content_type"] == "audio/ogg"
    keys = [o["Key"] for o in aws.client("s3").list_objects_v2(Bucket=s3_bucket)["Contents"]]
    assert keys == [first["result"]["audio_key"]]


def test_synthesize_refusals(s3_bucket: str) -> None:
    assert invoke("synthesize", {"text": ""})["error"]["status"] == 422
    assert invoke("synthesize", {"text": "Hi", "rate": 1000})["error"]["status"] == 422
    assert invoke("synthesize", {"text": "Hi", "voice": "no-such-voice"})["error"]["status"] == 422


def test_voices_and_health(s3_bucket: str) -> None:
    voices = invoke("voices", {})
    assert voices["ok"] and "gmw/en-us" in {v["id"] for v in voices["result"]}
    assert invoke("health", {}) == {"ok": True, "result": {"status": "ok", "model": "base", "tts_engine": "pyttsx3"}}


def test_unknown_action(s3_bucket: str) -> None:
    response = invoke("translate", {})
    assert response["ok"] is False and response["error"]["code"] == "unknown_action"
