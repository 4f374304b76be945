"""The offline evaluator: scores an answer 1 to 10 on the criteria that apply to its question type.

Criteria by question type, and their weights in the overall score (a weighted mean of the applicable ones):

=================  ==========  =========  =======
criterion          behavioral  technical  general
=================  ==========  =========  =======
clarity            0.15        0.10       0.20
communication      0.20        0.15       0.30
star_structure     0.30        -          -
role_relevance     0.35        0.25       0.50
technical_depth    -           0.50       -
=================  ==========  =========  =======

Each criterion is ``1 + 9 * q`` for a quality ``q`` in [0, 1] built from the measures of :mod:`measure`
(key-point coverage, relevance, specificity, ownership, STAR parts, length fit, buzzword density, fillers,
hedges, correctness flags and, for spoken answers, pace and pauses). An off-topic answer gets at most 2 on
every criterion. Form cannot make up for substance: the overall is at most the content criterion
(technical_depth for technical questions, role_relevance otherwise) plus 2. Every criterion lists what
raised it (``evidence``) and what lowered it (``lowered_by``).
The result is deterministic: the same question and answer always give the same evaluation.
"""

from collections.abc import Callable

import numpy as np

from interview.engine.measure import Measures, measure
from interview.engine.text import count, lower_first, quote
from practice_shared.models.interview import CriterionScore, Evaluation, Question
from practice_shared.models.voice import DeliveryMetrics

WEIGHTS: dict[str, dict[str, float]] = {
    "behavioral": {"clarity": 0.15, "communication": 0.20, "star_structure": 0.30, "role_relevance": 0.35},
    "technical": {"clarity": 0.10, "communication": 0.15, "role_relevance": 0.25, "technical_depth": 0.50},
    "general": {"clarity": 0.20, "communication": 0.30, "role_relevance": 0.50},
}
OFF_TOPIC_CAP = 2.0
CONTENT = {"behavioral": "role_relevance", "technical": "technical_depth", "general": "role_relevance"}
CONTENT_GAP = 2.0
PACE = (120.0, 170.0)
LONG_PAUSE_SECONDS = 3.0


class _Score:
    """Builds one criterion: a quality in [0, 1] with the reasons it went up or down."""

    def __init__(self, base: float):
        self.quality = base
        self.evidence: list[str] = []
        self.lowered_by: list[str] = []

    def up(self, amount: float, why: str) -> None:
        self.quality += amount
        if amount > 0.005:
            self.evidence.append(why)

    def down(self, amount: float, why: str) -> None:
        self.quality -= amount
        if amount > 0.005:
            self.lowered_by.append(why)

    def done(self, criterion: str, m: Measures) -> CriterionScore:
        score = 1.0 + 9.0 * float(np.clip(self.quality, 0.0, 1.0))
        if m.off_topic:
            score = min(score, OFF_TOPIC_CAP)
            self.lowered_by.insert(0, "The answer does not address the question that was asked.")
        return CriterionScore(
            criterion=criterion, score=round(score, 1), evidence=self.evidence, lowered_by=self.lowered_by
        )


def _coverage_reasons(s: _Score, m: Measures, weight: float) -> None:
    total = len(m.key_points)
    if m.covered:
        first = m.covered[0]
        s.up(
            weight * m.coverage,
            f"Covered {len(m.covered)} of {total} expected points, e.g. “{first.key_point}” "
            f"({quote(first.evidence or '')})",
        )
    else:
        s.up(weight * m.coverage, f"Comes near some of the {total} expected points without making one in full.")
    if m.missed:
        names = "; ".join(lower_first(k.key_point) for k in m.missed[:3])
        s.lowered_by.append(f"Did not cover: {names}" + (" and more" if len(m.missed) > 3 else "") + ".")


def _buzz(s: _Score, m: Measures, scale: float) -> None:
    penalty = scale * float(np.clip((m.buzz_density - 0.02) * 6.0, 0.0, 0.5))
    if penalty > 0:
        words = sorted(m.stats.buzzwords, key=lambda w: -m.stats.buzzwords[w])[:4]
        labels = ["STAR labels"] if m.star_labels else []
        s.down(
            penalty,
            f"Jargon instead of content ({', '.join(words + labels)}): {100 * m.buzz_density:.0f}% of the words.",
        )


