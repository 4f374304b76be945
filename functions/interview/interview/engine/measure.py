"""Measurements of one answer that the evaluator turns into scores: meaning first, then form.

Meaning comes from sentence embeddings (see :mod:`semantic`): every key point (or, when closer, one of the
example sentences the bank gives for an abstract key point) is compared with every sentence (and clause of a
long sentence) of the answer that makes it (nearer the point than the question, see :func:`_beyond_question`);
a key point is covered when the best similarity reaches ``COVERED_AT`` and earns partial credit along
``SOFT_RAMP``. Relevance is how close the answer's most on-topic sentences are to the question and its key
points; below ``OFF_TOPIC_BELOW`` (by question type) and no key point comes near (``OFF_TOPIC_MAX_POINT``), the
answer is treated as off-topic. Elaboration is the number of distinct content words in on-topic sentences
(relevance >= ``ON_TOPIC_AT`` for the question type), saturating at ``ELABORATED_WORDS``. Form comes from word
tokens (see :mod:`text`).
"""

import re
from dataclasses import dataclass

import numpy as np

from interview.engine import text as tx
from interview.engine.correctness import Flag, misconceptions
from interview.engine.semantic import similarity
from interview.engine.skills import DISPLAY, SYNONYMS, display, find_topics
from interview.engine.star import StarAnalysis, analyse_star
from practice_shared.models.interview import KeyPointMatch, Question
from practice_shared.models.voice import DeliveryMetrics

COVERED_AT = 0.45
BEYOND_QUESTION = 0.1
# Partial credit ramps by question type: behavioral key points are abstract ("recognized the risk early")
# and the stories that cover them are concrete, so their similarities run lower than technical ones.
SOFT_RAMP = {"technical": (0.3, 0.6), "general": (0.25, 0.55), "behavioral": (0.2, 0.5)}
OFF_TOPIC_BELOW = {"technical": 0.3, "general": 0.25, "behavioral": 0.2}
OFF_TOPIC_MAX_POINT = 0.35
RELEVANT_LOW, RELEVANT_HIGH = 0.25, 0.55
ON_TOPIC_AT = {"technical": 0.35, "general": 0.3, "behavioral": 0.25}
ELABORATED_WORDS = 80
# Words of a complete spoken answer: below the range an answer is short, above it long.
IDEAL_WORDS = {"behavioral": (90, 300), "technical": (40, 250), "general": (40, 220)}
_VOCABULARY = frozenset(DISPLAY) | frozenset(SYNONYMS.values())
_PROPER_NOUN = re.compile(r"^(?:[A-Z][a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]{2,}|[A-Z]{2,}s?|[A-Z][a-z]*\d+)$")
_NOT_NAMES = {
    "I",
    "OK",
    "So",
    "And",
    "But",
    "Then",
    "The",
    "We",
    "My",
    "Our",
    "It",
    "This",
    "That",
    "Also",
    "First",
    "Second",
    "Third",
    "Finally",
    "After",
    "Before",
    "When",
    "If",
    "Because",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Black",
    "Christmas",
    "English",
    "Situation",
    "Task",
    "Action",
    "Result",
    "STAR",
    "CEO",
    "CTO",
    "VP",
}
_SIGNPOSTS = {"first", "firstly", "second", "secondly", "then", "next", "finally", "because", "therefore"}


@dataclass(frozen=True)
class Measures:
    """Everything measured about one answer."""

    question: Question
    stats: tx.TextStats
    units: list[str]
    key_points: list[KeyPointMatch]
    coverage: float
    relevance: float
    directness: float
    opening: str
    elaboration: float
    off_topic: bool
    named_terms: list[str]
    specificity: float
    ownership: float | None
    star: StarAnalysis | None
    flags: list[Flag]
    length_fit: str
    length_score: float
    star_labels: int
    buzz_density: float
    filler_rate: float
    fillers: dict[str, int]
    signposts: int
    delivery: DeliveryMetrics | None

    @property
    def covered(self) -> list[KeyPointMatch]:
        return [k for k in self.key_points if k.covered]

    @property
    def missed(self) -> list[KeyPointMatch]:
        return [k for k in self.key_points if not k.covered]

    @property
    def relevance_norm(self) -> float:
        return _ramp(self.relevance, RELEVANT_LOW, RELEVANT_HIGH)


def _ramp(value: float, low: float, high: float) -> float:
    return float(np.clip((value - low) / (high - low), 0.0, 1.0))


def _units(sentences: list[str]) -> tuple[list[str], list[int]]:
    units: list[str] = []
    parents: list[int] = []
    for index, sentence in enumerate(sentences):
        pieces = tx.clauses(sentence)
        for piece in [sentence] + (pieces if len(pieces) > 1 else []):
            units.append(piece)
            parents.append(index)
    return units, parents


def _named_terms(answer: str, topics: list[str]) -> list[str]:
    found = {display(t) for t in find_topics(answer, _VOCABULARY | frozenset(topics))}
    lowered = {f.lower() for f in found}
    for sentence in tx.sentences(answer):
        # Capitalized words after the first of a sentence are names: tools, products, companies.
        for token in re.findall(r"[A-Za-z][A-Za-z0-9.+#-]*[A-Za-z0-9+#]", sentence)[1:]:
            if (
                _PROPER_NOUN.match(token)
                and token not in _NOT_NAMES
                and token.lower() not in lowered
                and not find_topics(token, _VOCABULARY)
            ):
                found.add(token)
                lowered.add(token.lower())
    return sorted(found)


