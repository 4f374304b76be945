"""Finding the Situation, Task, Action and Result of a behavioural answer, sentence by sentence.

A part is recognised by what a sentence does, not by the label words "situation", "task", "action" and
"result" (an answer that says "the result was great" has no result):

* Situation: a narrative, past-tense sentence early in the answer that sets a time, place or problem;
* Task: the candidate's goal or responsibility ("I owned", "it was on me to", "my goal was");
* Action: a sentence where the candidate ("I", not "we") does something (a past-tense verb after "I");
* Result: an outcome (an outcome verb such as reduced, shipped, won) with a number, or a change told with its
  figures ("went from two days to half a day"), in the second half of the answer; an outcome without a number
  counts less, a mere "in the end" as vague.

Each part keeps the sentence that showed it; a sentence counts only if it has content words beyond labels,
fillers and buzzwords. Reflection ("I learned", "next time") is reported as a fifth part.

Matching sentences against prototype sentences of each part with the embedding model was tried first and
dropped: on the labelled answers a jargon sentence ("the action I took was to leverage synergy") came out
closer to the "action" prototype than real actions did, so the parts are recognised by their grammar.
"""

import re
from dataclasses import dataclass

from interview.engine import text as tx
from practice_shared.models.interview import StarPart

IRREGULAR_PAST = {
    "wrote",
    "built",
    "set",
    "led",
    "ran",
    "made",
    "took",
    "spoke",
    "met",
    "chose",
    "brought",
    "found",
    "sent",
    "gave",
    "began",
    "drew",
    "told",
    "went",
    "put",
    "kept",
    "held",
    "did",
    "got",
    "sat",
    "saw",
    "thought",
    "sought",
    "taught",
    "caught",
    "bought",
    "rebuilt",
    "rewrote",
    "split",
    "cut",
    "shut",
    "broke",
    "knew",
    "grew",
    "dug",
    "understood",
    "stood",
    "paid",
    "laid",
    "fed",
    "left",
    "hired",
    "fought",
    "won",
    "felt",
    "spent",
    "lent",
    "meant",
    "read",
    "became",
    "came",
    "rolled",
    "stepped",
    "pushed",
    "pulled",
    "said",
}
_CONTEXT = re.compile(
    r"\b((last|that|this|one|a previous) (year|quarter|month|summer|spring|autumn|fall|winter|week|sprint)|"
    r"(at|in|on) (my|our|a) (last|previous|current|first|former|old)? ?(job|role|company|team|position|"
    r"startup|project|internship|employer)|(a|two|three|few|couple of) (weeks|months|years) ago|when i was|"
    r"while i was|back (then|in)|there (was|were)|we (had|were|faced)|was facing|kept (failing|crashing|"
    r"timing|breaking|missing|slipping))\b",
    re.IGNORECASE,
)
_TASK = re.compile(
    r"\b((my|the) (goal|job|role|responsibility|mandate|objective|brief|mission|aim) (was|were|became)|"
    r"i (was|had been|got) (asked|tasked|responsible|in charge|assigned|given|expected)|"
    r"i (had|needed|wanted|decided|volunteered|offered) to|it was (on|up to) me|i owned|"
    r"i was the (owner|lead|one)|i took (on|over|ownership)|it was my (job|responsibility|task|call) to|"
    r"i(?:'d| had)? (committed|promised|agreed) to|i(?:'d| had) been (asked|tasked|given))\b",
    re.IGNORECASE,
)
_REFLECTION = re.compile(
    r"\b(i (learned|learnt|realised|realized|took away)|lesson|next time|in hindsight|looking back|"
    r"i would (now|do|have)|since then|now i (always|make|try)|i now|taught me|would do differently|"
    r"changed (how|the way) i|ever since|from then on)\b",
    re.IGNORECASE,
)
_VAGUE_RESULT = re.compile(
    r"\b(as a result|in the end|ended up|eventually|outcome|afterwards|finally|result)\b", re.IGNORECASE
)
# A change told with its figures ("went from two days to half a day", "went up by 12 percent"), or a launch.
_CHANGE = re.compile(
    r"\b(from \S+(?: \S+){0,4} to|went (up|down|live|out)|(up|down) (by|to)|by (about |around |roughly )?\S*\d)",
    re.IGNORECASE,
)
MIN_CONTENT_WORDS = 3
FOUND_AT = 0.4  # a vague result (0.3) is reported as missing


