"""The question bank: YAML files under ``interview/data/questions``, validated and indexed once per process."""

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from practice_shared.models.interview import Question

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "questions"


class BankError(RuntimeError):
    """The question bank files are missing or invalid (a packaging or authoring error)."""


def normalise_text(text: str) -> str:
    """Lower case, letters and digits only: how question texts are compared."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@dataclass(frozen=True)
class QuestionBank:
    """All bank questions with lookups by id, role, level and type."""

    questions: tuple[Question, ...]
    _by_id: dict[str, Question] = field(init=False, repr=False)
    _by_text: dict[str, Question] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {q.id: q for q in self.questions})
        object.__setattr__(self, "_by_text", {normalise_text(q.text): q for q in self.questions})

    def __len__(self) -> int:
        return len(self.questions)

    def get(self, question_id: str) -> Question | None:
        """The question with this id, or None."""
        return self._by_id.get(question_id)

    def find_text(self, text: str) -> Question | None:
        """The question whose text is ``text`` (ignoring case and punctuation), or None."""
        return self._by_text.get(normalise_text(text))

    def for_role(self, role: str, *, include_any: bool = True) -> list[Question]:
        """Questions written for ``role``, plus those for every role when ``include_any``."""
        return [q for q in self.questions if role in q.roles or (include_any and "any" in q.roles)]

    def for_level(self, level: str) -> list[Question]:
        """Questions suited to ``level`` (junior, mid or senior)."""
        return [q for q in self.questions if level in q.levels]

    def of_type(self, question_type: str) -> list[Question]:
        """Questions of one type (behavioral, technical or general)."""
        return [q for q in self.questions if q.type == question_type]

    def topics(self) -> frozenset[str]:
        """Every topic some question is about: the vocabulary job descriptions are matched against."""
        return frozenset(t for q in self.questions for t in q.topics)


def read_bank(directory: Path) -> QuestionBank:
    """Read and validate every ``*.yaml`` file of ``directory``; raise :class:`BankError` naming the bad entry."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise BankError(f"No question files (*.yaml) found in {directory}.")
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for path in files:
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise BankError(f"{path.name} is not valid YAML: {exc}") from exc
        entries = document.get("questions") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise BankError(f"{path.name} must have a top-level list 'questions'.")
        for position, entry in enumerate(entries):
            try:
                question = Question.model_validate(entry)
            except ValidationError as exc:
                name = entry.get("id", f"entry {position}") if isinstance(entry, dict) else f"entry {position}"
                raise BankError(f"{path.name}: question {name} is invalid: {exc}") from exc
            if question.id in seen:
                raise BankError(f"{path.name}: question id {question.id} is also used in {seen[question.id]}.")
            seen[question.id] = path.name
            questions.append(question)
    return QuestionBank(tuple(questions))


@lru_cache(maxsize=1)
def load_bank() -> QuestionBank:
    """The packaged question bank, read once per process."""
    return read_bank(DATA_DIR)


def with_examples(question: Question) -> Question:
    """``question`` with the bank's example sentences for its key points (a session's plan is stored without
    them), as long as the bank still asks it (or the question whose rubric it has) with the same key points;
    otherwise ``question`` as it is."""
    if question.key_point_examples:
        return question
    current = load_bank().get(question.rubric_from or question.id)
    if current is None or not current.key_point_examples or current.key_points != question.key_points:
        return question
    return question.model_copy(update={"key_point_examples": current.key_point_examples})
