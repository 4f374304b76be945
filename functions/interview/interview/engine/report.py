"""The end-of-session report: scores, a per-question table, themes to keep and to fix, and a practice plan.

Follow-up answers fold into their question: each criterion of a question is the first answer's score,
raised to the mean of the first answer's and a follow-up answer's score when that is higher. A good
follow-up so recovers part of what the first answer missed; a weak one never lowers the question. The
overall of a question is recomputed from its folded criteria with the evaluator's weights. Averages are
taken over answered questions only. An answer stored without an evaluation (collect mode) is evaluated
offline here. The function is pure: the same session and answers always give the same report.
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from interview.engine.evaluator import WEIGHTS, evaluate, weighted_overall
from interview.engine.feedback import feedback
from interview.engine.followup import as_you_clause
from interview.engine.skills import display, join_words
from practice_shared.models.common import ROLE_TITLES
from practice_shared.models.interview import (
    Evaluation,
    Feedback,
    FollowUpResult,
    PracticeItem,
    Question,
    QuestionResult,
    Report,
)
from practice_shared.models.session import AnswerRecord, PlannedQuestion, SessionRecord

CRITERION_NAMES = {
    "clarity": "clarity",
    "communication": "communication",
    "star_structure": "STAR structure",
    "role_relevance": "relevance to the role",
    "technical_depth": "technical depth",
}
WEAK_BELOW = 6.5
IMPROVED_BY = 0.5  # how much higher than the first attempt a question asked again must score to count as improved
EXERCISES = {
    "star_structure": "Write three stories from your work in four sentences each (situation, task, your actions, "
    "result with a number) and tell each aloud in under two minutes.",
    "technical_depth": "For each topic, explain it aloud in 90 seconds: how it works, one trade-off, and how you "
    "would test it; then check your answer against the points listed for that question.",
    "communication": "Record a one-minute answer that opens with a one-sentence answer, gives one concrete example "
    "with a number, and stops.",
    "clarity": "Answer one question again aloud, pausing silently instead of using filler words, in sentences of "
    "under 25 words.",
    "role_relevance": "Before each answer, restate the question in one sentence, then make sure every example you "
    "give serves it; cut anything that does not.",
}


@dataclass(frozen=True)
class _Scored:
    """One planned question with its answers and folded scores."""

    planned: PlannedQuestion
    main: AnswerRecord | None
    follow_ups: list[AnswerRecord]
    follow_up_scores: dict[int, float]  # each follow-up answer's own overall, by follow_up_index
    evaluation: Evaluation | None
    feedback: Feedback | None
    criteria: dict[str, float]
    overall: float | None
    earlier: tuple[float, ...] = ()  # the overall of each earlier attempt at the question, oldest first


def _attempts(answers: list[AnswerRecord]) -> dict[int, list[AnswerRecord]]:
    """For each question, the last answer to the question itself in each of its attempts, oldest attempt first
    (``answers`` in the order they were given)."""
    by_attempt: dict[int, dict[int, AnswerRecord]] = defaultdict(dict)
    for answer in answers:
        if answer.follow_up_index == 0 and answer.text.strip():
            by_attempt[answer.question_index][answer.attempt] = answer
    return {q: [attempts[k] for k in sorted(attempts)] for q, attempts in by_attempt.items()}


def _latest(
    answers: list[AnswerRecord], attempts: dict[int, list[AnswerRecord]]
) -> dict[tuple[int, int], AnswerRecord]:
    """The answers that count, by (question, follow-up): the last of each (``answers`` in the order they were given)
    in the question's latest attempt (a later attempt replaces an earlier one whole, its follow-ups included)."""
    counted = {q: answered[-1].attempt for q, answered in attempts.items()}
    latest: dict[tuple[int, int], AnswerRecord] = {}
    for answer in answers:
        if answer.attempt == counted.get(answer.question_index):
            latest[(answer.question_index, answer.follow_up_index)] = answer
    return latest


def _evaluated(question: Question, answer: AnswerRecord, session: SessionRecord) -> tuple[Evaluation, Feedback]:
    evaluation = answer.evaluation or evaluate(
        question, answer.text, role=session.config.role, level=session.config.level, delivery=answer.delivery
    )
    return evaluation, answer.feedback or feedback(question, answer.text, evaluation)


