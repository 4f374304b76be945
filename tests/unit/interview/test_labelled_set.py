"""Checks on the hand-labelled answer set used to benchmark the evaluator against human grades."""

import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from practice_shared.models.interview import Question

ROOT = Path(__file__).resolve().parents[3]
LABELLED_PATH = ROOT / "bench" / "data" / "labelled_answers.yaml"
BANK_DIR = ROOT / "functions" / "interview" / "interview" / "data" / "questions"
FIELDS = {
    "id",
    "question_id",
    "category",
    "grade",
    "key_points_made",
    "second_grade",
    "second_key_points_made",
    "text",
    "notes",
}
GRADE_RANGES = {
    "strong": (8, 10),
    "short_precise": (6, 8),
    "partial": (5, 6),
    "we_no_i": (3, 5),
    "buzzword_stuffed": (2, 4),
    "confidently_wrong": (1, 3),
    "weak": (2, 4),
    "off_topic": (1, 2),
}
TRICKY = {"buzzword_stuffed", "short_precise", "confidently_wrong", "we_no_i"}


def load_bank() -> dict[str, Question]:
    """Every bank question by id."""
    bank: dict[str, Question] = {}
    for path in sorted(BANK_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            question = Question.model_validate(entry)
            bank[question.id] = question
    return bank


def shared_phrases(a: str, b: str, length: int = 5) -> set[str]:
    """Runs of `length` consecutive words that appear in both texts (case and punctuation ignored)."""

    def runs(text: str) -> set[str]:
        words = re.findall(r"[a-z0-9']+", text.lower())
        return {" ".join(words[i : i + length]) for i in range(len(words) - length + 1)}

    return runs(a) & runs(b)


BANK = load_bank()
ANSWERS: list[dict] = yaml.safe_load(LABELLED_PATH.read_text(encoding="utf-8"))["answers"]
BY_QUESTION: dict[str, list[dict]] = defaultdict(list)
for _answer in ANSWERS:
    BY_QUESTION[_answer["question_id"]].append(_answer)


def test_every_answer_has_exactly_the_expected_fields() -> None:
    for answer in ANSWERS:
        assert set(answer) == FIELDS, f"{answer.get('id')}: fields {sorted(answer)}"
        for grade in (answer["grade"], answer["second_grade"]):
            assert isinstance(grade, int) and 1 <= grade <= 10, f"{answer['id']}: grades are integers from 1 to 10"
        assert answer["notes"].strip() and "\n" not in answer["notes"].strip(), f"{answer['id']}: notes is one line"


def test_every_answer_says_which_key_points_it_makes() -> None:
    for answer in ANSWERS:
        for made in (answer["key_points_made"], answer["second_key_points_made"]):
            assert len(made) == len(BANK[answer["question_id"]].key_points), answer["id"]
            assert all(isinstance(m, bool) for m in made), answer["id"]


def test_answer_ids_are_unique() -> None:
    duplicates = [aid for aid, count in Counter(a["id"] for a in ANSWERS).items() if count > 1]
    assert not duplicates


def test_every_question_id_exists_in_the_bank() -> None:
    unknown = sorted({a["question_id"] for a in ANSWERS} - set(BANK))
    assert not unknown, f"question ids not in the bank: {unknown}"


def test_set_size() -> None:
    assert len(ANSWERS) >= 60
    assert len(BY_QUESTION) >= 12


def test_mix_of_question_types_and_roles() -> None:
    types = Counter(BANK[qid].type for qid in BY_QUESTION)
    assert types["behavioral"] >= 6 and types["technical"] >= 6, types
    roles = {role for qid in BY_QUESTION for role in BANK[qid].roles}
    assert len(roles) >= 5, roles


def test_grades_and_categories() -> None:
    assert set(Counter(a["category"] for a in ANSWERS)) == set(GRADE_RANGES), "every category must be present"
    for answer in ANSWERS:
        assert 1 <= answer["grade"] <= 10, answer["id"]
        low, high = GRADE_RANGES[answer["category"]]
        assert low <= answer["grade"] <= high, f"{answer['id']}: {answer['category']} graded {answer['grade']}"


@pytest.mark.parametrize("question_id", sorted(BY_QUESTION))
def test_each_question_has_a_spread_of_answers(question_id: str) -> None:
    answers = BY_QUESTION[question_id]
    assert len(answers) >= 4
    grades = [a["grade"] for a in answers]
    assert max(grades) - min(grades) >= 2, f"{question_id}: grades {grades} do not separate answers"
    categories = {a["category"] for a in answers}
    assert {"strong", "weak"} <= categories, f"{question_id}: needs a strong and a weak answer"
    assert categories & TRICKY, f"{question_id}: needs at least one tricky answer"


def test_we_no_i_answers_are_behavioral_and_use_we() -> None:
    for answer in ANSWERS:
        if answer["category"] != "we_no_i":
            continue
        assert BANK[answer["question_id"]].type == "behavioral", answer["id"]
        words = re.findall(r"[a-z']+", answer["text"].lower())
        assert words.count("we") >= 3 and "i" not in words, f"{answer['id']}: should say 'we', never 'I'"


def test_answer_length_is_spoken_answer_sized() -> None:
    for answer in ANSWERS:
        count = len(answer["text"].split())
        assert (15 if answer["category"] == "weak" else 40) <= count <= 250, f"{answer['id']}: {count} words"


def test_strong_answers_do_not_copy_key_points() -> None:
    for answer in ANSWERS:
        if answer["category"] != "strong":
            continue
        for point in BANK[answer["question_id"]].key_points:
            copied = shared_phrases(point, answer["text"])
            assert not copied, f"{answer['id']} copies key point wording: {sorted(copied)}"


def test_phrase_overlap_checker_detects_copying() -> None:
    point = "Uses an idempotency key so a retried request is processed once"
    assert shared_phrases(point, "I'd say it uses an idempotency key so a retry is safe.")
    assert not shared_phrases(point, "The client attaches a unique token and the server replays the first result.")


def test_the_reworded_questions_name_real_bank_questions():
    """``user_questions.yaml`` (the own-questions benchmark): a paraphrase names the bank question it rewords, a
    related or unrelated question names none; each labelled answer's question is reworded twice."""
    bank = load_bank()
    asked = yaml.safe_load((ROOT / "bench" / "data" / "user_questions.yaml").read_text(encoding="utf-8"))["questions"]
    assert len({q["text"] for q in asked}) == len(asked)
    for q in asked:
        assert q["kind"] in {"paraphrase", "related", "unrelated"}, q
        assert (q["same_as"] in bank) if q["kind"] == "paraphrase" else q["same_as"] is None, q
        assert 10 <= len(q["text"]) <= 600, q
    labelled = {a["question_id"] for a in yaml.safe_load(LABELLED_PATH.read_text(encoding="utf-8"))["answers"]}
    reworded = Counter(q["same_as"] for q in asked if q["kind"] == "paraphrase")
    assert all(reworded[question_id] == 2 for question_id in labelled)
