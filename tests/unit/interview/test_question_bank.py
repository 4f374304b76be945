"""Checks on the interview question bank: schema, coverage per role and level, and wording quality."""

import re
from collections import Counter
from pathlib import Path
from typing import get_args

import pytest
import yaml

from practice_shared.models.common import Level, Role
from practice_shared.models.interview import Question

BANK_DIR = Path(__file__).resolve().parents[3] / "functions" / "interview" / "interview" / "data" / "questions"
ROLES: tuple[str, ...] = get_args(Role)
LEVELS: tuple[str, ...] = get_args(Level)
FILE_PREFIXES = {
    "behavioral": "bh-",
    "software_engineer": "swe-",
    "backend_engineer": "be-",
    "frontend_engineer": "fe-",
    "data_scientist": "ds-",
    "data_analyst": "da-",
    "product_manager": "pm-",
    "devops_engineer": "ops-",
}
IMPERATIVE_OPENINGS = ("Describe", "Explain", "Walk me through", "Tell me", "Design", "How would")
PLACEHOLDER_PATTERNS = {
    "square-bracket placeholder": re.compile(r"\[[^\]]*\]"),
    "angle-bracket placeholder": re.compile(r"<[^>]*>"),
    "curly-brace placeholder": re.compile(r"\{\{|\}\}|\{[A-Z_ ]+\}"),
    "TODO/TBD/XXX marker": re.compile(r"\b(TODO|TBD|XXX|FIXME)\b"),
    "lorem ipsum": re.compile(r"lorem", re.IGNORECASE),
}


def placeholder_problems(text: str) -> list[str]:
    """Names of the placeholder patterns found in a piece of question text."""
    return [name for name, pattern in PLACEHOLDER_PATTERNS.items() if pattern.search(text)]


def is_question_or_prompt(text: str) -> bool:
    """True when the text ends with a question mark or opens with an interview imperative."""
    return text.rstrip().endswith("?") or text.startswith(IMPERATIVE_OPENINGS)