def _delivery(s: _Score, m: Measures, *, pace: bool, pauses: bool, ratio: bool) -> None:
    d = m.delivery
    if d is None or not d.word_count:
        return
    wpm = d.words_per_minute
    if pace and wpm is not None:
        if PACE[0] <= wpm <= PACE[1]:
            s.up(0.05, f"From the recording: a comfortable pace of {wpm:.0f} words per minute.")
        else:
            gap = (PACE[0] - wpm) if wpm < PACE[0] else (wpm - PACE[1])
            s.down(
                min(0.2, gap / 150.0),
                f"From the recording: {wpm:.0f} words per minute, "
                f"{'slower' if wpm < PACE[0] else 'faster'} than the easy-to-follow 120 to 170.",
            )
    if pauses and d.longest_pause_seconds >= LONG_PAUSE_SECONDS:
        s.down(
            min(0.15, 0.03 * d.longest_pause_seconds),
            f"From the recording: {d.pause_count} long pauses, the longest {d.longest_pause_seconds:.1f} seconds.",
        )
    if ratio and d.speaking_ratio < 0.6:
        s.down(
            0.6 * (0.6 - d.speaking_ratio),
            f"From the recording: speaking only {100 * d.speaking_ratio:.0f}% of the time.",
        )


def _clarity(m: Measures) -> CriterionScore:
    s = _Score(0.3)
    s.up(0.4 * m.coverage, "Makes the expected points explicitly." if m.covered else "Touches on the expected points.")
    if m.filler_rate > 1.0:
        top = ", ".join(f"“{w}” x{c}" for w, c in sorted(m.fillers.items(), key=lambda i: -i[1])[:3])
        source = "From the recording: " if m.delivery is not None and m.delivery.word_count else ""
        s.down(
            min(0.35, 0.04 * (m.filler_rate - 1.0)), f"{source}{m.filler_rate:.1f} filler words per 100 words ({top})."
        )
    sentences = m.stats.sentences
    avg = m.stats.word_count / max(1, len(sentences))
    if avg > 30:
        s.down(min(0.25, (avg - 30) / 50), f"Long sentences ({avg:.0f} words on average) are hard to follow.")
    elif len(sentences) >= 2:
        s.up(0.1, f"Sentences of a readable length ({avg:.0f} words on average).")
    if m.stats.repeated_words:
        s.down(min(0.1, 0.03 * m.stats.repeated_words), f"Repeated words ({m.stats.repeated_words}).")
    if m.signposts:
        s.up(min(0.1, 0.04 * m.signposts), "Signposts the steps (first, then, because...).")
    s.up(0.1 * m.elaboration, "Develops its points.")
    if m.length_fit == "rambling":
        s.down(0.2, f"Rambles: {count(m.stats.word_count, 'word')} for {len(m.covered)} of the expected points.")
    elif m.length_fit == "too short":
        s.down(0.3 * (1 - m.length_score), f"Too short to be clear ({count(m.stats.word_count, 'word')}).")
    _buzz(s, m, 0.6)
    _delivery(s, m, pace=True, pauses=True, ratio=False)
    return s.done("clarity", m)


def _communication(m: Measures) -> CriterionScore:
    s = _Score(0.0)
    direct = float(np.clip((m.directness - 0.2) / 0.35, 0.0, 1.0))
    if direct >= 0.5:
        s.up(0.2 * direct, f"Gets to the point in the opening: {quote(m.opening)}.")
    else:
        s.up(0.2 * direct, "The opening relates to the question.")
        s.lowered_by.append("The opening does not answer the question directly.")
    s.up(
        0.35 * m.coverage,
        "Gets across what the interviewer is listening for."
        if m.covered
        else "Comes near what the interviewer is listening for.",
    )
    if m.specificity >= 0.4:
        names = ", ".join(m.named_terms[:4])
        s.up(0.15 * m.specificity, "Concrete details" + (f" ({names})" if names else "") + ".")
    else:
        s.quality += 0.15 * m.specificity
        s.lowered_by.append("Few concrete details: no numbers, names of tools or outcomes.")
    s.up(0.15 * m.elaboration, "Develops the answer beyond a headline.")
    if m.length_fit in {"good", "concise"} or (m.length_fit == "long" and m.length_score >= 0.9):
        s.up(0.15 * m.length_score, f"Length fits the question ({count(m.stats.word_count, 'word')}, {m.length_fit}).")
    else:
        s.quality += 0.15 * m.length_score
        s.lowered_by.append(f"Length: {count(m.stats.word_count, 'word')} ({m.length_fit}).")
    hedges = sum(m.stats.hedges.values())
    rate = 100.0 * hedges / max(1, m.stats.word_count)
    if rate > 1.5:
        s.down(min(0.15, 0.03 * rate), f"Hedging ({', '.join(m.stats.hedges)}) makes it sound unsure.")
    _buzz(s, m, 1.0)
    _delivery(s, m, pace=True, pauses=False, ratio=True)
    return s.done("communication", m)


