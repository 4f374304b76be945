"""What the candidate reads is true of the answer and reads as English (defects found by a reviewer who ran 32 new
answers through the evaluator: "You covered recognised the risk early", "“we” 1 times", "+ Covered 0 of 4 expected
points", "+ Length fits the question (77 words, too short)", "Jargon instead of content ()", "“Sure.”.")."""

from engine_samples import DEADLINE, FEEDBACK_QUESTION, IDEMPOTENCY, STORY_I

from interview.engine.bank import load_bank, with_examples
from interview.engine.evaluator import evaluate
from interview.engine.feedback import feedback
from interview.engine.followup import follow_up
from interview.engine.report import build_report
from interview.engine.star import analyse_star
from interview.engine.text import quote, sentences, times
from practice_shared.models.interview import Question
from practice_shared.models.session import AnswerRecord, PlannedQuestion, SessionConfig, SessionRecord

# A well-told story about something else (the candidate's favourite project), as a candidate might dodge with.
OTHER_STORY = (
    "I'd like to talk about my favourite project instead, which was a mobile app I built for a hackathon. It used "
    "React Native and Firebase and it let students find free study rooms on campus. We won second place out of "
    "thirty teams and I learned a lot about building things fast and presenting to judges. I'm really proud of it "
    "and it's actually still used by a few people."
)


def _deadline() -> Question:
    """The bank's missed-deadline question with the example sentences of its abstract key points."""
    return with_examples(load_bank().get("bh-ownership-missed-deadline"))


def _eval(question: Question, answer: str):
    return evaluate(question, answer, role="software_engineer", level="mid")


def _reasons(evaluation) -> tuple[list[str], list[str]]:
    raised = [r for c in evaluation.criteria for r in c.evidence]
    lowered = [r for c in evaluation.criteria for r in c.lowered_by]
    return raised, lowered


def test_quotations_end_where_the_sentence_around_them_does():
    assert quote("Sure.") == "“Sure”"
    assert quote("  Many   spaces,\nand a line.  ") == "“Many spaces, and a line”"
    assert quote("x" * 100, limit=10) == "“xxxxxxxxx…”"
    assert quote("We sold to Acme Retail and Acme Logistics", limit=30) == "“We sold to Acme Retail and…”"
    assert quote("Really?") == "“Really?”"
    assert [times(1), times(2), times(7)] == ["once", "twice", "7 times"]


def test_strengths_quote_the_key_point_as_written_and_count_in_words():
    deadline = _deadline()
    evaluation = _eval(deadline, STORY_I)
    strengths = feedback(deadline, STORY_I, evaluation).strengths
    made = [s for s in strengths if s.startswith("You made the point “")]
    assert made, strengths
    assert all(any(f"“{k.key_point}”" in s for k in evaluation.key_points if k.covered) for s in made)
    assert not any("You covered recognized" in s.lower() for s in strengths)
    assert not any(".”." in s for s in strengths + feedback(deadline, STORY_I, evaluation).improvements)
    story = (
        "Last year I owned the release of our mobile app. I told my manager the same day that the date would slip, "
        "I split the scope into two releases and I shipped the first on time. I checked the crash rate every day "
        "and it went from 2 percent to 0.5 percent. We celebrated."
    )
    own = [s for s in feedback(DEADLINE, story, _eval(DEADLINE, story)).strengths if s.startswith("You made your own")]
    assert own == ["You made your own part clear: “I” 6 times, “we” twice."]  # "my" and "our" count too


def test_no_reason_claims_coverage_or_a_good_length_that_the_answer_does_not_have():
    raised, lowered = _reasons(_eval(FEEDBACK_QUESTION, OTHER_STORY))
    assert not any(r.startswith("Covered 0 of") for r in raised), raised
    assert "Makes the expected points explicitly." not in raised
    assert "Gets across what the interviewer is listening for." not in raised
    short = "I got feedback once that my code reviews were slow. I sped them up. It was fine after that."
    raised, lowered = _reasons(_eval(FEEDBACK_QUESTION, short))
    assert not any(r.startswith("Length fits") and "too short" in r for r in raised), raised
    assert any(r.startswith("Length:") and "too short" in r for r in lowered), lowered


