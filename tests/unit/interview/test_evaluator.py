"""The offline evaluator judges meaning and substance, not keywords or length."""

from pathlib import Path

import pytest
import yaml
from engine_samples import BUZZWORDS, CONCISE, DEADLINE, IDEMPOTENCY, OFF_TOPIC, STORY_I, STORY_WE

from interview.engine.bank import load_bank
from interview.engine.evaluator import WEIGHTS, evaluate
from interview.engine.own_questions import custom_question
from practice_shared.models.voice import DeliveryMetrics

LABELLED = Path(__file__).resolve().parents[3] / "bench" / "data" / "labelled_answers.yaml"


def _scores(evaluation):
    return {c.criterion: c.score for c in evaluation.criteria}


def test_buzzword_stuffed_long_answer_scores_below_a_concise_correct_one():
    concise = evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid")
    stuffed = evaluate(IDEMPOTENCY, BUZZWORDS, role="backend_engineer", level="mid")
    assert stuffed.signals["word_count"] > 1.5 * concise.signals["word_count"]
    assert stuffed.overall < concise.overall - 3
    assert stuffed.signals["buzzword_density"] > 0.1
    assert any("Jargon" in r for c in stuffed.criteria for r in c.lowered_by)


def test_concise_precise_answer_is_not_punished_for_brevity():
    short = (
        "Client sends an idempotency key per payment; the server stores key and response atomically under a unique "
        "constraint and replays the stored response on retries."
    )
    evaluation = evaluate(IDEMPOTENCY, short, role="backend_engineer", level="mid")
    assert evaluation.signals["word_count"] < 30
    assert evaluation.signals["length_fit"] == "concise"
    assert evaluation.overall >= 7
    vague_long = (
        "Retries are an important topic for any API and especially for payments, because payments matter a lot to "
        "the business and to customers. I would think carefully about reliability and about the different failure "
        "modes, and I would make sure the whole system is resilient, well tested and monitored, and that the team "
        "follows good engineering practices so retries are handled in a safe way across all of the services."
    )
    assert evaluate(IDEMPOTENCY, vague_long, role="backend_engineer", level="mid").overall < evaluation.overall - 2


def test_key_points_are_matched_by_meaning_with_the_covering_sentence():
    paraphrase = (
        "Every request from the client carries a unique key, a UUID that identifies that payment attempt. "
        "On the backend I save the token next to the response, and when the same token shows up again I just "
        "replay what I sent before."
    )
    evaluation = evaluate(IDEMPOTENCY, paraphrase, role="backend_engineer", level="mid")
    first, second = evaluation.key_points[0], evaluation.key_points[1]
    assert first.covered and second.covered
    assert first.evidence.startswith("Every request from the client")
    assert second.evidence.startswith("On the backend")


def test_a_sentence_on_the_question_s_topic_makes_only_the_points_it_states():
    # Every sentence about processes and threads is near every key point about them (MiniLM 0.48-0.65): a point is
    # made only by a sentence nearer to it than to the question.
    question = IDEMPOTENCY.model_copy(
        update={
            "text": "What is the difference between a process and a thread?",
            "key_points": [
                "A process has its own address space while threads of one process share memory",
                "A crashing thread can take down its whole process",
                "A pool of worker threads bounds how many requests a server handles at once",
            ],
        }
    )
    answer = "A process has its own memory space, while the threads of a process share that memory."
    made = [k.covered for k in evaluate(question, answer, role="any", level="mid").key_points]
    assert made == [True, False, False]


def test_abstract_key_points_without_examples_still_credit_a_concrete_story():
    # The story's sentences are nearer the question ("a time you realised you were going to miss a deadline") than
    # the abstract key points: for those the question is not the bar.
    assert not DEADLINE.key_point_examples
    evaluation = evaluate(DEADLINE, STORY_I, role="any", level="mid")
    assert evaluation.signals["key_point_coverage"] >= 0.4 and evaluation.overall >= 7.5


