"""Feedback on one answer: what worked, what to improve, and an outline of a better answer.

Everything refers to this question and this answer: the sentences that covered a key point are quoted,
missed key points are named, a missing or vague STAR part is pointed out with the sentence at fault, and the
outline marks which expected points the answer already had.
"""

from interview.engine import text as tx
from interview.engine.followup import WE_HEAVY_BELOW, as_you_clause
from practice_shared.models.interview import Evaluation, Feedback, Question

_STAR_HINTS = {
    "situation": "Situation: one or two sentences on when and where it happened and what was at stake",
    "task": "Task: what you were responsible for, in one sentence",
    "action": "Action: two or three steps you took yourself, each starting with “I”",
    "result": "Result: what changed, with a number (time saved, errors reduced, revenue, users)",
}


def _number(evaluation: Evaluation, name: str, default: float = 0.0) -> float:
    value = evaluation.signals.get(name, default)
    return float(value) if isinstance(value, int | float) else default


def _strengths(question: Question, evaluation: Evaluation, stats: tx.TextStats) -> list[str]:
    strengths: list[str] = []
    for match in [k for k in evaluation.key_points if k.covered][:2]:
        strengths.append(f"You made the point “{match.key_point}”: {tx.quote(match.evidence or '')}.")
    star = {p.part: p for p in evaluation.star}
    if question.type == "behavioral":
        result = star.get("result")
        if result is not None and result.found:
            strengths.append(f"You ended with a concrete result: {tx.quote(result.evidence or '')}.")
        if _number(evaluation, "ownership", 0) >= 0.6 and stats.first_singular >= 3:
            strengths.append(
                f"You made your own part clear: “I” {tx.times(stats.first_singular)}, “we” "
                + (tx.times(stats.first_plural) if stats.first_plural else "not at all")
                + "."
            )
        reflection = star.get("reflection")
        if reflection is not None and reflection.found:
            strengths.append(f"You reflected on what you learned: {tx.quote(reflection.evidence or '')}.")
    on_point = any(k.covered for k in evaluation.key_points) and not _number(evaluation, "off_topic")
    if on_point and _number(evaluation, "specificity") >= 0.5 and (stats.numbers or _number(evaluation, "named_terms")):
        strengths.append(
            "You were specific"
            + (f", with {stats.numbers} figure{'s' if stats.numbers != 1 else ''}" if stats.numbers else "")
            + " and named concrete tools or facts rather than speaking in generalities."
        )
    covered = sum(k.covered for k in evaluation.key_points)
    if evaluation.signals.get("length_fit") == "concise" and 2 * covered >= len(evaluation.key_points):
        strengths.append(
            f"You were concise: {tx.count(stats.word_count, 'word')} that made {covered} of the "
            f"{len(evaluation.key_points)} expected points."
        )
    if question.type == "technical" and _number(evaluation, "nuance_markers") >= 1:
        strengths.append("You discussed trade-offs or limits, which shows judgment.")
    wpm = _number(evaluation, "words_per_minute")
    if wpm and 120 <= wpm <= 170:
        strengths.append(f"You spoke at a comfortable pace ({wpm:.0f} words per minute).")
    return strengths


