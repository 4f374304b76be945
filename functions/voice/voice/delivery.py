"""Delivery analytics: how an answer was spoken, computed from word timings alone (pure functions).

Rules (matching is on whole word tokens, never on substrings: "number" is not "um", "umbrella" is not "um"):

* Tokens: each recognized word lower-cased, with surrounding punctuation removed ("Um," -> "um"). A token
  followed by punctuation, by a pause of at least ``PAUSE_SECONDS`` or by the end of the answer ends a phrase.
* Words: every token counts, fillers included (they take speaking time); ``words_per_minute`` is the word count
  over the speaking span, from the first word's start to the last word's end, and is not given (None) for fewer
  than ``MIN_PACE_WORDS`` words or a span under ``MIN_PACE_SECONDS`` ("Yes." is not 300 words per minute).
* Fillers: hesitation sounds (um, uh, er, ah, hmm and their spellings such as "umm", "uhh", "erm", "hm"), plus
  "you know" and "I mean" when they end a phrase ("..., you know, ..." but not "you know the answer"), plus
  "like" only when set off on both sides ("I was, like, ..." or "Like, ..."), so "I'd like to", "looks like"
  and "like this" are not fillers.
* Hedges: phrases that soften a claim: "I think", "I guess", "I believe", "I suppose", "I feel like",
  "I'm not sure", "not sure", "maybe", "perhaps", "probably", "possibly", "somewhat", "more or less", and
  "kind of" / "sort of" unless they follow a determiner ("a kind of cache", "that sort of thing" are nouns).
  Hedges are reported apart from fillers: they are words with meaning, used too often they sound unsure.
* Pauses: a silence of at least ``PAUSE_SECONDS`` between two words (half a second is a silence a listener
  notices; shorter gaps are normal breathing and word-timing noise). When the recording's ``silences`` are known
  (from voice activity detection), they alone measure pauses: a pause is the longest of them between the two
  words' outer edges. Gaps between Whisper's word timings are wrong both ways: a word's start is stamped early,
  inside the silence before it (1.0 s read as 0.74), and the last word of a sentence often ends early, so the
  0.35-0.45 s between two sentences reads 0.5-0.76 s (11 pauses counted in a 171 s answer that has none). Without
  silences (word timings only), the gaps between the words are the pauses.
* Repeated words: the same token twice in a row ("the the"), fillers excluded, not across a sentence end
  ("... do it. It ...").
* Speaking time: the union of word spans; silence is the rest of the clip.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from practice_shared.models.voice import DeliveryMetrics, Pause, WordTiming

PAUSE_SECONDS = 0.5
MIN_PACE_WORDS = 8
MIN_PACE_SECONDS = 3.0

_HESITATIONS = (
    (re.compile(r"u+m+"), "um"),
    (re.compile(r"u+h+"), "uh"),
    (re.compile(r"e+r+m*"), "er"),
    (re.compile(r"a+h+"), "ah"),
    (re.compile(r"h+m+"), "hmm"),
)
_PHRASE_FILLERS = {("you", "know"): "you know", ("i", "mean"): "I mean"}
# Longest phrases first, so "I'm not sure" is one hedge rather than "not sure".
_HEDGES = {
    ("i", "am", "not", "sure"): "I'm not sure",
    ("i'm", "not", "sure"): "I'm not sure",
    ("more", "or", "less"): "more or less",
    ("i", "feel", "like"): "I feel like",
    ("i", "think"): "I think",
    ("i", "guess"): "I guess",
    ("i", "believe"): "I believe",
    ("i", "suppose"): "I suppose",
    ("not", "sure"): "not sure",
    ("kind", "of"): "kind of",
    ("sort", "of"): "sort of",
    ("maybe",): "maybe",
    ("perhaps",): "perhaps",
    ("probably",): "probably",
    ("possibly",): "possibly",
    ("somewhat",): "somewhat",
}
_NOUN_HEDGES = {("kind", "of"), ("sort", "of")}
_DETERMINERS = {"a", "an", "the", "this", "that", "these", "those", "what", "which", "any", "some", "every", "each"}
_DETERMINERS |= {"no", "one", "same", "my", "our", "your", "their", "his", "her", "its", "different", "other"}
_SENTENCE_END = (".", "?", "!")
_EDGE = re.compile(r"^[^\w']+|[^\w']+$")


@dataclass(frozen=True)
class _Token:
    text: str  # normalized word
    raw: str  # as recognized, with punctuation
    boundary: bool  # a phrase ends after this token


def tokenize(words: Sequence[WordTiming]) -> list[_Token]:
    """Normalized tokens of ``words`` (pure punctuation dropped), each marked when a phrase ends after it."""
    kept = [(w, _EDGE.sub("", w.word.strip().lower().replace("\u2019", "'"))) for w in words]
    kept = [(w, text) for w, text in kept if text]
    tokens = []
    for i, (word, text) in enumerate(kept):
        raw = word.word.strip()
        last = i == len(kept) - 1
        gap = 0.0 if last else _gap(word, kept[i + 1][0])
        punctuated = bool(raw) and not (raw[-1].isalnum() or raw[-1] == "'")
        tokens.append(_Token(text=text, raw=raw, boundary=last or punctuated or gap >= PAUSE_SECONDS))
    return tokens


def hesitation(text: str) -> str | None:
    """The canonical filler ("um", "uh", "er", "ah", "hmm") that token ``text`` spells, if any."""
    for pattern, name in _HESITATIONS:
        if pattern.fullmatch(text):
            return name
    return None


def find_fillers(tokens: Sequence[_Token]) -> Counter[str]:
    """Fillers in ``tokens`` by name (see the module rules)."""
    found: Counter[str] = Counter()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name = hesitation(token.text)
        if name:
            found[name] += 1
            i += 1
            continue
        phrase = next((p for p in _PHRASE_FILLERS if _matches(tokens, i, p) and tokens[i + 1].boundary), None)
        if phrase:
            found[_PHRASE_FILLERS[phrase]] += 1
            i += len(phrase)
            continue
        if token.text == "like" and token.boundary and (i == 0 or tokens[i - 1].boundary):
            found["like"] += 1
        i += 1
    return found


def find_hedges(tokens: Sequence[_Token]) -> Counter[str]:
    """Hedging phrases in ``tokens`` by phrase, longest match first (see the module rules)."""
    found: Counter[str] = Counter()
    i = 0
    while i < len(tokens):
        phrase = next((p for p in _HEDGES if _matches(tokens, i, p)), None)
        if phrase is None:
            i += 1
            continue
        if phrase in _NOUN_HEDGES and i > 0 and tokens[i - 1].text in _DETERMINERS:
            i += 1
            continue
        found[_HEDGES[phrase]] += 1
        i += len(phrase)
    return found


def find_repeats(tokens: Sequence[_Token]) -> Counter[str]:
    """Words said twice in a row, fillers excluded, not across a sentence end."""
    found: Counter[str] = Counter()
    for prev, cur in pairwise(tokens):
        if cur.text == prev.text and not hesitation(cur.text) and not prev.raw.endswith(_SENTENCE_END):
            found[cur.text] += 1
    return found


def find_pauses(words: Sequence[WordTiming], silences: Sequence[tuple[float, float]] | None = None) -> list[Pause]:
    """Silences of at least ``PAUSE_SECONDS`` between consecutive words: the recording's ``silences`` (start, end;
    in order) where known, else the gaps between the words' timings."""
    pairs = list(pairwise(words))
    measured = [(prev.end, _gap(prev, cur)) for prev, cur in pairs] if silences is None else _heard(pairs, silences)
    return [
        Pause(start=round(start, 2), duration=round(duration, 2))
        for start, duration in measured
        if duration >= PAUSE_SECONDS
    ]