def test_we_answer_shows_lower_ownership_than_the_same_story_told_with_i():
    mine = evaluate(DEADLINE, STORY_I, role="software_engineer", level="mid")
    team = evaluate(DEADLINE, STORY_WE, role="software_engineer", level="mid")
    assert mine.signals["ownership"] > 0.9 > 0.1 > team.signals["ownership"]
    assert _scores(team)["star_structure"] < _scores(mine)["star_structure"]
    assert _scores(team)["role_relevance"] < _scores(mine)["role_relevance"]
    assert team.overall < mine.overall
    assert any("“we”" in r for c in team.criteria for r in c.lowered_by)


def test_star_parts_are_found_with_their_sentences():
    evaluation = evaluate(DEADLINE, STORY_I, role="software_engineer", level="mid")
    parts = {p.part: p for p in evaluation.star}
    assert all(parts[p].found for p in ("situation", "action", "result", "reflection"))
    assert "shipped the CSV export" in parts["result"].evidence
    assert evaluation.overall >= 7


def test_star_labels_without_a_story_do_not_count():
    labels = (
        "The situation was a challenging situation. My task was the task of driving synergy. The action was "
        "leveraging best practices holistically. The result was a great result for all stakeholders."
    )
    evaluation = evaluate(DEADLINE, labels, role="software_engineer", level="mid")
    parts = {p.part: p.found for p in evaluation.star}
    assert not parts["result"] and not parts["action"]
    assert _scores(evaluation)["star_structure"] < 3


def test_off_topic_answer_scores_low_on_every_criterion():
    evaluation = evaluate(IDEMPOTENCY, OFF_TOPIC, role="backend_engineer", level="mid")
    assert evaluation.signals["off_topic"] == 1
    assert evaluation.overall <= 2
    assert all(c.score <= 2 for c in evaluation.criteria)
    assert all("does not address the question" in c.lowered_by[0] for c in evaluation.criteria)


def test_only_criteria_of_the_question_type_are_scored():
    technical = evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid")
    behavioral = evaluate(DEADLINE, STORY_I, role="backend_engineer", level="mid")
    assert (
        set(_scores(technical))
        == set(WEIGHTS["technical"])
        == {"clarity", "communication", "role_relevance", "technical_depth"}
    )
    assert set(_scores(behavioral)) == {"clarity", "communication", "star_structure", "role_relevance"}
    assert technical.star == []
    for weights in WEIGHTS.values():
        assert sum(weights.values()) == pytest.approx(1.0)


def test_every_criterion_explains_itself():
    evaluation = evaluate(DEADLINE, STORY_WE, role="software_engineer", level="mid")
    for criterion in evaluation.criteria:
        assert criterion.evidence or criterion.lowered_by
        assert 1 <= criterion.score <= 10


def test_typed_fillers_are_word_tokens():
    clean = "The umbrella number was twelve. " + CONCISE
    filled = "Um, so, uh, the client, um, sends a key. " + CONCISE
    assert evaluate(IDEMPOTENCY, clean, role="backend_engineer", level="mid").signals["filler_count"] == 0
    evaluation = evaluate(IDEMPOTENCY, filled, role="backend_engineer", level="mid")
    assert evaluation.signals["filler_count"] == 3


def _delivery(wpm: float, fillers_per_100: float, longest_pause: float) -> DeliveryMetrics:
    return DeliveryMetrics(
        word_count=60,
        words_per_minute=wpm,
        speaking_seconds=30,
        silence_seconds=5,
        speaking_ratio=0.85,
        filler_count=int(fillers_per_100 * 0.6),
        fillers={"um": int(fillers_per_100 * 0.6)},
        fillers_per_100_words=fillers_per_100,
        pause_count=2 if longest_pause >= 3 else 0,
        longest_pause_seconds=longest_pause,
        hedging_count=0,
        hedges={},
        repeated_words={},
    )


def test_delivery_metrics_inform_clarity_and_communication_with_evidence():
    good = evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", delivery=_delivery(145, 0.5, 1.0))
    poor = evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", delivery=_delivery(70, 9.0, 6.0))
    assert _scores(poor)["clarity"] < _scores(good)["clarity"]
    assert _scores(poor)["communication"] < _scores(good)["communication"]
    clarity = next(c for c in poor.criteria if c.criterion == "clarity")
    assert any(r.startswith("From the recording: 70 words per minute") for r in clarity.lowered_by)
    assert any("6.0 seconds" in r for r in clarity.lowered_by)
    assert poor.signals["words_per_minute"] == 70
    assert any("comfortable pace of 145" in e for c in good.criteria for e in c.evidence)


