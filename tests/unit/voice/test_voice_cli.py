"""The ``transcribe`` and ``speak`` CLI commands, called through their argument parser."""

import argparse
import json
from pathlib import Path

import pytest
import voice_samples as samples

from interview_practice import speech
from practice_shared.observability import logger
from voice import audio


@pytest.fixture(autouse=True)
def log_level_restored():
    """The commands quiet the functions' shared logger for the rest of their process; not for the next tests."""
    level = logger.log_level
    yield
    logger.setLevel(level)


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-practice")
    speech.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_speak_writes_audio_that_transcribes_back(tmp_path: Path, capsys, tiny_model) -> None:
    target = tmp_path / "question.ogg"
    code, out, _ = _run(capsys, "speak", samples.ANSWER, "-o", str(target), "--voice", "gmw/en-us", "--rate", "150")
    assert code == 0 and f"Wrote {target}" in out
    assert audio.duration_seconds(audio.decode(target.read_bytes())) > 3

    code, out, _ = _run(capsys, "transcribe", str(target), "--model", "tiny.en", "--json")
    result = json.loads(out)
    assert code == 0 and samples.wer(samples.ANSWER, result["text"]) <= 0.15
    assert result["model"] == "tiny.en" and result["words"] and "delivery" in result


def test_transcribe_prints_a_readable_report(tmp_path: Path, capsys, tiny_model, fillers_wav: bytes) -> None:
    clip = tmp_path / "answer.wav"
    clip.write_bytes(fillers_wav)
    code, out, _ = _run(capsys, "transcribe", str(clip), "--model", "tiny.en", "--language", "en")
    assert code == 0
    assert out.startswith("Text: ") and "Language: en (probability 1.00)" in out
    assert "start     end  prob  word" in out and "Words per minute:" in out and "Fillers:" in out
    assert not any(line.startswith("{") for line in out.splitlines()), "no log lines mixed into the output"


def test_transcribe_warns_of_speech_in_another_language(tmp_path: Path, capsys, base_model) -> None:
    clip = tmp_path / "answer.wav"
    clip.write_bytes(samples.espeak(samples.FRENCH, voice="fr", speed=150))
    code, out, _ = _run(capsys, "transcribe", str(clip), "--model", "base", "--language", "en")
    assert code == 0 and "Warning: This interview is in English, but this answer sounded like French" in out
    assert "Words per minute: too short to measure" not in out


def test_errors_are_short_messages_with_a_failing_status(tmp_path: Path, capsys) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not audio at all\n" * 20)
    code, _, err = _run(capsys, "transcribe", str(notes))
    assert code == 1 and err.startswith("error: The file is not audio")

    code, _, err = _run(capsys, "transcribe", str(tmp_path / "missing.wav"))
    assert code == 1 and "cannot read" in err

    code, _, err = _run(capsys, "speak", "Hello", "-o", str(tmp_path / "hello.wav"))
    assert code == 1 and "name it .ogg or .mp3" in err

    code, _, err = _run(capsys, "speak", "Hello", "-o", str(tmp_path / "hello.mp3"), "--rate", "1000")
    assert code == 1 and err.startswith("error: rate:")
