"""The candidate's own questions: typed from their wording, and graded with the rubric of the bank question that
asks the same thing (the real sentence encoder decides which does)."""

from pathlib import Path

import yaml

from interview.engine.bank import load_bank, with_examples
from interview.engine.evaluator import evaluate
from interview.engine.own_questions import custom_question, own_questions

LABELLED = Path(__file__).resolve().parents[3] / "bench" / "data" / "labelled_answers.yaml"


def test_custom_questions_are_typed_from_their_wording():
    behavioral = custom_question("Tell me about a time you disagreed with your manager.", 1)
    technical = custom_question("How would you design a rate limiter for our public API in Go?", 2)
    general = custom_question("Why do you want to work at our company?", 3)
    assert (behavioral.type, behavioral.competency) == ("behavioral", "conflict resolution")
    assert technical.type == "technical" and technical.topics == ["go"]
    assert general.type == "general"
    assert behavioral.id == "custom-1"
    assert any("measurable" in k for k in behavioral.key_points)
    assert any("trade-off" in k for k in technical.key_points)


def test_a_question_the_bank_asks_in_other_words_gets_its_rubric():
    bank = load_bank()
    hashmap, manager = own_questions(
        ["Explain how a hash map works.", "Describe a situation where you disagreed with your manager."], bank
    )
    twin = bank.get("swe-hashmap-internals")
    assert hashmap.question.text == "Explain how a hash map works."
    assert (hashmap.question.id, hashmap.question.rubric_from) == ("custom-0", "swe-hashmap-internals")
    assert hashmap.question.key_points == twin.key_points
    assert hashmap.question.misconceptions == twin.misconceptions
    assert twin.text in hashmap.reason
    assert manager.question.rubric_from == "bh-conflict-manager"
    assert manager.question.type == "behavioral"
    # The plan is stored without example sentences; scoring puts the twin's back.
    assert hashmap.question.key_point_examples == []
    assert with_examples(manager.question).key_point_examples == bank.get("bh-conflict-manager").key_point_examples


def test_a_question_the_bank_does_not_ask_keeps_generic_key_points():
    selected = own_questions(
        ["What is your greatest weakness?", "Describe your experience with Kubernetes in production."], load_bank()
    )
    for own in selected:
        assert own.question.rubric_from is None
        assert own.reason == "Your own question"
    assert selected[0].question.type == "general"
    assert selected[1].question.key_points == custom_question("Describe your experience with Kubernetes.", 0).key_points


def test_an_answer_to_the_reworded_question_is_scored_like_one_to_the_bank_question():
    answers = yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["answers"]
    strong = next(a for a in answers if a["question_id"] == "swe-hashmap-internals" and a["category"] == "strong")
    bank = load_bank()
    twin = bank.get("swe-hashmap-internals")
    (own,) = own_questions(["Explain how a hash map works."], bank)
    generic = custom_question("Explain how a hash map works.", 0)
    as_bank = evaluate(twin, strong["text"], role="backend_engineer", level="mid")
    as_own = evaluate(with_examples(own.question), strong["text"], role="backend_engineer", level="mid")
    as_generic = evaluate(generic, strong["text"], role="backend_engineer", level="mid")
    assert [k.covered for k in as_own.key_points] == [k.covered for k in as_bank.key_points]
    assert abs(as_own.overall - as_bank.overall) < 0.5
    assert as_generic.overall < as_own.overall - 1  # generic key points judge form: a strong answer loses most