def test_known_misconception_is_flagged():
    wrong = (
        "It is simple: HTTP guarantees exactly-once delivery, so retried requests can never cause duplicate charges. "
        "I would just make the timeout longer so the client does not need to retry."
    )
    evaluation = evaluate(IDEMPOTENCY, wrong, role="backend_engineer", level="mid")
    depth = next(c for c in evaluation.criteria if c.criterion == "technical_depth")
    assert evaluation.signals["correctness_flags"] == 1
    assert any("common misconception" in r for r in depth.lowered_by)
    assert evaluation.overall < evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid").overall - 3


def test_same_input_same_evaluation():
    a = evaluate(DEADLINE, STORY_I, role="software_engineer", level="mid")
    b = evaluate(DEADLINE, STORY_I, role="software_engineer", level="mid")
    assert a.model_dump() == b.model_dump()


def test_empty_answer_scores_one():
    evaluation = evaluate(DEADLINE, "   ", role="software_engineer", level="mid")
    assert evaluation.overall == 1
    assert all(c.lowered_by == ["No answer was given."] for c in evaluation.criteria)


def test_a_self_introduction_is_judged_on_topic_and_a_one_liner_too_short():
    """ "Tell me about yourself" has abstract key points; its answers are matched against the bank's example
    sentences too. A one-line introduction used to be taken for an off-topic answer (1.5)."""
    intro = load_bank().get("bh-intro-about-yourself")
    developed = evaluate(
        intro,
        "I'm a data engineer, four years in. I started as an analyst at a logistics company, writing SQL reports, "
        "and moved into engineering when I automated our daily reporting with Airflow. Since then I've built our "
        "event pipeline on Kafka and Spark, which now handles about two billion events a day, and last year I cut "
        "the warehouse bill by forty percent by partitioning the biggest tables. Your team is rebuilding its "
        "streaming platform, which is exactly the work I want to go deeper on.",
        role="data_scientist",
        level="mid",
    )
    one_liner = evaluate(
        intro,
        "I'm a backend engineer. I've spent five years building payment systems in Python and Go.",
        role="backend_engineer",
        level="mid",
    )
    elsewhere = evaluate(
        intro,
        "My favourite food is pizza and I like to travel to Italy every summer.",
        role="backend_engineer",
        level="mid",
    )
    assert developed.signals["off_topic"] == 0 and developed.overall >= 7
    # The career summary is matched well clear of the bar (0.66 against 0.45). Its closing line ("exactly the work I
    # want to go deeper on") made the third point at 0.451 with ONNX Runtime 1.32 and 0.442 with 1.16: a coin flip,
    # not asserted.
    assert developed.key_points[0].covered and developed.key_points[0].similarity >= 0.6
    assert one_liner.signals["off_topic"] == 0 and one_liner.signals["length_fit"] == "too short"
    assert 3 <= one_liner.overall <= developed.overall - 2
    assert elsewhere.signals["off_topic"] == 1 and elsewhere.overall <= 2


def test_an_own_question_with_generic_key_points_tells_only_a_clearly_unrelated_answer_it_is_off_the_question():
    """Generic key points are abstract, and a concrete story is as far from them and from the question's words as an
    unrelated answer: no "about something else" for a strong story, still for a clearly unrelated answer."""
    answers = {a["id"]: a for a in yaml.safe_load(LABELLED.read_text(encoding="utf-8"))["answers"]}
    bank = load_bank()
    off_question = "Much of the answer is about something other than the question."
    for answer_id, unrelated in (
        ("bh-conflict-teammate-a1", False),  # strong
        ("bh-mentoring-someone-a1", False),  # strong
        ("bh-intro-about-yourself-a1", False),  # strong
        ("bh-intro-about-yourself-a7", True),  # a rant about microservices
    ):
        asked = bank.get(answers[answer_id]["question_id"])
        question = custom_question(asked.text, 0, question_type=asked.type)  # as if the candidate wrote it
        evaluation = evaluate(question, answers[answer_id]["text"], role="backend_engineer", level="mid")
        told = any(off_question in c.lowered_by for c in evaluation.criteria)
        assert told is unrelated, answer_id
