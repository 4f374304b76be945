"""``interview-practice evaluate``: score one answer and print the evaluation and feedback.

The question is taken from the bank when its text matches a bank question (so its real key points are
used); otherwise it is treated as the candidate's own question, graded with the rubric of the bank question
that asks the same thing in other words, if one does. The engine is the configured one
(``LLM_ENGINE``), exactly as the interview function uses it.
"""

import argparse
import json
import sys
from typing import Any

from interview.engine import llm
from interview.engine.bank import load_bank, with_examples
from interview.engine.feedback import feedback
from interview.engine.own_questions import custom_question, own_questions
from practice_shared.models.common import ROLE_TITLES
from practice_shared.models.interview import Evaluation, Feedback, Question


def register(subparsers: Any) -> None:
    """Add the ``evaluate`` command to the CLI's subparsers."""
    parser = subparsers.add_parser("evaluate", help="Score one answer to one question and print feedback.")
    parser.add_argument("--question", required=True, help="The question text (a bank question or your own).")
    parser.add_argument("--answer", required=True, help="The answer text, or '-' to read it from standard input.")
    parser.add_argument(
        "--type",
        choices=["behavioral", "technical", "general"],
        help="The question type, for a question that is not in the bank (guessed when absent).",
    )
    parser.add_argument("--role", default="software_engineer", choices=sorted(ROLE_TITLES))
    parser.add_argument("--level", default="mid", choices=["junior", "mid", "senior"])
    parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")
    parser.set_defaults(func=run)


def resolve_question(text: str, question_type: str | None) -> tuple[Question, bool]:
    """The bank question with this text, or the candidate's own question (with the rubric of a bank question that
    asks the same thing, unless ``question_type`` says otherwise); the flag says whether it came from the bank."""
    bank = load_bank()
    found = bank.find_text(text)
    if found is not None and (question_type is None or question_type == found.type):
        return found, True
    (own,) = own_questions([text], bank)
    if own.question.rubric_from and question_type in (None, own.question.type):
        return with_examples(own.question), False
    return custom_question(text, 1, bank.topics(), question_type), False  # type: ignore[arg-type]


def _origin(question: Question, from_bank: bool) -> str:
    if from_bank:
        return "from the bank"
    return f"your own, graded like bank question {question.rubric_from}" if question.rubric_from else "your own"


def _text(question: Question, from_bank: bool, evaluation: Evaluation, fb: Feedback) -> str:
    lines = [
        f"Question ({question.type}, {_origin(question, from_bank)}): {question.text}",
        f"Overall: {evaluation.overall} / 10 (engine: {evaluation.engine})",
    ]
    if evaluation.engine_note:
        lines.append(f"Note: {evaluation.engine_note}")
    for c in evaluation.criteria:
        lines.append(f"  {c.criterion}: {c.score}")
        lines += [f"    + {e}" for e in c.evidence] + [f"    - {r}" for r in c.lowered_by]
    if evaluation.key_points:
        lines.append("Key points:")
        lines += [f"  [{'x' if k.covered else ' '}] {k.key_point} ({k.similarity:.2f})" for k in evaluation.key_points]
    if evaluation.star:
        lines.append("STAR: " + ", ".join(f"{p.part} {'yes' if p.found else 'no'}" for p in evaluation.star))
    for title, items in (
        ("Strengths", fb.strengths),
        ("Improvements", fb.improvements),
        ("Outline of a stronger answer", fb.improved_answer_outline),
        ("Common mistakes on this question", fb.pitfalls),
    ):
        if items:
            lines.append(f"{title}:")
            lines += [f"  - {item}" for item in items]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Evaluate the answer and print the result; returns the exit code."""
    answer = sys.stdin.read() if args.answer == "-" else args.answer
    if not answer.strip():
        print("The answer is empty: give some text with --answer (or '-' and standard input).", file=sys.stderr)
        return 2
    try:
        question, from_bank = resolve_question(args.question, args.type)
    except ValueError as exc:
        print(f"The question is not valid: {exc}", file=sys.stderr)
        return 2
    evaluation = llm.evaluate(question, answer, role=args.role, level=args.level)
    fb = feedback(question, answer, evaluation)
    if args.json:
        payload = {
            "question": question.model_dump(mode="json"),
            "from_bank": from_bank,
            "evaluation": evaluation.model_dump(mode="json"),
            "feedback": fb.model_dump(mode="json"),
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        print(_text(question, from_bank, evaluation, fb))
    return 0
