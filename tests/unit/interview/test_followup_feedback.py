"""Follow-up questions and feedback are specific to the question and to what the answer said."""

import numpy as np
from engine_samples import BUZZWORDS, CONCISE, DEADLINE, IDEMPOTENCY, OFF_TOPIC, STORY_I, STORY_WE

from interview.engine.evaluator import evaluate
from interview.engine.feedback import feedback
from interview.engine.followup import as_question, follow_up
from interview.engine.text import lower_first
from practice_shared.models.interview import Misconception

NO_RESULT = (
    "Last spring I was building the billing export for a client launch. Two weeks before the date I noticed I was "
    "behind because the legacy schema was messy. I told my manager straight away and I suggested splitting the "
    "export into two parts. I paired with a colleague on the mapping and I kept the client's lead updated daily."
)
PARTIAL_TECH = (
    "The client should send an idempotency key with each payment request, a UUID generated once per checkout. "
    "That way the server can tell a retry from a new payment."
)


def _eval(question, answer):
    return evaluate(question, answer, role="software_engineer", level="mid")


def test_follow_up_asks_for_the_result_when_the_story_has_none():
    evaluation = _eval(DEADLINE, NO_RESULT)
    assert not next(p for p in evaluation.star if p.part == "result").found
    question = follow_up(DEADLINE, NO_RESULT, evaluation, asked=0, max_follow_ups=1)
    assert question is not None
    assert "measurable outcome" in question.text
    assert "result" in question.reason


def test_follow_up_asks_what_you_did_when_the_answer_is_all_we():
    evaluation = _eval(DEADLINE, STORY_WE)
    question = follow_up(DEADLINE, STORY_WE, evaluation, asked=0, max_follow_ups=2)
    assert question is not None
    assert question.text.startswith("You described what the team did; what did you do yourself")
    assert "“we”" in question.reason


def test_no_follow_up_for_a_strong_answer_or_beyond_the_limit():
    strong = _eval(DEADLINE, STORY_I)
    assert strong.overall >= 7.5
    assert follow_up(DEADLINE, STORY_I, strong, asked=0, max_follow_ups=3) is None
    weak = _eval(DEADLINE, STORY_WE)
    assert follow_up(DEADLINE, STORY_WE, weak, asked=1, max_follow_ups=1) is None
    assert follow_up(DEADLINE, STORY_WE, weak, asked=0, max_follow_ups=0) is None


def test_follow_up_targets_the_first_missed_key_point_in_interviewer_words():
    evaluation = _eval(IDEMPOTENCY, PARTIAL_TECH)
    missed = [k.key_point for k in evaluation.key_points if not k.covered]
    question = follow_up(IDEMPOTENCY, PARTIAL_TECH, evaluation, asked=0, max_follow_ups=1)
    assert question is not None
    assert missed and missed[0] in question.reason
    assert question.text.endswith("?")
    assert question.text != missed[0]


def test_off_topic_answer_is_brought_back_to_the_question():
    evaluation = _eval(IDEMPOTENCY, OFF_TOPIC)
    question = follow_up(IDEMPOTENCY, OFF_TOPIC, evaluation, asked=0, max_follow_ups=1)
    assert question is not None and IDEMPOTENCY.text in question.text


def test_key_points_become_natural_questions():
    assert as_question("Explains what they changed in how they estimate afterwards") == (
        "Could you explain what you changed in how you estimate afterwards?"
    )
    assert as_question("Uses a consistent definition and marks incomplete periods") == (
        "How would you use a consistent definition and mark incomplete periods?"
    )
    assert as_question("Told the people depending on them as soon as they knew") == (
        "You didn't mention whether you told the people depending on you as soon as you knew. Did you, and how?"
    )
    assert as_question("The server stores the key with the result") == (
        "Could you also cover how the server stores the key with the result?"
    )
    assert as_question("Kubernetes restarts the container when the liveness probe fails").startswith(
        "Could you also cover how Kubernetes restarts"
    )


def test_feedback_names_missed_key_points_and_quotes_the_answer():
    evaluation = _eval(IDEMPOTENCY, PARTIAL_TECH)
    fb = feedback(IDEMPOTENCY, PARTIAL_TECH, evaluation)
    missed = [k.key_point for k in evaluation.key_points if not k.covered]
    assert any(lower_first(missed[0]) in item for item in fb.improvements)
    assert any("The client should send an idempotency key" in s for s in fb.strengths)
    assert any("(missing)" in line for line in fb.improved_answer_outline)
    assert any("(you had this)" in line for line in fb.improved_answer_outline)


