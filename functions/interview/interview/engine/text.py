"""Plain-text analysis of an answer: sentences, word tokens and the word lists the evaluator counts.

Every count is made on word tokens, never on substrings: "number" is not "um" and "umbrella" is not "um".
"""

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from interview.engine.skills import DISPLAY

WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019+#-]*[A-Za-z+#]|[A-Za-z]|\d+(?:[.,]\d+)*%?")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
MAX_SENTENCE_WORDS = 45
CHUNK_WORDS = 25
_CLAUSE_SPLIT = re.compile(r";\s+|,\s+(?=(?:and|but|so|which|then|because|while|whereas)\b)|\s+-{1,2}\s+|\s+—\s+")

FILLERS_1 = {"um", "umm", "uh", "uhh", "erm", "er", "ah", "hmm", "mm"}
FILLERS_2 = {("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of")}
# "like" and "basically" are fillers only when they carry nothing: counted when set off by commas.
_SOFT_FILLER = re.compile(r"(?:^|,\s*)(like|basically|actually|literally)\s*,", re.IGNORECASE)

HEDGES_1 = {"maybe", "perhaps", "probably", "possibly", "guess", "somehow", "hopefully"}
HEDGES_2 = {("i", "think"), ("not", "sure"), ("i", "believe"), ("might", "be"), ("i", "suppose")}

# Phrases that sound impressive and say little (management jargon, not technical vocabulary).
BUZZWORDS_1 = {
    "synergy",
    "synergies",
    "synergistic",
    "leverage",
    "leveraged",
    "leveraging",
    "paradigm",
    "holistic",
    "holistically",
    "impactful",
    "seamless",
    "seamlessly",
    "empower",
    "empowered",
    "empowering",
    "proactive",
    "proactively",
    "disruptive",
    "disrupt",
    "innovative",
    "world-class",
    "cutting-edge",
    "game-changer",
    "game-changing",
    "best-in-class",
    "next-generation",
    "value-add",
    "ideate",
    "ideation",
    "learnings",
    "bandwidth",
    "dynamic",
    "passionate",
    "streamline",
    "streamlined",
    "transformative",
    "transformational",
    "visionary",
    "excellence",
    "mindset",
    "deliverables",
    "actionable",
    "wheelhouse",
    "thought-leadership",
    "rockstar",
    "ninja",
}
BUZZWORDS_2 = {
    ("best", "practices"),
    ("deep", "dive"),
    ("circle", "back"),
    ("low-hanging", "fruit"),
    ("value", "add"),
    ("key", "learnings"),
    ("going", "forward"),
    ("north", "star"),
    ("growth", "mindset"),
    ("think", "outside"),
}
# Words that label the STAR parts instead of telling them.
STAR_LABELS = {"situation", "task", "action", "actions", "result", "results"}

FIRST_SINGULAR = {"i", "me", "my", "mine", "myself", "i'd", "i've", "i'm", "i'll"}
FIRST_PLURAL = {"we", "us", "our", "ours", "ourselves", "we'd", "we've", "we're", "we'll"}

# Sweeping claims; a careful technical answer qualifies them.
ABSOLUTES = {
    "always",
    "never",
    "guaranteed",
    "guarantees",
    "guarantee",
    "impossible",
    "100%",
    "completely",
    "totally",
    "obviously",
    "simply",
    "automatically",
    "instantly",
}
NUANCE_1 = {
    "trade-off",
    "tradeoff",
    "trade-offs",
    "tradeoffs",
    "depends",
    "unless",
    "however",
    "whereas",
    "although",
    "downside",
    "downsides",
    "drawback",
    "drawbacks",
    "alternatively",
    "instead",
    "caveat",
    "risk",
    "risks",
    "cost",
    "costs",
    "limit",
    "limits",
    "limitation",
    "limitations",
    "versus",
    "vs",
    "trades",
    "expensive",
    "overhead",
    "penalty",
    "otherwise",
    "bottleneck",
    "worst-case",
    "guardrail",
    "guardrails",
    "biased",
}
NUANCE_2 = {
    ("the", "catch"),
    ("edge", "case"),
    ("edge", "cases"),
    ("other", "hand"),
    ("trade", "off"),
    ("worst", "case"),
    ("only", "if"),
    ("only", "when"),
}