def _heard(
    pairs: list[tuple[WordTiming, WordTiming]], silences: Sequence[tuple[float, float]]
) -> list[tuple[float, float]]:
    """(start, seconds) of the silence heard between each pair of words: each of ``silences`` belongs to the pair
    whose outer edges overlap it most, and a pair keeps the longest of its silences (0 without one)."""
    measured = [(prev.end, 0.0) for prev, _ in pairs]
    first = 0
    for s_start, s_end in silences:
        while first < len(pairs) and pairs[first][1].end <= s_start:
            first += 1
        best, at = 0.0, None
        for i in range(first, len(pairs)):
            prev, cur = pairs[i]
            if prev.start >= s_end:
                break
            if (heard := min(s_end, cur.end) - max(s_start, prev.start)) > best:
                best, at = heard, i
        if at is not None and best > measured[at][1]:
            measured[at] = (max(s_start, pairs[at][0].start), best)
    return measured


def speaking_seconds(words: Sequence[WordTiming]) -> float:
    """Time covered by at least one word (overlapping spans counted once)."""
    total, covered_to = 0.0, float("-inf")
    for w in sorted(words, key=lambda w: w.start):
        start = max(w.start, covered_to)
        if w.end > start:
            total += w.end - start
        covered_to = max(covered_to, w.end)
    return total


def analyze(
    words: Sequence[WordTiming], duration: float, silences: Sequence[tuple[float, float]] | None = None
) -> DeliveryMetrics:
    """Delivery metrics of an answer of ``duration`` seconds from its recognized ``words`` and, where known, the
    recording's ``silences`` (start, end in seconds; see :func:`find_pauses`)."""
    spoken = [w for w in words if _EDGE.sub("", w.word.strip())]
    tokens = tokenize(spoken)
    fillers = find_fillers(tokens)
    hedges = find_hedges(tokens)
    pauses = find_pauses(spoken, silences)
    speaking = speaking_seconds(spoken)
    span = spoken[-1].end - spoken[0].start if spoken else 0.0
    count = len(tokens)
    filler_count = sum(fillers.values())
    return DeliveryMetrics(
        word_count=count,
        words_per_minute=round(count * 60 / span, 1) if count >= MIN_PACE_WORDS and span >= MIN_PACE_SECONDS else None,
        speaking_seconds=round(speaking, 2),
        silence_seconds=round(max(duration - speaking, 0.0), 2),
        speaking_ratio=round(min(speaking / duration, 1.0), 3) if duration > 0 else 0.0,
        filler_count=filler_count,
        fillers=dict(fillers),
        fillers_per_100_words=round(filler_count * 100 / count, 1) if count else 0.0,
        pause_count=len(pauses),
        longest_pause_seconds=max((p.duration for p in pauses), default=0.0),
        pauses=pauses,
        hedging_count=sum(hedges.values()),
        hedges=dict(hedges),
        repeated_words=dict(find_repeats(tokens)),
    )


def _gap(prev: WordTiming, cur: WordTiming) -> float:
    """Silence between two words, rounded to the millisecond so 1.2 - 0.7 is 0.5 and not 0.49999."""
    return round(cur.start - prev.end, 3)


def _matches(tokens: Sequence[_Token], i: int, phrase: tuple[str, ...]) -> bool:
    """Whether ``phrase`` starts at token ``i`` without a phrase end inside it."""
    end = i + len(phrase)
    if end > len(tokens):
        return False
    window = tokens[i:end]
    return all(t.text == p for t, p in zip(window, phrase, strict=True)) and not any(t.boundary for t in window[:-1])