def _role_relevance(m: Measures) -> CriterionScore:
    s = _Score(0.0)
    rel = m.relevance_norm
    behavioral = m.question.type == "behavioral"
    weight = 0.25 if behavioral else 0.35
    # A question the candidate wrote, with no bank question's rubric, has only abstract key points, and a concrete
    # story is as far from them and from the question's words as an unrelated one: only a clearly unrelated answer
    # is told that it is about something else.
    abstract = m.question.type != "technical" and not m.question.key_point_examples
    if rel >= 0.5:
        s.up(weight * rel, "Stays on the question.")
    elif abstract and rel > 0:
        s.up(weight * rel, "Related to the question.")
    else:
        s.up(weight * rel, "Partly related to the question.")
        s.lowered_by.append("Much of the answer is about something other than the question.")
    if behavioral:
        # A story shows a competency through what the candidate did, concretely: coverage of the abstract
        # key points is one signal among several.
        _coverage_reasons(s, m, 0.25)
        own = m.ownership or 0.0
        if own >= 0.6:
            s.up(0.2 * own, "Speaks about their own part (“I”).")
        else:
            s.up(0.2 * own, "Mentions their own part.")
            s.lowered_by.append("Says “we” far more than “I”: the interviewer cannot tell what you did.")
        if m.specificity >= 0.4:
            s.up(0.15 * m.specificity, "Concrete details (numbers, names, outcomes), not only general statements.")
        else:
            s.quality += 0.15 * m.specificity
        s.up(0.15 * m.elaboration, "Tells the story in enough detail.")
    else:
        _coverage_reasons(s, m, 0.45)
        s.up(0.2 * m.elaboration, "Develops the relevant points.")
    _buzz(s, m, 0.5)
    return s.done("role_relevance", m)


def _technical_depth(m: Measures) -> CriterionScore:
    s = _Score(0.0)
    _coverage_reasons(s, m, 0.6)
    s.up(0.15 * m.elaboration, "Goes into detail on the question.")
    s.up(0.15 * m.specificity, "Specific: " + (", ".join(m.named_terms[:5]) or "numbers and outcomes") + ".")
    if m.stats.nuance:
        s.up(min(0.1, 0.05 * m.stats.nuance), "Discusses trade-offs or limits.")
    else:
        s.lowered_by.append("No trade-offs or limits discussed.")
    for flag in m.flags[:2]:
        s.down(0.25, f"{quote(flag.sentence)} looks wrong (a common misconception): {lower_first(flag.conflicts_with)}")
    if not m.flags:
        s.evidence.append("No known misconception found (an offline check cannot verify every claim).")
    hedges = sum(m.stats.hedges.values())
    if hedges >= 2:
        s.down(min(0.12, 0.03 * hedges), f"Uncertain claims ({', '.join(m.stats.hedges)}).")
    if m.stats.absolutes >= 2 and not m.stats.nuance:
        s.down(
            min(0.12, 0.04 * m.stats.absolutes),
            "Sweeping claims (always, never, guaranteed, automatically) without caveats.",
        )
    _buzz(s, m, 1.0)
    return s.done("technical_depth", m)


