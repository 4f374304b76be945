"""The model store: base joined once and verified, tiny.en in place, model directories checked."""

import hashlib
from pathlib import Path

import pytest

from voice import model_store
from voice.model_store import BASE_MODEL_BIN_SHA256, BASE_MODEL_BIN_SIZE, ModelNotAvailable


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_base_is_joined_verified_and_reused(tmp_path: Path) -> None:
    target = tmp_path / "base"
    assert model_store.join_base(target) == target
    model_bin = target / "model.bin"
    assert model_bin.stat().st_size == BASE_MODEL_BIN_SIZE
    assert _sha256(model_bin) == BASE_MODEL_BIN_SHA256
    assert {p.name for p in target.iterdir()} == {"model.bin", "config.json", "tokenizer.json", "vocabulary.txt"}
    assert model_bin.stat().st_mode & 0o044 == 0o044, "the image's runtime user must be able to read the model"

    before = model_bin.stat().st_mtime_ns, model_bin.stat().st_ino
    model_store.join_base(target)
    assert (model_bin.stat().st_mtime_ns, model_bin.stat().st_ino) == before, "a verified copy is reused, not rewritten"


@pytest.mark.parametrize("damage", ["truncated", "flipped byte", "missing tokenizer"])
def test_a_corrupt_base_cache_is_rebuilt(tmp_path: Path, damage: str) -> None:
    target = model_store.join_base(tmp_path / "base")
    model_bin = target / "model.bin"
    if damage == "truncated":
        with model_bin.open("r+b") as f:
            f.truncate(BASE_MODEL_BIN_SIZE // 2)
    elif damage == "flipped byte":
        with model_bin.open("r+b") as f:
            f.seek(1_000_000)
            byte = f.read(1)
            f.seek(1_000_000)
            f.write(bytes([byte[0] ^ 0xFF]))
    else:
        (target / "tokenizer.json").unlink()

    model_store.join_base(target)

    assert model_bin.stat().st_size == BASE_MODEL_BIN_SIZE
    assert _sha256(model_bin) == BASE_MODEL_BIN_SHA256
    assert (target / "tokenizer.json").is_file()
    assert not list(target.glob(".*")), "no temporary file is left behind"


def test_resolve_names(tmp_path: Path) -> None:
    base = model_store.resolve("base", str(tmp_path))
    assert base == tmp_path / "base" and (base / "model.bin").is_file()
    tiny = model_store.resolve("tiny.en", str(tmp_path))
    assert (tiny / "model.bin").is_file() and (tiny / "config.json").is_file()
    assert model_store.resolve(str(base), str(tmp_path / "elsewhere")) == base, "a model directory by path"


def test_a_model_name_is_looked_up_in_the_cache_directory(tmp_path: Path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    (small / "model.bin").write_bytes(b"weights")
    (small / "config.json").write_text("{}")
    assert model_store.resolve("small", str(tmp_path)) == small


def test_unknown_models_and_incomplete_directories_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match=r"neither base nor tiny\.en nor a model directory"):
        model_store.resolve("medium", str(tmp_path))
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    (incomplete / "config.json").write_text("{}")
    with pytest.raises(ModelNotAvailable, match=r"lacks model\.bin"):
        model_store.resolve(str(incomplete), str(tmp_path))


def test_prepare_command_bakes_a_model_into_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert model_store.main(["prepare", "--model", "tiny.en", "--into", str(tmp_path / "tiny")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "tiny")
    assert (tmp_path / "tiny" / "model.bin").is_file() and not list((tmp_path / "tiny").glob("*.py"))

    assert model_store.main(["prepare", "--model", str(tmp_path / "nothing-here")]) == 1
    assert "nor a model directory" in capsys.readouterr().err


def test_prepare_defaults_to_the_cache_directory(voice_settings: Path) -> None:
    prepared = model_store.prepare("tiny.en")
    assert prepared == voice_settings / "tiny.en"
    assert model_store.resolve("tiny.en", str(voice_settings)) == prepared