@dataclass(frozen=True)
class StarAnalysis:
    """The STAR parts found, their quality in [0, 1] and the sentences that showed them."""

    parts: list[StarPart]
    quality: dict[str, float]
    i_actions: int
    we_actions: int
    vague_result: str | None

    @property
    def score(self) -> float:
        """Weighted completeness in [0, 1]: actions and result weigh most."""
        q = self.quality
        return 0.2 * q["situation"] + 0.15 * q["task"] + 0.35 * q["action"] + 0.3 * q["result"]


def _past_tense(token: str) -> bool:
    return token in IRREGULAR_PAST or (len(token) > 4 and token.endswith("ed") and token not in tx.STOPWORDS)


def _actor_action(tokens: list[str], actors: set[str]) -> bool:
    """An actor pronoun followed, within three words, by a past-tense verb ("I quickly rewrote", "we built")."""
    return any(token in actors and any(_past_tense(t) for t in tokens[i + 1 : i + 4]) for i, token in enumerate(tokens))


def _has_content(sentence: str) -> bool:
    return len(tx.content_words(tx.words(sentence))) >= MIN_CONTENT_WORDS


def _concrete(tokens: list[str]) -> bool:
    return any(tx.is_number(t) for t in tokens)


def analyse_star(sentences: list[str]) -> StarAnalysis:
    """Find the STAR parts (and reflection) in the answer's sentences."""
    n = len(sentences)
    found: dict[str, tuple[float, str]] = {}
    i_actions = we_actions = 0
    vague: str | None = None

    def keep(part: str, quality: float, sentence: str) -> None:
        if quality > found.get(part, (0.0, ""))[0]:
            found[part] = (quality, sentence)

    for index, sentence in enumerate(sentences):
        if not _has_content(sentence):
            continue
        tokens = tx.words(sentence)
        early = index <= max(1, n // 2)
        late = index >= n // 2
        past = any(_past_tense(t) for t in tokens)
        if early and _CONTEXT.search(sentence):
            keep("situation", 1.0, sentence)
        elif index == 0 and past and len(tx.content_words(tokens)) >= 5:
            keep("situation", 0.7, sentence)
        if _TASK.search(sentence):
            keep("task", 1.0, sentence)
        if _actor_action(tokens, {"i"}):
            i_actions += 1
            keep("action", min(1.0, 0.6 + 0.2 * i_actions), sentence)
        elif _actor_action(tokens, {"we"}):
            we_actions += 1
            keep("action", 0.4, sentence)
        outcome = any(t in tx.OUTCOME_VERBS for t in tokens)
        if late and (outcome or _CHANGE.search(sentence)) and _concrete(tokens):
            keep("result", 1.0, sentence)
        elif late and outcome:
            keep("result", 0.7, sentence)
        elif late and _VAGUE_RESULT.search(sentence):
            vague = vague or sentence
            keep("result", 0.3, sentence)
        if _REFLECTION.search(sentence):
            keep("reflection", 1.0, sentence)
    quality = {part: found.get(part, (0.0, ""))[0] for part in ("situation", "task", "action", "result", "reflection")}
    parts = [
        StarPart(
            part=part, found=quality[part] >= FOUND_AT, evidence=found[part][1] if quality[part] >= FOUND_AT else None
        )
        for part in ("situation", "task", "action", "result", "reflection")
    ]
    return StarAnalysis(
        parts=parts,
        quality=quality,
        i_actions=i_actions,
        we_actions=we_actions,
        vague_result=vague if quality["result"] <= 0.3 else None,
    )
