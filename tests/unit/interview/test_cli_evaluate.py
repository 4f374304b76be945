"""The ``evaluate`` command prints the same evaluation and feedback the interview function returns."""

import argparse
import io
import json

from engine_samples import CONCISE

from interview.engine.bank import load_bank
from interview.engine.evaluator import evaluate
from interview_practice import evaluate as command


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="interview-practice")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["evaluate", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_bank_question_is_recognised_and_json_matches_the_engine(capsys):
    question = next(q for q in load_bank().questions if q.type == "technical")
    code, out, _ = _run(
        capsys, "--question", question.text.lower(), "--answer", CONCISE, "--json", "--role", "backend_engineer"
    )
    payload = json.loads(out)
    assert code == 0 and payload["from_bank"] is True
    assert payload["question"]["id"] == question.id
    expected = evaluate(question, CONCISE, role="backend_engineer", level="mid")
    assert payload["evaluation"] == expected.model_dump(mode="json")
    assert set(payload["feedback"]) == {"strengths", "improvements", "improved_answer_outline", "pitfalls"}


def test_own_question_with_a_type_and_readable_output(capsys):
    code, out, _ = _run(
        capsys,
        "--question",
        "How do you keep a team aligned?",
        "--type",
        "behavioral",
        "--answer",
        "We had meetings every week and we wrote things down.",
    )
    assert code == 0
    assert out.startswith("Question (behavioral, your own): How do you keep a team aligned?")
    assert "star_structure:" in out and "Improvements:" in out


def test_answer_from_standard_input_and_empty_answer(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(CONCISE))
    code, out, _ = _run(capsys, "--question", "How would you make a payment API safe to retry?", "--answer", "-")
    assert code == 0 and "Overall:" in out
    code, _, err = _run(capsys, "--question", "How would you make a payment API safe to retry?", "--answer", "  ")
    assert code == 2 and "answer is empty" in err


def test_own_question_asking_what_a_bank_question_asks_is_graded_with_its_rubric(capsys):
    code, out, _ = _run(capsys, "--question", "Explain how a hash map works.", "--answer", CONCISE)
    assert code == 0
    assert out.startswith("Question (technical, your own, graded like bank question swe-hashmap-internals)")
    key_points = load_bank().get("swe-hashmap-internals").key_points
    assert all(point in out for point in key_points)
