"""Browser tests: the local stack on a free port, and headless Debian Chromium (Playwright) whose fake microphone
plays a spoken answer made with espeak-ng. Screenshots go to tests/artifacts/ for a person to look at."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_steps import SpokenAnswer, spoken

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SPOKEN_ANSWER = (
    "I led a team of four engineers to move our payment service to a new database. "
    "We finished two weeks early, with half the errors."
)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def answer_wav(tmp_path_factory: pytest.TempPathFactory) -> SpokenAnswer:
    """A few seconds of a plausible spoken answer."""
    return spoken(tmp_path_factory.mktemp("voice"), SPOKEN_ANSWER)


@pytest.fixture(scope="module")
def microphone(answer_wav: SpokenAnswer) -> SpokenAnswer:
    """What the fake microphone plays (a module may override it)."""
    return answer_wav


@pytest.fixture(scope="module")
def browser(microphone: SpokenAnswer) -> Iterator[object]:
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
                f"--use-file-for-fake-audio-capture={microphone.path}%noloop",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield launched
        launched.close()