def _star_structure(m: Measures) -> CriterionScore:
    s = _Score(0.0)
    star = m.star
    if star is None:
        return s.done("star_structure", m)
    for part in star.parts:
        if part.part == "reflection":
            continue
        if part.found:
            s.evidence.append(f"{part.part.capitalize()}: {quote(part.evidence or '')}")
        else:
            s.lowered_by.append(
                f"No clear {part.part}"
                + {
                    "situation": " (when and where this happened, and what was at stake).",
                    "task": " (what you were responsible for).",
                    "action": " (the steps you took yourself).",
                    "result": " (a measurable outcome).",
                }[part.part]
            )
    s.quality = star.score
    if star.quality["action"] and star.i_actions == 0:
        s.lowered_by.append("The actions are the team's (“we did”), not yours.")
    if star.vague_result:
        s.lowered_by.append(f"The result is vague: {quote(star.vague_result)}.")
    if star.quality["reflection"]:
        s.up(0.1, "Reflects on what they learned.")
    _buzz(s, m, 0.5)
    return s.done("star_structure", m)


_CRITERIA: dict[str, Callable[[Measures], CriterionScore]] = {
    "clarity": _clarity,
    "communication": _communication,
    "star_structure": _star_structure,
    "role_relevance": _role_relevance,
    "technical_depth": _technical_depth,
}


def _signals(m: Measures) -> dict[str, float | int | str]:
    signals: dict[str, float | int | str] = {
        "word_count": m.stats.word_count,
        "sentence_count": len(m.stats.sentences),
        "key_point_coverage": round(m.coverage, 3),
        "key_points_covered": len(m.covered),
        "key_points_total": len(m.key_points),
        "relevance": round(m.relevance, 3),
        "off_topic": int(m.off_topic),
        "specificity": round(m.specificity, 3),
        "numbers": m.stats.numbers,
        "named_terms": len(m.named_terms),
        "buzzword_density": round(m.buzz_density, 3),
        "filler_count": sum(m.fillers.values()),
        "fillers_per_100_words": round(m.filler_rate, 2),
        "hedges": sum(m.stats.hedges.values()),
        "absolutes": m.stats.absolutes,
        "nuance_markers": m.stats.nuance,
        "length_fit": m.length_fit,
        "correctness_flags": len(m.flags),
    }
    if m.ownership is not None:
        signals["ownership"] = round(m.ownership, 3)
        signals["i_count"] = m.stats.first_singular
        signals["we_count"] = m.stats.first_plural
    if m.star is not None:
        signals["star_parts_found"] = sum(1 for p in m.star.parts if p.found and p.part != "reflection")
        signals["i_action_sentences"] = m.star.i_actions
        signals["we_action_sentences"] = m.star.we_actions
    if m.delivery is not None:
        if m.delivery.words_per_minute is not None:
            signals["words_per_minute"] = round(m.delivery.words_per_minute, 1)
        signals["longest_pause_seconds"] = round(m.delivery.longest_pause_seconds, 2)
        signals["speaking_ratio"] = round(m.delivery.speaking_ratio, 3)
    return signals


def weighted_overall(question_type: str, scores: dict[str, float]) -> float:
    """The overall score: the weighted mean of the criteria that apply to ``question_type``."""
    weights = WEIGHTS[question_type]
    total = sum(weights[c] * scores[c] for c in weights)
    return round(total / sum(weights.values()), 1)


def _empty(question: Question) -> Evaluation:
    criteria = [
        CriterionScore(criterion=c, score=1.0, lowered_by=["No answer was given."]) for c in WEIGHTS[question.type]
    ]
    return Evaluation(overall=1.0, criteria=criteria, signals={"word_count": 0})


def evaluate(
    question: Question, answer: str, *, role: str, level: str, delivery: DeliveryMetrics | None = None
) -> Evaluation:
    """Score ``answer`` to ``question`` offline (``role`` and ``level`` are recorded in the signals)."""
    m = measure(question, answer, delivery)
    if m.stats.word_count == 0:
        return _empty(question)
    criteria = [_CRITERIA[name](m) for name in WEIGHTS[question.type]]
    scores = {c.criterion: c.score for c in criteria}
    # Delivery cannot make up for substance: the overall is at most the content criterion plus CONTENT_GAP.
    overall = min(weighted_overall(question.type, scores), scores[CONTENT[question.type]] + CONTENT_GAP)
    signals = _signals(m) | {"role": role, "level": level}
    return Evaluation(
        overall=min(overall, OFF_TOPIC_CAP) if m.off_topic else overall,
        criteria=criteria,
        key_points=m.key_points,
        star=m.star.parts if m.star else [],
        signals=signals,
    )