def _score(
    planned: PlannedQuestion,
    latest: dict[tuple[int, int], AnswerRecord],
    earlier_attempts: list[AnswerRecord],
    session: SessionRecord,
) -> _Scored:
    main = latest.get((planned.index, 0))
    follow_ups = [a for (q, f), a in sorted(latest.items()) if q == planned.index and f > 0]
    if main is None or not main.text.strip():
        return _Scored(planned, main, follow_ups, {}, None, None, {}, None)
    earlier = tuple(_evaluated(planned.question, a, session)[0].overall for a in earlier_attempts)
    evaluation, fb = _evaluated(planned.question, main, session)
    criteria = {c.criterion: c.score for c in evaluation.criteria}
    follow_up_scores: dict[int, float] = {}
    for extra in follow_ups:
        if not extra.text.strip():
            continue
        extra_eval, _ = _evaluated(planned.question, extra, session)
        follow_up_scores[extra.follow_up_index] = extra_eval.overall
        for c in extra_eval.criteria:
            if c.criterion in criteria:
                criteria[c.criterion] = max(criteria[c.criterion], round((criteria[c.criterion] + c.score) / 2, 1))
    overall = evaluation.overall
    if follow_ups and set(criteria) == set(WEIGHTS[planned.question.type]):
        overall = max(overall, weighted_overall(planned.question.type, criteria))
    return _Scored(planned, main, follow_ups, follow_up_scores, evaluation, fb, criteria, overall, earlier)


def _delivery_row(answer: AnswerRecord | None) -> dict[str, float | int] | None:
    if answer is None or answer.delivery is None:
        return None
    d = answer.delivery
    pace = {} if d.words_per_minute is None else {"words_per_minute": d.words_per_minute}
    return {
        **pace,
        "fillers_per_100_words": round(d.fillers_per_100_words, 2),
        "pause_count": d.pause_count,
        "longest_pause_seconds": round(d.longest_pause_seconds, 2),
        "speaking_ratio": round(d.speaking_ratio, 3),
    }


def _follow_up_answers(item: _Scored, asked: list[str]) -> list[FollowUpResult]:
    """Follow-up k (from 1) is asked after answer k - 1 and answered by the answer with ``follow_up_index`` k."""
    answers = {a.follow_up_index: a for a in item.follow_ups}
    results = []
    for k, question in enumerate(asked, start=1):
        answer = answers.get(k)
        if answer is None or not answer.text.strip():
            results.append(FollowUpResult(question=question))
            continue
        results.append(
            FollowUpResult(
                question=question,
                answer=answer.text,
                overall=item.follow_up_scores.get(k),
                language_warning=answer.language_warning,
                delivery=_delivery_row(answer),
                audio_key=answer.audio_key,
            )
        )
    return results


def _row(item: _Scored) -> QuestionResult:
    asked = [a.follow_up.text for a in ([item.main] if item.main else []) + item.follow_ups if a.follow_up]
    return QuestionResult(
        index=item.planned.index,
        question=item.planned.question.text,
        question_type=item.planned.question.type,
        answer=item.main.text if item.main else "",
        overall=item.overall,
        criteria=item.criteria,
        feedback=item.feedback,
        follow_ups=asked,
        follow_up_answers=_follow_up_answers(item, asked),
        language_warning=item.main.language_warning if item.main else None,
        delivery=_delivery_row(item.main),
        audio_key=item.main.audio_key if item.main else None,
        attempts=len(item.earlier) + 1 if item.main else 0,
        earlier_overall=list(item.earlier),
        answer_overall=item.evaluation.overall if item.evaluation else None,
    )


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1)


