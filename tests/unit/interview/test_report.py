"""The session report: complete, honest about unanswered questions, and a pure function of its inputs."""

import re

from engine_samples import BUZZWORDS, CONCISE, DEADLINE, IDEMPOTENCY, STORY_WE

from interview.engine.evaluator import evaluate
from interview.engine.feedback import feedback
from interview.engine.followup import follow_up
from interview.engine.report import build_report
from practice_shared.models.session import AnswerRecord, PlannedQuestion, SessionConfig, SessionRecord
from practice_shared.models.voice import DeliveryMetrics

PLAN = [
    PlannedQuestion(index=0, question=DEADLINE, reason="Behavioral: ownership"),
    PlannedQuestion(index=1, question=IDEMPOTENCY, reason="Core topic"),
    PlannedQuestion(index=2, question=IDEMPOTENCY.model_copy(update={"id": "t-again"}), reason="Core topic"),
]
DELIVERY = DeliveryMetrics(
    word_count=90,
    words_per_minute=190,
    speaking_seconds=28,
    silence_seconds=12,
    speaking_ratio=0.7,
    filler_count=6,
    fillers={"um": 6},
    fillers_per_100_words=6.7,
    pause_count=3,
    longest_pause_seconds=4.2,
    hedging_count=0,
    hedges={},
    repeated_words={},
)


def _session(current_index: int = 2) -> SessionRecord:
    return SessionRecord(
        session_id="s-1",
        user_id="u-1",
        state="completed",
        config=SessionConfig(role="backend_engineer", level="mid", num_questions=3),
        plan=PLAN,
        current_index=current_index,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:10:00Z",
    )


def _answer(index: int, text: str, *, follow: int = 0, delivery=None, evaluate_now=True) -> AnswerRecord:
    question = PLAN[index].question
    evaluation = evaluate(question, text, role="backend_engineer", level="mid", delivery=delivery)
    return AnswerRecord(
        answer_id=f"a-{index}-{follow}",
        question_index=index,
        follow_up_index=follow,
        question_text=question.text,
        text=text,
        source="audio" if delivery else "text",
        delivery=delivery,
        audio_key="audio/a.ogg" if delivery else None,
        evaluation=evaluation if evaluate_now else None,
        feedback=feedback(question, text, evaluation) if evaluate_now else None,
        follow_up=follow_up(question, text, evaluation, asked=follow, max_follow_ups=1) if evaluate_now else None,
        created_at=f"2026-01-01T00:0{index}:0{follow}Z",
    )


def _answers() -> list[AnswerRecord]:
    return [_answer(0, STORY_WE, delivery=DELIVERY), _answer(1, BUZZWORDS)]


def test_report_has_no_empty_sections_when_answers_exist():
    report = build_report(_session(), _answers())
    assert report.answered == 2 and report.asked == 3
    assert report.overall is not None
    assert set(report.criteria) == {"clarity", "communication", "star_structure", "role_relevance", "technical_depth"}
    assert report.improvements and report.practice_plan and report.summary_text
    assert report.delivery_summary is not None
    assert report.delivery_summary["voice_answers"] == 1
    assert report.delivery_summary["pace"] == "fast"
    for item in report.practice_plan:
        assert item.focus and item.why and item.exercise


def test_unanswered_questions_appear_with_no_score():
    report = build_report(_session(), _answers())
    assert [q.index for q in report.questions] == [0, 1, 2]
    unanswered = report.questions[2]
    assert unanswered.overall is None and unanswered.answer == "" and unanswered.criteria == {}
    answered = report.questions[0]
    assert answered.overall is not None and answered.feedback is not None
    assert answered.delivery["words_per_minute"] == 190 and answered.audio_key == "audio/a.ogg"
    assert answered.follow_ups


def test_answers_too_short_for_a_pace_show_none():
    short = DELIVERY.model_copy(update={"words_per_minute": None})
    report = build_report(_session(), [_answer(0, STORY_WE, delivery=short), _answer(1, BUZZWORDS, delivery=short)])
    assert report.delivery_summary is not None and report.delivery_summary["voice_answers"] == 2
    assert "words_per_minute" not in report.delivery_summary and "pace" not in report.delivery_summary
    assert "words_per_minute" not in report.questions[0].delivery
    mixed = build_report(_session(), [_answer(0, STORY_WE, delivery=short), _answer(1, BUZZWORDS, delivery=DELIVERY)])
    assert mixed.delivery_summary["words_per_minute"] == 190  # the pace of the answers that have one
    assert not any("words per minute" in line for line in report.questions[0].feedback.improvements)


def test_report_is_deterministic():
    answers = _answers()
    assert (
        build_report(_session(), answers).model_dump() == build_report(_session(), list(reversed(answers))).model_dump()
    )


def test_improvements_are_aggregated_and_deduplicated():
    report = build_report(_session(), _answers())
    assert len(report.improvements) == len(set(report.improvements))
    assert any("question 1" in i for i in report.improvements)
    assert any("jargon" in i.lower() and "question 2" in i for i in report.improvements)


def test_a_good_follow_up_answer_raises_its_question_and_a_weak_one_does_not_lower_it():
    base = build_report(_session(), _answers()).questions[1].overall
    better = build_report(_session(), [*_answers(), _answer(1, CONCISE, follow=1)]).questions[1]
    worse = build_report(_session(), [*_answers(), _answer(1, "I don't know.", follow=1)]).questions[1]
    assert better.overall > base
    assert worse.overall == base
    assert better.answer_overall == worse.answer_overall == base  # the answer's own score, before its follow-up


def test_collect_mode_answers_are_evaluated_for_the_report():
    report = build_report(_session(), [_answer(1, CONCISE, evaluate_now=False)])
    assert report.questions[1].overall is not None
    assert report.questions[1].feedback is not None


def test_summary_text_reads_well_aloud():
    text = build_report(_session(), _answers()).summary_text
    sentences = [s for s in re.split(r"(?<=\.)\s+", text) if s]
    assert 2 <= len(sentences) <= 4
    assert not re.search(r"[()%/“”#*|<>\[\]]", text)
    assert "2 of 3 questions" in text


def test_session_without_answers():
    report = build_report(_session(current_index=0), [])
    assert report.overall is None and report.answered == 0
    assert report.criteria == {} and report.practice_plan == []
    assert "none of the 3 questions" in report.summary_text


def test_follow_ups_appear_with_their_answers_scores_and_recordings_or_as_skipped():
    spoken_follow_up = _answer(0, STORY_WE, follow=1, delivery=DELIVERY)
    report = build_report(_session(), [*_answers(), spoken_follow_up])
    story = report.questions[0]
    asked = story.follow_up_answers
    assert [f.question for f in asked] == story.follow_ups and len(asked) >= 1
    first = asked[0]
    assert first.answer == STORY_WE and first.overall == spoken_follow_up.evaluation.overall
    assert first.audio_key == "audio/a.ogg" and first.delivery["words_per_minute"] == 190
    assert report.delivery_summary["voice_answers"] == 2  # the follow-up was spoken too
    # Question 2's follow-up was asked and not answered (the candidate moved on): listed as skipped.
    skipped = report.questions[1].follow_up_answers
    assert skipped and skipped[0].answer is None and skipped[0].overall is None
