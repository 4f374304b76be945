"""The voice function's image as `sam build` would build it, checked without Docker: every file the Dockerfile copies
exists and is in the build context that ``.dockerignore`` leaves, the requirements it installs stand alone, and the
model it bakes is the one the function is told to load."""

import fnmatch
import re
from pathlib import Path

from local_stack.cfn import load_yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "functions" / "voice" / "Dockerfile"


def copied_sources() -> list[str]:
    """The build-context paths of the Dockerfile's COPY instructions (not those copied from another stage)."""
    sources = []
    for line in DOCKERFILE.read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["COPY"] and not any(p.startswith("--from") for p in parts):
            sources += [p.rstrip("/") for p in parts[1:-1] if not p.startswith("--")]
    return sources


def in_build_context(path: str) -> bool:
    """Whether ``.dockerignore`` (the last matching pattern wins, ``!`` re-includes) leaves ``path`` in the context."""
    included = True
    parents = [str(Path(*Path(path).parts[: i + 1])) for i in range(len(Path(path).parts))]
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/").removeprefix("**/")
        if any(fnmatch.fnmatch(p, pattern) or fnmatch.fnmatch(Path(p).name, pattern) for p in parents):
            included = negated
    return included


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    sources = copied_sources()
    assert "requirements/models.txt" in sources and "functions/voice/voice" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert in_build_context(source), f"{source} is left out of the build context by .dockerignore"
    assert not in_build_context(".venv") and not in_build_context("functions/interview/interview")


def test_the_requirements_the_image_installs_include_no_other_file() -> None:
    """Each is copied alone into the image, where a ``-r ../other.txt`` inside it would not be found."""
    for source in copied_sources():
        if source.endswith(".txt"):
            nested = [line for line in (ROOT / source).read_text().splitlines() if re.match(r"\s*-[rc]\s", line)]
            assert not nested, f"{source} includes {nested}"


def test_the_image_bakes_the_model_the_function_loads() -> None:
    voice = load_yaml((ROOT / "template.yaml").read_text())["Resources"]["VoiceFunction"]
    baked = voice["Metadata"]["DockerBuildArgs"]["WHISPER_MODEL"]
    assert baked == {"Ref": "WhisperModel"}
    assert voice["Properties"]["Environment"]["Variables"]["WHISPER_MODEL"] == baked
    assert "ARG WHISPER_MODEL" in DOCKERFILE.read_text()