def test_the_opening_quoted_is_the_sentence_that_answers():
    answer = "Sure. " + STORY_I
    raised, _ = _reasons(_eval(_deadline(), answer))
    opening = [r for r in raised if r.startswith("Gets to the point in the opening")]
    assert opening and "“Sure" not in opening[0], raised


def test_outcome_words_in_a_technical_answer_are_not_star_jargon():
    answer = (
        "The server stores the idempotency key with the result of the first request, and on a retry it returns "
        "that stored result instead of charging again. The key and the charge are written in one transaction."
    )
    evaluation = _eval(IDEMPOTENCY, answer)
    assert evaluation.signals["buzzword_density"] == 0
    _, lowered = _reasons(evaluation)
    assert not any(r.startswith("Jargon") for r in lowered), lowered


def test_star_finds_results_told_as_changes_commitments_as_tasks_and_changed_habits_as_reflection():
    story = sentences(
        "A couple of years ago my tech lead told me my pull requests were too big. I'd committed to cutting review "
        "time for the team that quarter. I asked him to show me two hard ones and I split refactors into their own "
        "changes. Over the next month my average review time went from about two days to under half a day. "
        "Afterwards I changed how I plan my work: small changes first."
    )
    parts = {p.part: p for p in analyse_star(story).parts}
    assert parts["task"].found and parts["task"].evidence.startswith("I'd committed")
    assert parts["result"].found and "went from about two days" in parts["result"].evidence
    assert parts["reflection"].found and parts["reflection"].evidence.startswith("Afterwards I changed")
    # A move without figures is not a result.
    moved = sentences("Last year our team was stuck. I was asked to fix it. I moved our builds from Jenkins to CI.")
    assert not {p.part: p for p in analyse_star(moved).parts}["result"].found


def test_a_story_about_something_else_is_asked_for_one_that_answers():
    evaluation = _eval(FEEDBACK_QUESTION, OTHER_STORY)
    assert not any(k.covered for k in evaluation.key_points)
    question = follow_up(FEEDBACK_QUESTION, OTHER_STORY, evaluation, asked=0, max_follow_ups=1)
    assert question is not None
    assert question.text.endswith(FEEDBACK_QUESTION.text) and "measurable outcome" not in question.text


def test_concise_is_praised_only_when_most_points_are_made():
    short = "I got feedback once that my code reviews were slow. I sped them up. It was fine after that."
    evaluation = _eval(FEEDBACK_QUESTION, short)
    made = sum(k.covered for k in evaluation.key_points)
    praised = [s for s in feedback(FEEDBACK_QUESTION, short, evaluation).strengths if s.startswith("You were concise")]
    assert not praised or 2 * made >= len(evaluation.key_points)


def test_the_practice_plan_speaks_to_the_candidate_in_the_second_person():
    planned = PlannedQuestion(index=0, question=FEEDBACK_QUESTION, reason="Behavioral: feedback")
    session = SessionRecord(
        session_id="s-1",
        user_id="u-1",
        state="completed",
        config=SessionConfig(role="backend_engineer", level="mid", num_questions=1),
        plan=[planned],
        current_index=0,
        created_at="2026-01-01T00:00:00Z",
        updated_at="2026-01-01T00:10:00Z",
    )
    evaluation = _eval(FEEDBACK_QUESTION, OTHER_STORY)
    answer = AnswerRecord(
        answer_id="a-0-0",
        question_index=0,
        follow_up_index=0,
        question_text=FEEDBACK_QUESTION.text,
        text=OTHER_STORY,
        source="text",
        evaluation=evaluation,
        feedback=feedback(FEEDBACK_QUESTION, OTHER_STORY, evaluation),
        created_at="2026-01-01T00:01:00Z",
    )
    plan = build_report(session, [answer]).practice_plan
    story = [p.exercise for p in plan if p.focus == "A story about receiving feedback"]
    assert story and story[0].endswith(
        "making sure it shows that you describe the feedback specifically, including who gave it."
    )
    assert all(p.focus[0].isupper() and not p.focus.startswith("Star") for p in plan), [p.focus for p in plan]