def test_key_points_continuing_a_sentence_start_in_lower_case_and_quoted_ones_as_written():
    # 124 of the bank's key points and corrections start with "A"; "You covered A process..." read as a typo, and
    # "You covered recognized the risk early" as bad grammar: a strength quotes the point as the bank words it.
    question = IDEMPOTENCY.model_copy(
        update={
            "text": "What is the difference between a process and a thread?",
            "key_points": [
                "A process has its own address space while threads of one process share memory",
                "A database index speeds up reads but slows down writes",
            ],
        }
    )
    answer = (
        "A process has its own memory space, while the threads of a process share that memory, so threads are "
        "cheaper to create but need locks around shared data."
    )
    evaluation = _eval(question, answer)
    fb = feedback(question, answer, evaluation)
    made = "You made the point “A process has its own address space while threads of one process share memory”: “"
    assert any(s.startswith(made) for s in fb.strengths), fb.strengths
    assert any("a database index speeds up reads" in i for i in fb.improvements), fb.improvements
    lowered = [r for c in evaluation.criteria for r in c.lowered_by if r.startswith("Did not cover")]
    assert lowered and all(r.startswith("Did not cover: a database index") for r in lowered)


def test_feedback_points_at_the_missing_star_part_and_the_we_problem():
    fb = feedback(DEADLINE, NO_RESULT, _eval(DEADLINE, NO_RESULT))
    assert any(i.startswith("Add the missing result") for i in fb.improvements)
    we = feedback(DEADLINE, STORY_WE, _eval(DEADLINE, STORY_WE))
    assert any("you said “we”" in i for i in we.improvements)


def test_feedback_is_not_one_fixed_text_per_question_type():
    buzz = feedback(IDEMPOTENCY, BUZZWORDS, _eval(IDEMPOTENCY, BUZZWORDS))
    good = feedback(IDEMPOTENCY, CONCISE, _eval(IDEMPOTENCY, CONCISE))
    assert buzz.improvements != good.improvements
    assert buzz.improved_answer_outline != good.improved_answer_outline
    assert any("jargon" in i for i in buzz.improvements)
    assert any("“leverage”" in i for i in buzz.improvements)
    assert good.strengths and not buzz.strengths


def test_feedback_teaches_the_question_s_common_mistakes_with_their_corrections():
    question = IDEMPOTENCY.model_copy(
        update={
            "misconceptions": [
                Misconception(
                    wrong="Using PUT instead of POST makes a payment endpoint safe to retry on its own.",
                    right="The HTTP method only states intent; the server must store an idempotency key.",
                )
            ]
        }
    )
    result = feedback(question, CONCISE, evaluate(question, CONCISE, role="backend_engineer", level="mid"))
    assert result.pitfalls == [
        "Some candidates say “Using PUT instead of POST makes a payment endpoint safe to retry on its own”. "
        "In fact, the HTTP method only states intent; the server must store an idempotency key."
    ]
    assert feedback(DEADLINE, STORY_I, evaluate(DEADLINE, STORY_I, role="any", level="mid")).pitfalls == []


def test_every_technical_bank_question_has_common_mistakes_that_its_key_points_do_not_trip() -> None:
    # A wrong claim that the offline matcher of correctness.py would find in one of the question's key points
    # (correct statements) would contradict the rubric. A key point that negates the claim is its correction.
    from interview.engine.bank import load_bank
    from interview.engine.correctness import FLAG_AT, MARGIN, negated
    from interview.engine.semantic import similarity

    technical = load_bank().of_type("technical")
    assert len(technical) > 100
    for question in technical:
        assert 2 <= len(question.misconceptions) <= 3, question.id
        wrong = similarity(question.key_points, [m.wrong for m in question.misconceptions])
        right = similarity(question.key_points, [m.right for m in question.misconceptions])
        same_polarity = np.array(
            [[negated(point) == negated(m.wrong) for m in question.misconceptions] for point in question.key_points]
        )
        tripped = (wrong >= FLAG_AT) & (wrong - right >= MARGIN) & same_polarity
        assert not tripped.any(), question.id


def test_the_outline_keeps_a_sentence_once_even_when_it_tells_two_star_parts():
    answer = "We had a slow release process, so we changed it. We moved to smaller releases and we were happier."
    evaluation = _eval(DEADLINE, answer)
    found = [p.evidence for p in evaluation.star if p.found and p.evidence]
    assert len(found) > len(set(found)), "the example needs one sentence found for two parts"
    outline = feedback(DEADLINE, answer, evaluation).improved_answer_outline
    kept = [line for line in outline if ": keep " in line]
    assert len(kept) == len(set(line.split(": keep ", 1)[1] for line in kept))
    assert any(line.startswith("Action: two or three steps you took yourself") for line in outline), outline
