"""One targeted follow-up question after an answer, as an interviewer would ask it.

In order of priority: an off-topic answer is brought back to the question; a behavioral story that makes none
of the question's points (``OTHER_STORY_BELOW``: a story about something else) is asked for one that does; a
behavioral answer told in "we" is asked what the candidate did; a behavioral answer without a result is asked
for the measurable outcome; an answer that misses expected key points is asked about the first one it missed
(the bank lists key points most important first); a vague answer is asked for specifics. A strong answer gets
none, and neither does a question that has had ``max_follow_ups`` already.
"""

import re

from interview.engine.text import lower_first
from practice_shared.models.interview import Evaluation, FollowUp, Question

STRONG_AT = 7.5
WE_HEAVY_BELOW = 0.4
VAGUE_BELOW = 0.3
OTHER_STORY_BELOW = 0.2  # key-point coverage (partial credit included) of a story that answers another question

_LEADING = {"first", "then", "also", "only", "clearly", "explicitly", "briefly", "always", "alternatively", "finally"}
_ASK_VERBS = {
    "describes",
    "explains",
    "states",
    "defines",
    "compares",
    "names",
    "gives",
    "shows",
    "reflects",
    "mentions",
    "discusses",
    "distinguishes",
    "identifies",
    "quantifies",
    "summarizes",
    "lists",
    "outlines",
    "walks",
    "acknowledges",
    "admits",
    "notes",
}
_IRREGULAR_PAST = {
    "told",
    "made",
    "took",
    "found",
    "kept",
    "read",
    "set",
    "led",
    "ran",
    "got",
    "gave",
    "built",
    "wrote",
    "sought",
    "brought",
    "chose",
    "spoke",
    "met",
    "sent",
    "put",
    "held",
    "understood",
    "knew",
    "paid",
    "spent",
    "stood",
    "left",
    "said",
    "did",
    "went",
    "came",
    "became",
    "saw",
}
# Third-person verbs that open rubric key points ("Uses ...", "Checks ..."), as opposed to statements.
_RUBRIC_VERBS = set(
    [
        "adds",
        "addresses",
        "aggregates",
        "agrees",
        "analyses",
        "anchors",
        "asks",
        "asserts",
        "assesses",
        "automates",
        "avoids",
        "backfills",
        "backtests",
        "balances",
        "breaks",
        "builds",
        "caches",
        "calculates",
        "calls",
        "cancels",
        "changes",
        "checks",
        "chooses",
        "clarifies",
        "closes",
        "commits",
        "communicates",
        "compares",
        "computes",
        "confirms",
        "connects",
        "considers",
        "counts",
        "covers",
        "debounces",
        "decides",
        "declares",
        "defers",
        "defines",
        "delivers",
        "deploys",
        "derives",
        "designs",
        "detects",
        "documents",
        "drops",
        "encodes",
        "estimates",
        "evaluates",
        "explores",
        "expresses",
        "filters",
        "finds",
        "fixes",
        "flags",
        "follows",
        "forms",
        "frames",
        "gathers",
        "generates",
        "gets",
        "groups",
        "handles",
        "has",
        "highlights",
        "improves",
        "imputes",
        "intercepts",
        "interviews",
        "investigates",
        "invests",
        "joins",
        "judges",
        "keeps",
        "knows",
        "learns",
        "lets",
        "limits",
        "listens",
        "logs",
        "looks",
        "makes",
        "maps",
        "materializes",
        "measures",
        "mitigates",
        "models",
        "monitors",
        "moves",
        "notes",
        "numbers",
        "offers",
        "orders",
        "owns",
        "paginates",
        "picks",
        "pins",
        "plans",
        "practices",
        "prepares",
        "presents",
        "prevents",
        "prioritizes",
        "profiles",
        "proposes",
        "protects",
        "puts",
        "randomizes",
        "reads",
        "recognizes",
        "reconciles",
        "reduces",
        "refactors",
        "releases",
        "relies",
        "removes",
        "replaces",
        "reports",
        "requires",
        "researches",
        "reserves",
        "restricts",
        "retries",
        "returns",
        "reviews",
        "rolls",
        "runs",
        "sanity-checks",
        "says",
        "scales",
        "scopes",
        "segments",
        "selects",
        "separates",
        "serves",
        "sets",
        "shares",
        "splits",
        "spreads",
        "standardizes",
        "starts",
        "stores",
        "takes",
        "talks",
        "tests",
        "ties",
        "traces",
        "tracks",
        "translates",
        "treats",
        "tries",
        "understands",
        "uses",
        "validates",
        "verifies",
        "virtualizes",
        "waits",
        "warns",
        "watches",
        "wraps",
        "writes",
        "lazy-loads",
        "pages",
        "plays",
        "admits",
        "acknowledges",
        "accepts",
        "applies",
        "tunes",
        "marks",
    ]
)
# A word after a plural subject ("Tests that count queries...", "Logs are..."): then the key point is a statement.
_THAT_VERBS = {
    "checks",
    "confirms",
    "verifies",
    "explains",
    "says",
    "states",
    "notes",
    "recognizes",
    "understands",
    "knows",
    "validates",
    "warns",
    "accepts",
    "admits",
    "acknowledges",
    "agrees",
    "tests",
}
_SUBJECT_FOLLOWERS = {
    "is",
    "are",
    "can",
    "could",
    "should",
    "must",
    "may",
    "need",
    "will",
    "that",
    "which",
    "like",
    "and",
    "or",
    "give",
    "take",
    "allow",
    "keep",
    "go",
    "use",
    "help",
}
_PRONOUNS = [
    (r"\bthemselves\b", "yourself"),
    (r"\btheir\b", "your"),
    (r"\bthem\b", "you"),
    (r"\bthey\b", "you"),
    (r"\bthey're\b", "you're"),
    (r"\btheirs\b", "yours"),
]