NUMBER_WORDS = {
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
    "hundreds",
    "thousand",
    "thousands",
    "million",
    "millions",
    "billion",
    "half",
    "double",
    "doubled",
    "tripled",
    "percent",
}
UNITS = {
    "ms",
    "milliseconds",
    "seconds",
    "second",
    "minutes",
    "minute",
    "hours",
    "hour",
    "days",
    "day",
    "weeks",
    "week",
    "months",
    "month",
    "quarter",
    "quarters",
    "years",
    "year",
    "percent",
    "%",
    "x",
    "users",
    "customers",
    "requests",
    "rps",
    "qps",
    "gb",
    "mb",
    "tb",
    "k",
    "engineers",
    "people",
    "dollars",
    "points",
    "p99",
    "p95",
    "latency",
    "errors",
    "tickets",
    "incidents",
}
OUTCOME_VERBS = {
    "reduced",
    "reduce",
    "cut",
    "increased",
    "increase",
    "improved",
    "improve",
    "saved",
    "save",
    "grew",
    "raised",
    "dropped",
    "decreased",
    "lowered",
    "doubled",
    "halved",
    "tripled",
    "shipped",
    "launched",
    "delivered",
    "resolved",
    "fixed",
    "eliminated",
    "prevented",
    "recovered",
    "retained",
    "won",
    "closed",
    "avoided",
    "completed",
    "achieved",
    "released",
    "adopted",
    "met",
    "beat",
    "exceeded",
    "stabilised",
    "stabilized",
}
STOPWORDS = {
    "a",
    "an",
    "the",
    "and",
    "or",
    "but",
    "so",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "with",
    "by",
    "from",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "it",
    "its",
    "it's",
    "this",
    "that",
    "these",
    "those",
    "there",
    "then",
    "than",
    "if",
    "when",
    "what",
    "which",
    "who",
    "how",
    "why",
    "i",
    "me",
    "my",
    "we",
    "us",
    "our",
    "you",
    "your",
    "they",
    "them",
    "their",
    "he",
    "she",
    "his",
    "her",
    "do",
    "did",
    "does",
    "done",
    "have",
    "has",
    "had",
    "will",
    "would",
    "can",
    "could",
    "should",
    "just",
    "really",
    "very",
    "also",
    "about",
    "into",
    "up",
    "out",
    "all",
    "some",
    "any",
    "more",
    "most",
    "not",
    "no",
    "yes",
    "um",
    "uh",
    "like",
    "know",
    "mean",
    "get",
    "got",
    "make",
    "made",
    "lot",
    "lots",
    "thing",
    "things",
    "kind",
    "sort",
    "well",
    "actually",
}


@dataclass(frozen=True)
class TextStats:
    """Counts of one answer's words."""

    words: list[str]
    sentences: list[str]
    fillers: dict[str, int]
    hedges: dict[str, int]
    buzzwords: dict[str, int]
    star_labels: int
    first_singular: int
    first_plural: int
    absolutes: int
    nuance: int
    numbers: int
    outcome_verbs: int
    repeated_words: int

    @property
    def word_count(self) -> int:
        return len(self.words)


def words(text: str) -> list[str]:
    """Lower-case word tokens (numbers and percentages included)."""
    return [w.lower().replace("\u2019", "'") for w in WORD_RE.findall(text)]