def _improvements(question: Question, evaluation: Evaluation, stats: tx.TextStats) -> list[str]:
    items: list[str] = []
    if _number(evaluation, "off_topic"):
        items.append(f"Answer the question that was asked (“{question.text}”): your answer was about something else.")
    for criterion in evaluation.criteria:
        items.extend(f"Check this claim: {r}" for r in criterion.lowered_by if "looks wrong" in r)
    missed = [k for k in evaluation.key_points if not k.covered]
    if missed:
        names = "; ".join(tx.lower_first(k.key_point) for k in missed[:2])
        more = f" (and {len(missed) - 2} more)" if len(missed) > 2 else ""
        items.append(f"Cover what the interviewer listens for: {names}{more}.")
    if question.type == "behavioral":
        if _number(evaluation, "ownership", 1) < WE_HEAVY_BELOW and stats.first_plural >= 3:
            items.append(
                f"Say what you did yourself: you said “we” {tx.times(stats.first_plural)} and “I” "
                + (tx.times(stats.first_singular) if stats.first_singular else "not at all")
                + ", so your own contribution is hard to see."
            )
        for part in evaluation.star:
            if part.part in _STAR_HINTS and not part.found:
                items.append(f"Add the missing {part.part}. {_STAR_HINTS[part.part]}.")
        vague = next(
            (r for c in evaluation.criteria for r in c.lowered_by if r.startswith("The result is vague")), None
        )
        if vague:
            items.append(f"{vague} Replace it with what changed and by how much.")
    # A precise answer that makes (nearly) every expected point needs no anecdote.
    most_made = bool(evaluation.key_points) and 5 * len(missed) <= len(evaluation.key_points)
    if _number(evaluation, "specificity", 1) < 0.3 and not _number(evaluation, "off_topic") and not most_made:
        example = "a real incident, system or number from your work"
        items.append(f"Make it concrete: your answer has no figures or named tools; add {example}.")
    if stats.buzzwords and _number(evaluation, "buzzword_density") > 0.03:
        words = ", ".join(f"“{w}”" for w in sorted(stats.buzzwords, key=lambda w: -stats.buzzwords[w])[:4])
        items.append(f"Drop jargon such as {words} and say plainly what you did or how it works.")
    if question.type == "behavioral" and stats.star_labels >= 3:
        items.append(
            "Tell the story instead of naming its parts: the words “situation”, “task”, “action” and "
            "“result” do not make a STAR answer by themselves."
        )
    length_fit = evaluation.signals.get("length_fit")
    if length_fit == "too short":
        items.append(
            f"Develop the answer: {tx.count(stats.word_count, 'word')} is too little to show what you know; "
            "add one example and one detail."
        )
    elif length_fit == "rambling":
        items.append(
            f"Tighten it: {tx.count(stats.word_count, 'word')} for few of the expected points; lead with the answer "
            "and cut repetition."
        )
    fillers = _number(evaluation, "fillers_per_100_words")
    if fillers > 3:
        top = ", ".join(f"“{w}”" for w in sorted(stats.fillers, key=lambda w: -stats.fillers[w])[:3]) or "filler words"
        items.append(f"Cut filler words ({top}): {fillers:.1f} per 100 words. Pause silently instead.")
    if sum(stats.hedges.values()) >= 3:
        items.append(f"Sound more certain: {', '.join(f'“{h}”' for h in stats.hedges)} make the answer sound unsure.")
    wpm = _number(evaluation, "words_per_minute")
    if wpm and not 120 <= wpm <= 170:
        items.append(f"Adjust your pace: {wpm:.0f} words per minute; aim for 120 to 170.")
    if _number(evaluation, "longest_pause_seconds") >= 3:
        items.append(
            f"Avoid long silences (the longest was {_number(evaluation, 'longest_pause_seconds'):.0f} "
            "seconds): say “let me think for a moment” and then structure your answer."
        )
    if (
        question.type == "technical"
        and _number(evaluation, "nuance_markers") == 0
        and not _number(evaluation, "off_topic")
    ):
        items.append("Add a trade-off or a limit of your approach, and how you would verify it works.")
    return items


def _outline(question: Question, evaluation: Evaluation) -> list[str]:
    outline: list[str] = []
    star = {p.part: p for p in evaluation.star}
    if question.type == "behavioral":
        kept: set[str] = set()  # a sentence that tells two parts is kept once; the second part is still to write
        for part, hint in _STAR_HINTS.items():
            found = star.get(part)
            evidence = found.evidence if found is not None and found.found else None
            if evidence and evidence not in kept:
                kept.add(evidence)
                outline.append(f"{part.capitalize()}: keep {tx.quote(evidence, 60)}")
            else:
                outline.append(hint)
        missed = [k for k in evaluation.key_points if not k.covered]
        for point in missed[:2]:
            outline.append(f"Make sure the story shows that you {as_you_clause(point.key_point)}")
        if not (star.get("reflection") and star["reflection"].found):
            outline.append("Close with what you learned or would do differently")
        return outline
    outline.append("Open with a one-sentence direct answer to: " + question.text)
    for match in evaluation.key_points:
        status = "you had this" if match.covered else "missing"
        outline.append(f"{match.key_point} ({status})")
    if _number(evaluation, "specificity", 1) < 0.5:
        outline.append("Add one concrete example from your own work, with a number")
    if question.type == "technical" and _number(evaluation, "nuance_markers") == 0:
        outline.append("Finish with a trade-off and how you would test or measure it")
    return outline


def _pitfalls(question: Question) -> list[str]:
    """The question's known misconceptions, each with the statement that corrects it.

    Shown whatever the answer said: telling a wrong claim from a right one that uses the same words is beyond the
    offline evaluator's sentence similarity (tried: it flagged strong answers), so these are lessons, not verdicts.
    """
    return [
        f"Some candidates say {tx.quote(m.wrong, 200)}. In fact, {tx.lower_first(m.right)}"
        for m in question.misconceptions
    ]


def feedback(question: Question, answer: str, evaluation: Evaluation) -> Feedback:
    """Strengths, improvements, an improved-answer outline and the question's common pitfalls for this answer."""
    stats = tx.analyse(answer)
    if stats.word_count == 0:
        return Feedback(
            strengths=[],
            improvements=["Give an answer: even a short one can be scored and improved."],
            improved_answer_outline=_outline(question, evaluation),
            pitfalls=_pitfalls(question),
        )
    return Feedback(
        strengths=_strengths(question, evaluation, stats),
        improvements=_improvements(question, evaluation, stats),
        improved_answer_outline=_outline(question, evaluation),
        pitfalls=_pitfalls(question),
    )