def _second_person(text: str) -> str:
    for pattern, replacement in _PRONOUNS:
        text = re.sub(pattern, replacement, text)
    return text


def _base_form(verb: str) -> str:
    """ "describes" -> "describe", "quantifies" -> "quantify", "pushes" -> "push"."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "xes", "zes")) or (verb.endswith("ches") and verb != "caches"):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


def _is_present_verb(word: str, rest: str) -> bool:
    """A rubric verb such as "Uses ..." rather than a plural subject such as "Tests that count queries ..."."""
    following = rest.lower().split()
    follower = following[0] if following else ""
    if word not in _RUBRIC_VERBS:
        return False
    if follower in {"and", "or"}:
        return len(following) > 1 and following[1] in _RUBRIC_VERBS
    if follower == "that":
        return word in _THAT_VERBS
    return follower not in _SUBJECT_FOLLOWERS


def _base_verbs(rest: str) -> str:
    """Later rubric verbs of the same key point in base form ("... and explains why" -> "... and explain why")."""
    return re.sub(
        r"(\b(?:and|or)\s+|,\s+)([a-z-]+)\b",
        lambda m: m.group(1) + (_base_form(m.group(2)) if m.group(2) in _RUBRIC_VERBS | _ASK_VERBS else m.group(2)),
        rest,
    )


def as_you_clause(key_point: str) -> str:
    """A key point as something "you" do ("Explains why" -> "explain why"), or quoted when it is a statement."""
    words = key_point.strip().rstrip(".").split()
    first, rest = words[0].lower(), _second_person(" ".join(words[1:]))
    if first in _ASK_VERBS or _is_present_verb(first, rest):
        return f"{_base_form(first)} {_base_verbs(rest)}"
    if first in _IRREGULAR_PAST or (first.endswith("ed") and len(first) > 4):
        return f"{first} {rest}"
    return f"cover “{key_point.strip().rstrip('.')}”"


def as_question(key_point: str) -> str:
    """Turn a key point ("Uses an idempotency key ...") into a question an interviewer would ask."""
    words = key_point.strip().rstrip(".").split()
    while len(words) > 1 and words[0].lower().rstrip(",") in _LEADING:
        words = words[1:]
    first, rest = words[0].lower(), " ".join(words[1:])
    if first in _ASK_VERBS or _is_present_verb(first, rest):
        verb = "Could you" if first in _ASK_VERBS else "How would you"
        return f"{verb} {_base_form(first)} {_base_verbs(_second_person(rest))}?"
    if first in _IRREGULAR_PAST or (first.endswith("ed") and len(first) > 4):
        return f"You didn't mention whether you {first} {_second_person(rest)}. Did you, and how?"
    statement = lower_first(" ".join(words))
    if first in {"it", "they", "this", "these"}:
        return f"Could you walk me through that part: {statement}?"
    return f"Could you also cover how {statement}?"


def _signal(evaluation: Evaluation, name: str, default: float) -> float:
    value = evaluation.signals.get(name, default)
    return float(value) if isinstance(value, int | float) else default


def follow_up(
    question: Question, answer: str, evaluation: Evaluation, *, asked: int, max_follow_ups: int
) -> FollowUp | None:
    """The follow-up to ask after ``answer``, or None when the answer is strong or the limit is reached."""
    if asked >= max_follow_ups or not answer.strip():
        return None
    if _signal(evaluation, "off_topic", 0) >= 1:
        return FollowUp(
            text=f"Let's come back to the question I asked. {question.text}",
            reason="The answer was about something other than the question.",
        )
    if evaluation.overall >= STRONG_AT:
        return None
    if question.type == "behavioral":
        made = any(k.covered for k in evaluation.key_points)
        if evaluation.key_points and not made and _signal(evaluation, "key_point_coverage", 1.0) < OTHER_STORY_BELOW:
            return FollowUp(
                text=f"I'd like a story that answers this more directly. {question.text}",
                reason="The story makes none of the points this question looks for.",
            )
        if _signal(evaluation, "ownership", 1.0) < WE_HEAVY_BELOW and _signal(evaluation, "we_count", 0) >= 3:
            return FollowUp(
                text="You described what the team did; what did you do yourself, and what was the measurable outcome?",
                reason="The answer says “we” throughout and does not show the candidate's own actions.",
            )
        result = next((p for p in evaluation.star if p.part == "result"), None)
        if result is not None and not result.found:
            return FollowUp(
                text="What was the measurable outcome, and how did you know it had worked?",
                reason="The story has no concrete result.",
            )
    missed = [k for k in evaluation.key_points if not k.covered]
    if missed:
        return FollowUp(
            text=as_question(missed[0].key_point),
            reason=f"The answer missed an expected point: {missed[0].key_point}.",
        )
    if _signal(evaluation, "specificity", 1.0) < VAGUE_BELOW:
        text = (
            "Can you make that concrete: when was it, what exactly did you do, and what changed, in numbers?"
            if question.type == "behavioral"
            else "Can you make that concrete with a system you worked on: which tools, and what numbers?"
        )
        return FollowUp(text=text, reason="The answer stays general, with no specifics.")
    return None