def sentences(text: str) -> list[str]:
    """The answer's sentences; a very long one is cut at clauses, then (no punctuation) into 25-word chunks."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return []
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    result: list[str] = []
    for part in parts:
        if len(part.split()) <= MAX_SENTENCE_WORDS:
            result.append(part)
            continue
        for piece in _CLAUSE_SPLIT.split(part):
            tokens = piece.split()
            if len(tokens) <= MAX_SENTENCE_WORDS:
                chunks = [piece]
            else:
                chunks = [" ".join(tokens[i : i + CHUNK_WORDS]) for i in range(0, len(tokens), CHUNK_WORDS)]
            result.extend(c.strip(" ,") for c in chunks if c.strip(" ,"))
    return result


def clauses(sentence: str) -> list[str]:
    """Clauses of a long sentence (split at ';', dashes and ', and/but/so/which...'); short ones stay whole."""
    if len(sentence.split()) < 16:
        return [sentence]
    pieces = [p.strip(" ,") for p in _CLAUSE_SPLIT.split(sentence)]
    return [p for p in pieces if len(p.split()) >= 3] or [sentence]


# Names that open some of the bank's key points and are not topics of skills.DISPLAY.
_NAMES = {"google", "liskov", "simpson", "postman"}


def lower_first(text: str) -> str:
    """``text`` to continue a sentence ("Did not cover: ..."): its first word in lower case unless it is a name
    ("Kubernetes", "Google's", "SQL", "useEffect", "F1", "I")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    name = re.sub(r"['\u2019]s$", "", first.lower()).strip(",.:;")
    keep = (
        re.fullmatch(r"I(?:['\u2019]\w+)?", first)  # "I", "I'd"
        or name in DISPLAY
        or name in _NAMES
        or any(c.isupper() or c.isdigit() for c in first[1:])  # "SQL", "useEffect", "F1"
    )
    return text if keep or not first else text[:1].lower() + text[1:]


def quote(text: str, limit: int = 80) -> str:
    """``text`` in curly quotes on one line, cut after a word within ``limit`` characters, without the full stop
    that ends it (so a sentence can go on after the quotation: "Opens with “Sure”.", not "“Sure.”.")."""
    text = " ".join(text.split()).rstrip(".,;: ")
    if len(text) > limit:
        cut = text[: limit - 1]
        space = cut.rfind(" ")
        text = (cut[:space] if space > limit // 2 else cut).rstrip(".,;: ") + "…"  # at a word's end when one is near
    return "“" + text + "”"


def count(number: int, noun: str) -> str:
    """``number`` with ``noun``, plural unless one: "1 word", "40 words"."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def times(count: int) -> str:
    """How often, in words: "once", "twice", "3 times"."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _count_pairs(tokens: list[str], pairs: set[tuple[str, str]]) -> Counter[str]:
    found: Counter[str] = Counter()
    for a, b in pairwise(tokens):
        if (a, b) in pairs:
            found[" ".join("I" if w == "i" else w for w in (a, b))] += 1  # shown to the candidate: "I think"
    return found


def _count_words(tokens: list[str], vocabulary: set[str]) -> Counter[str]:
    return Counter(t for t in tokens if t in vocabulary)


def is_number(token: str) -> bool:
    """A digit token or a number word ("three", "half", "doubled")."""
    return token[0].isdigit() or token in NUMBER_WORDS


def analyse(text: str) -> TextStats:
    """Measure the answer's words: fillers, hedges, buzzwords, pronouns, numbers and so on."""
    tokens = words(text)
    fillers = _count_words(tokens, FILLERS_1) + _count_pairs(tokens, FILLERS_2)
    for match in _SOFT_FILLER.finditer(text):
        fillers[match.group(1).lower()] += 1
    hedges = _count_words(tokens, HEDGES_1) + _count_pairs(tokens, HEDGES_2)
    buzz = _count_words(tokens, BUZZWORDS_1) + _count_pairs(tokens, BUZZWORDS_2)
    repeated = sum(1 for a, b in pairwise(tokens) if a == b and not a[0].isdigit())
    return TextStats(
        words=tokens,
        sentences=sentences(text),
        fillers=dict(fillers),
        hedges=dict(hedges),
        buzzwords=dict(buzz),
        star_labels=sum(1 for t in tokens if t in STAR_LABELS),
        first_singular=sum(1 for t in tokens if t in FIRST_SINGULAR),
        first_plural=sum(1 for t in tokens if t in FIRST_PLURAL),
        absolutes=sum(1 for t in tokens if t in ABSOLUTES),
        nuance=sum(1 for t in tokens if t in NUANCE_1) + sum(_count_pairs(tokens, NUANCE_2).values()),
        numbers=sum(1 for t in tokens if is_number(t)),
        outcome_verbs=sum(1 for t in tokens if t in OUTCOME_VERBS),
        repeated_words=repeated,
    )


def content_words(tokens: list[str]) -> list[str]:
    """Tokens that carry meaning: not stop words, fillers, buzzwords or STAR labels."""
    noise = STOPWORDS | FILLERS_1 | BUZZWORDS_1 | STAR_LABELS
    return [t for t in tokens if t not in noise and len(t) > 1]
