"""Browser tests: the local stack on a free port, and headless Debian Chromium (Playwright) whose fake microphone
plays a spoken answer made with espeak-ng. Screenshots go to tests/artifacts/ for a person to look at."""

import shutil
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_steps import SpokenAnswer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SPOKEN_ANSWER = (
    "I led a team of four engineers to move our payment service to a new database. "
    "We finished two weeks early, with half the errors."
)


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (`make test` installs it)")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> SpokenAnswer:
    """A few seconds of a plausible spoken answer: 48 kHz mono 16-bit WAV, with silence around it."""
    _require("espeak-ng")
    _require("sox")
    folder = tmp_path_factory.mktemp("voice")
    raw, wav = folder / "raw.wav", folder / "answer.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), SPOKEN_ANSWER], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "0.5", "2"], check=True)
    with wave.open(str(wav)) as audio:
        return SpokenAnswer(wav, audio.getnframes() / audio.getframerate())


@pytest.fixture(scope="module")
def browser(answer_wav: SpokenAnswer) -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (`make test` installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={answer_wav.path}%noloop",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()