def _themes(scored: list[_Scored]) -> tuple[list[str], list[str]]:
    """Strengths and improvements that recur across answers, most frequent first, each said once."""
    good: dict[str, list[int]] = defaultdict(list)
    bad: dict[str, list[int]] = defaultdict(list)
    for item in scored:
        e, q, n = item.evaluation, item.planned.question, item.planned.index + 1
        if e is None:
            continue
        s = e.signals
        if item.earlier and item.overall is not None and item.overall >= item.earlier[0] + IMPROVED_BY:
            good["You improved on your first attempt when you answered again after the feedback"].append(n)
        if s.get("off_topic"):
            bad["Answer the question that was asked before adding anything else"].append(n)
            continue
        covered = [k for k in e.key_points if k.covered]
        if e.key_points and len(covered) / len(e.key_points) >= 0.6:
            good["You covered most of what interviewers listen for"].append(n)
        elif e.key_points:
            bad["Cover more of the expected points; the outline under each question lists them"].append(n)
        if q.type == "behavioral":
            result = next((p for p in e.star if p.part == "result"), None)
            if result is not None and result.found:
                good["Your stories end with a concrete result"].append(n)
            else:
                bad["Finish every story with a measurable result"].append(n)
            if float(s.get("ownership", 1)) < 0.4:
                bad["Say what you did yourself (“I”), not only what the team did (“we”)"].append(n)
            elif float(s.get("ownership", 0)) >= 0.6:
                good["You made your own contribution clear"].append(n)
        if float(s.get("specificity", 0)) >= 0.5 and float(s.get("buzzword_density", 0)) <= 0.03:
            good["You gave specifics: numbers, tools and outcomes"].append(n)
        elif float(s.get("specificity", 1)) < 0.3:
            bad["Add specifics: numbers, names of tools, concrete outcomes"].append(n)
        if float(s.get("buzzword_density", 0)) > 0.03:
            bad["Replace jargon with plain statements of what you did"].append(n)
        if float(s.get("fillers_per_100_words", 0)) > 3:
            bad["Cut filler words; pause silently instead"].append(n)
        if s.get("length_fit") == "too short":
            bad["Develop short answers with one example and one detail"].append(n)
        elif s.get("length_fit") == "rambling":
            bad["Lead with the answer and cut what does not serve it"].append(n)
        elif s.get("length_fit") == "concise":
            good["Concise answers that still make the key points"].append(n)
        if q.type == "technical" and int(s.get("correctness_flags", 0)):
            bad["Check the technical claims flagged in the feedback"].append(n)
        if q.type == "technical" and int(s.get("nuance_markers", 0)):
            good["You discussed trade-offs and limits"].append(n)

    def ranked(themes: dict[str, list[int]]) -> list[str]:
        order = sorted(themes.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        return [
            f"{text} (question{'s' if len(qs) > 1 else ''} {join_words([str(i) for i in qs])})."
            for text, qs in order[:5]
        ]

    return ranked(good), ranked(bad)


def _delivery_summary(scored: list[_Scored]) -> dict[str, float | int | str] | None:
    answers = [a for i in scored for a in ([i.main] if i.main else []) + i.follow_ups]
    spoken = [a.delivery for a in answers if a.delivery is not None and a.delivery.word_count]
    if not spoken:
        return None
    words = sum(d.word_count for d in spoken)
    paced = [d.words_per_minute for d in spoken if d.words_per_minute is not None]
    wpm = _mean(paced) if paced else None
    summary: dict[str, float | int | str] = {
        "voice_answers": len(spoken),
        "fillers_per_100_words": round(100.0 * sum(d.filler_count for d in spoken) / max(1, words), 2),
        "pauses": sum(d.pause_count for d in spoken),
        "longest_pause_seconds": round(max(d.longest_pause_seconds for d in spoken), 2),
        "speaking_ratio": round(sum(d.speaking_ratio for d in spoken) / len(spoken), 3),
    }
    if wpm is not None:  # every spoken answer too short for a pace: none is shown
        summary["words_per_minute"] = wpm
        summary["pace"] = "comfortable" if 120 <= wpm <= 170 else ("slow" if wpm < 120 else "fast")
    return summary


def _practice_plan(scored: list[_Scored], criteria: dict[str, float], level: str) -> list[PracticeItem]:
    answered = [i for i in scored if i.overall is not None]
    plan: list[PracticeItem] = []
    for criterion, score in sorted(criteria.items(), key=lambda kv: (kv[1], kv[0])):
        if score >= WEAK_BELOW or len(plan) >= 3:
            break
        name = CRITERION_NAMES[criterion]
        exercise = EXERCISES[criterion]
        if criterion == "technical_depth":
            topics = sorted(
                {
                    t
                    for i in answered
                    if i.planned.question.type == "technical" and i.criteria.get("technical_depth", 10) < WEAK_BELOW
                    for t in i.planned.question.topics
                }
            )
            if topics:
                exercise = f"Topics: {join_words([display(t) for t in topics[:4]])}. " + exercise
        plan.append(
            PracticeItem(
                focus=name[:1].upper() + name[1:],
                why=f"Your average for {name} was {score} out of 10.",
                exercise=exercise,
            )
        )
    weak_stories = [i for i in answered if i.planned.question.type == "behavioral" and (i.overall or 0) < WEAK_BELOW]
    for item in weak_stories[:2]:
        competency = item.planned.question.competency or "behavioral questions"
        missed = [k.key_point for k in (item.evaluation.key_points if item.evaluation else []) if not k.covered]
        plan.append(
            PracticeItem(
                focus=f"A story about {competency}",
                why=f"Question {item.planned.index + 1} scored {item.overall} out of 10.",
                exercise="Prepare one story for this competency and tell it in STAR order"
                + (f", making sure it shows that you {as_you_clause(missed[0])}." if missed else "."),
            )
        )
    if not plan and answered:
        plan.append(
            PracticeItem(
                focus="Raise the bar",
                why="Every criterion averaged at least 6.5 out of 10.",
                exercise=(
                    "Practice senior-level questions next: design trade-offs, leading without authority and "
                    "handling ambiguity."
                )
                if level != "senior"
                else "Practice with stricter time limits: two minutes per answer, one follow-up each.",
            )
        )
    return plan


def _summary_text(
    session: SessionRecord,
    answered: int,
    asked: int,
    overall: float | None,
    criteria: dict[str, float],
    improvements: list[str],
) -> str:
    role = ROLE_TITLES.get(session.config.role, session.config.role)
    if overall is None:
        return (
            f"You answered none of the {len(session.plan)} questions of this {role} practice session, "
            "so there is nothing "
            "to score yet. Try again and answer at least one question."
        )
    parts = [
        f"You answered {answered} of {asked} questions in this {role} practice session, with an overall "
        f"score of {overall} out of 10."
    ]
    if len(criteria) >= 2:
        best = max(criteria.items(), key=lambda kv: (kv[1], kv[0]))
        worst = min(criteria.items(), key=lambda kv: (kv[1], kv[0]))
        parts.append(
            f"Your strongest area was {CRITERION_NAMES[best[0]]} at {best[1]}, and the weakest was "
            f"{CRITERION_NAMES[worst[0]]} at {worst[1]}."
        )
    if improvements:
        focus = re.sub(r"\s*\([^)]*\)", "", improvements[0]).rstrip(".")
        parts.append(f"Next time, focus on this: {focus[0].lower()}{focus[1:]}.")
    text = " ".join(parts)
    for symbol, word in (("“", ""), ("”", ""), ("(", ""), (")", ""), ("%", " percent"), (" / ", " and "), ("/", " ")):
        text = text.replace(symbol, word)
    return text


def build_report(session: SessionRecord, answers: list[AnswerRecord]) -> Report:
    """The report of ``session`` from its stored ``answers`` (a pure function of its inputs)."""
    in_order = sorted(answers, key=lambda a: (a.created_at, a.answer_id))
    attempts = _attempts(in_order)
    latest = _latest(in_order, attempts)
    scored = [
        _score(planned, latest, attempts.get(planned.index, [])[:-1], session)
        for planned in sorted(session.plan, key=lambda p: p.index)
    ]
    answered = [i for i in scored if i.overall is not None]
    criteria_values: dict[str, list[float]] = defaultdict(list)
    for item in answered:
        for name, value in item.criteria.items():
            criteria_values[name].append(value)
    criteria = {name: _mean(values) for name, values in sorted(criteria_values.items())}
    overall = _mean([i.overall for i in answered if i.overall is not None]) if answered else None
    strengths, improvements = _themes(scored)
    shown = session.current_index if session.state != "created" else -1
    asked_indexes = {i.planned.index for i in scored if i.main is not None} | {
        p.index for p in session.plan if p.index <= shown
    }
    engines = {i.evaluation.engine for i in answered if i.evaluation is not None}
    return Report(
        session_id=session.session_id,
        role=session.config.role,
        level=session.config.level,
        overall=overall,
        criteria=criteria,
        questions=[_row(i) for i in scored],
        strengths=strengths,
        improvements=improvements,
        delivery_summary=_delivery_summary(scored),
        practice_plan=_practice_plan(scored, criteria, session.config.level),
        summary_text=_summary_text(session, len(answered), len(asked_indexes), overall, criteria, improvements),
        answered=len(answered),
        asked=len(asked_indexes),
        engine="bedrock" if engines == {"bedrock"} else "offline",
    )
