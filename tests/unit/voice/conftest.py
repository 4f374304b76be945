"""Fixtures of the voice tests: real speech from espeak-ng, the real Whisper models (loaded once), moto S3."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import voice_samples as samples

from practice_shared import aws
from practice_shared.config import get_settings


@pytest.fixture(scope="session", autouse=True)
def voice_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private Whisper cache directory and the default engines for the whole test session."""
    cache = tmp_path_factory.mktemp("whisper-models")
    saved = {name: os.environ.get(name) for name in ("WHISPER_CACHE_DIR", "WHISPER_MODEL", "TTS_ENGINE")}
    os.environ.update({"WHISPER_CACHE_DIR": str(cache), "WHISPER_MODEL": "base", "TTS_ENGINE": "pyttsx3"})
    get_settings.cache_clear()
    yield cache
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def base_model(voice_settings: Path):
    """The base model, loaded once for the session (stt keeps it in its per-process cache)."""
    from voice import stt

    return stt.get_model("base")


@pytest.fixture(scope="session")
def tiny_model(voice_settings: Path):
    """The tiny.en model, loaded once for the session."""
    from voice import stt

    return stt.get_model("tiny.en")


@pytest.fixture(scope="session")
def answer_wav() -> bytes:
    """A short English answer (about 4.5 s)."""
    return samples.espeak(samples.ANSWER)


@pytest.fixture(scope="session")
def fillers_wav() -> bytes:
    """An English answer with "um" and "uh"."""
    return samples.espeak(samples.FILLERS, speed=150)


@pytest.fixture(scope="session")
def long_wav() -> bytes:
    """Eight sentences, over 30 s: more than one Whisper window."""
    return samples.espeak(samples.LONG, speed=150)


@pytest.fixture
def s3_bucket() -> Iterator[str]:
    """moto's S3 with the audio bucket created; yields the bucket name."""
    from moto import mock_aws

    from voice import tts

    aws.client.cache_clear()
    get_settings.cache_clear()
    tts.forget_stored_speech()  # speech objects seen in another test's bucket
    with mock_aws():
        bucket = get_settings().audio_bucket
        aws.client("s3").create_bucket(Bucket=bucket)
        yield bucket
    aws.client.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    """Set settings through the environment for one test: ``settings_env(MAX_AUDIO_BYTES="100")``."""

    def apply(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()