def _length(question_type: str, word_count: int, coverage: float) -> tuple[str, float]:
    low, high = IDEAL_WORDS[question_type]
    if word_count < low:
        if question_type == "general":
            # Presenting oneself, one's motives or plans takes more than a sentence or two, however on point.
            return "too short", word_count / low
        if coverage >= 0.5:
            return "concise", 1.0
        shortfall = (1 - word_count / low) * (1 - coverage / 0.5)
        return "too short", 1.0 - shortfall
    if word_count > high:
        excess = (word_count - high) / high
        score = 1.0 - min(0.6, excess * (1.0 - coverage))
        return ("rambling" if excess > 0.3 and coverage < 0.5 else "long"), score
    return "good", 1.0


def _key_point_similarity(question: Question, units: list[str]) -> np.ndarray:
    """Similarity of every key point (rows) to every unit of the answer (columns): to the key point itself or, when
    closer, to one of its example sentences."""
    sims = similarity(question.key_points, units)
    examples = [example for group in question.key_point_examples for example in group]
    if examples and units:
        by_example = similarity(examples, units)  # one pass over the answer's units for every key point
        start = 0
        for k, group in enumerate(question.key_point_examples):
            if group:
                sims[k] = np.maximum(sims[k], by_example[start : start + len(group)].max(axis=0))
            start += len(group)
    return sims


def _beyond_question(question: Question, sims: np.ndarray, to_question: np.ndarray) -> np.ndarray:
    """``sims`` where a unit makes the key point, 0 where it does not: a unit makes a concrete key point only when it
    is nearer the point than the question itself by ``BEYOND_QUESTION``, since a sentence that restates the question's
    topic ("a process has its own memory") is near every point of it ("a crashing thread kills its process").

    Concrete key points are a technical question's and those with example sentences; an abstract one ("told the
    people depending on them") is farther from any story than the question is, and keeps its similarity.
    """
    examples = question.key_point_examples or [[] for _ in question.key_points]
    concrete = np.array([question.type == "technical" or bool(group) for group in examples])[:, None]
    return np.where(~concrete | (sims >= to_question + BEYOND_QUESTION), sims, 0.0)


def measure(question: Question, answer: str, delivery: DeliveryMetrics | None = None) -> Measures:
    """Measure ``answer`` against ``question``: coverage, relevance, specificity, structure and delivery."""
    stats = tx.analyse(answer)
    units, parents = _units(stats.sentences)
    sims = _key_point_similarity(question, units)
    to_question = similarity([question.text], units)[0]
    makes = _beyond_question(question, sims, to_question)
    key_points = []
    for k, point in enumerate(question.key_points):
        best = int(np.argmax(makes[k])) if units else -1
        score = float(makes[k, best]) if units else 0.0
        key_points.append(
            KeyPointMatch(
                key_point=point,
                covered=score >= COVERED_AT,
                similarity=round(score, 3),
                evidence=stats.sentences[parents[best]] if score >= COVERED_AT else None,
            )
        )
    flags = misconceptions(units) if question.type == "technical" else []
    low, high = SOFT_RAMP[question.type]
    coverage = float(np.mean([_ramp(k.similarity, low, high) for k in key_points])) if key_points else 0.0

    unit_relevance = np.zeros(len(units), dtype=np.float32)
    if units:
        unit_relevance = np.maximum(to_question, sims.max(axis=0))
    top = np.sort(unit_relevance)[::-1][:3]
    relevance = float(top.mean()) if len(top) else 0.0
    opening = int(np.argmax(unit_relevance[:2])) if units else 0
    directness = float(unit_relevance[opening]) if units else 0.0
    on_topic = " ".join(u for u, r in zip(units, unit_relevance, strict=True) if r >= ON_TOPIC_AT[question.type])
    elaboration = min(1.0, len(set(tx.content_words(tx.words(on_topic)))) / ELABORATED_WORDS)
    best_point = max((k.similarity for k in key_points), default=0.0)

    named = _named_terms(answer, question.topics)
    n = stats.word_count
    concrete = stats.numbers + len(named) + min(stats.outcome_verbs, 3)
    specificity = min(1.0, concrete / max(2.0, n / 35.0)) if n else 0.0

    ownership = None
    star = None
    if question.type == "behavioral":
        total = stats.first_singular + stats.first_plural
        ownership = stats.first_singular / total if total else 0.0
        star = analyse_star(stats.sentences)

    length_fit, length_score = _length(question.type, n, coverage)
    if length_fit == "concise":
        # A short answer that makes the expected points is developed enough: brevity is not a fault.
        elaboration = max(elaboration, coverage)
    elif length_fit == "too short" and question.type == "general":
        coverage *= length_score  # points made in a sentence or two are made in passing
    # "Situation", "task", "action" and "result" are labels only in a story; elsewhere they are ordinary words.
    star_labels = stats.star_labels if question.type == "behavioral" else 0
    fillers = dict(stats.fillers)
    filler_rate = 100.0 * sum(fillers.values()) / n if n else 0.0
    if delivery is not None and delivery.word_count:
        fillers = dict(delivery.fillers)
        filler_rate = delivery.fillers_per_100_words
    return Measures(
        question=question,
        stats=stats,
        units=units,
        key_points=key_points,
        coverage=coverage,
        relevance=relevance,
        directness=directness,
        opening=units[opening] if units else "",
        elaboration=elaboration,
        off_topic=bool(n) and relevance < OFF_TOPIC_BELOW[question.type] and best_point < OFF_TOPIC_MAX_POINT,
        named_terms=named,
        specificity=specificity,
        ownership=ownership,
        star=star,
        flags=flags,
        length_fit=length_fit,
        length_score=length_score,
        star_labels=star_labels,
        buzz_density=(sum(stats.buzzwords.values()) + star_labels) / n if n else 0.0,
        filler_rate=filler_rate,
        fillers=fillers,
        signposts=sum(1 for t in stats.words if t in _SIGNPOSTS),
        delivery=delivery,
    )