def load_raw() -> list[tuple[str, dict]]:
    """Every raw question entry with the stem of the file it came from."""
    entries = []
    for path in sorted(BANK_DIR.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert isinstance(document, dict) and set(document) == {"questions"}, f"{path.name}: expected only 'questions:'"
        assert isinstance(document["questions"], list), f"{path.name}: 'questions' must be a list"
        entries.extend((path.stem, entry) for entry in document["questions"])
    return entries


RAW = load_raw()
BANK = [(stem, Question.model_validate(entry)) for stem, entry in RAW]
QUESTIONS = [question for _, question in BANK]


def test_every_expected_file_exists_and_no_other() -> None:
    assert {path.stem for path in BANK_DIR.glob("*.yaml")} == set(FILE_PREFIXES)


@pytest.mark.parametrize(("stem", "entry"), RAW, ids=[entry.get("id", "?") for _, entry in RAW])
def test_entry_has_only_known_fields_and_validates(stem: str, entry: dict) -> None:
    unknown = set(entry) - set(Question.model_fields)
    assert not unknown, f"{entry.get('id')}: unknown fields {sorted(unknown)} (typo?)"
    Question.model_validate(entry)


def test_ids_are_unique_and_prefixed_by_file() -> None:
    duplicates = [qid for qid, count in Counter(q.id for q in QUESTIONS).items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    misplaced = [q.id for stem, q in BANK if not q.id.startswith(FILE_PREFIXES[stem])]
    assert not misplaced, f"ids without their file's prefix: {misplaced}"


def test_bank_size_floor() -> None:
    assert len(QUESTIONS) >= 150


def test_roles_are_known_and_match_their_file() -> None:
    for stem, question in BANK:
        if stem == "behavioral":
            assert question.roles == ["any"], f"{question.id}: behavioral.yaml questions are for any role"
        else:
            assert "any" not in question.roles, f"{question.id}: 'any' belongs in behavioral.yaml"
            assert set(question.roles) <= set(ROLES), f"{question.id}: unknown roles {question.roles}"
            assert stem in question.roles, f"{question.id}: a question in {stem}.yaml must include that role"


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_enough_questions_at_every_level(role: str) -> None:
    questions = [q for q in QUESTIONS if role in q.roles]
    assert len(questions) >= 20, f"{role}: only {len(questions)} questions"
    for level in LEVELS:
        assert any(level in q.levels for q in questions), f"{role}: no {level} question"
    technical = [q for q in questions if q.type == "technical"]
    behavioral = [q for q in questions if q.type == "behavioral"]
    assert len(technical) > len(questions) / 2, f"{role}: should be mostly technical"
    assert len(behavioral) >= 2, f"{role}: needs role-specific behavioral questions"


def test_general_behavioral_pool_covers_levels_and_competencies() -> None:
    pool = [q for q in QUESTIONS if q.roles == ["any"] and q.type == "behavioral"]
    assert len(pool) >= 35
    for level in LEVELS:
        assert sum(level in q.levels for q in pool) >= 8, f"too few general behavioral questions for {level}"
    assert len({q.competency for q in pool}) >= 12


def test_behavioral_questions_name_a_competency() -> None:
    missing = [q.id for q in QUESTIONS if q.type == "behavioral" and not (q.competency or "").strip()]
    assert not missing, f"behavioral questions without a competency: {missing}"


def test_levels_are_not_repeated() -> None:
    repeated = [q.id for q in QUESTIONS if len(set(q.levels)) != len(q.levels)]
    assert not repeated


def test_key_points_are_sentences_and_distinct() -> None:
    for question in QUESTIONS:
        points = question.key_points
        assert 2 <= len(points) <= 8, f"{question.id}: {len(points)} key points"
        normalised = [p.strip().lower().rstrip(".") for p in points]
        assert len(set(normalised)) == len(normalised), f"{question.id}: duplicate key points"
        for point in points:
            assert len(point.split()) >= 4, f"{question.id}: key point too short to match against: {point!r}"


def test_no_placeholders_anywhere() -> None:
    for question in QUESTIONS:
        for text in [question.text, *question.key_points, question.competency or ""]:
            assert not placeholder_problems(text), f"{question.id}: placeholder in {text!r}"


@pytest.mark.parametrize(
    "bad",
    [
        "How would you scale [technology] for a large team?",
        "Explain how <X> handles concurrency.",
        "Describe your experience with {{skill}}.",
        "TODO: write a better question about caching?",
        "Lorem ipsum dolor sit amet?",
        "Tell me about TBD?",
    ],
)
def test_placeholder_checker_flags_bad_text(bad: str) -> None:
    assert placeholder_problems(bad)


def test_placeholder_checker_accepts_real_text() -> None:
    assert not placeholder_problems("How would you design a rate limiter for an API with 10,000 clients?")


def test_topics_are_lowercase_and_clean() -> None:
    for question in QUESTIONS:
        for topic in question.topics:
            assert topic == topic.strip().lower() and topic, f"{question.id}: bad topic {topic!r}"
        assert len(set(question.topics)) == len(question.topics), f"{question.id}: repeated topic"


def test_technical_questions_have_topics() -> None:
    untagged = [q.id for q in QUESTIONS if q.type == "technical" and not q.topics]
    assert not untagged, f"technical questions without topics cannot be tailored: {untagged}"


def test_text_is_a_question_or_an_interview_prompt() -> None:
    bad = [q.id for q in QUESTIONS if not is_question_or_prompt(q.text)]
    assert not bad, f"not phrased as a question or prompt: {bad}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Design a URL shortener.", True),
        ("What is a deadlock?", True),
        ("Your experience with Kubernetes.", False),
        ("Kubernetes", False),
    ],
)
def test_prompt_checker(text: str, expected: bool) -> None:
    assert is_question_or_prompt(text) is expected


def test_behavioral_and_general_questions_say_what_an_answer_making_their_key_points_sounds_like() -> None:
    """Their key points are abstract ("connects their background to what this role needs"): a concrete answer is
    matched against example sentences too, so every such question has some, and none repeats its key point."""
    abstract = [q for q in QUESTIONS if q.type in ("behavioral", "general")]
    assert len(abstract) >= 60
    for question in abstract:
        assert question.key_point_examples, f"{question.id}: no key_point_examples"
        for point, examples in zip(question.key_points, question.key_point_examples, strict=True):
            assert point not in examples and all(len(e.split()) >= 6 for e in examples), question.id
