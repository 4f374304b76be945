"""Delivery analytics on hand-built word timings: one test per rule, traps included."""

import pytest

from practice_shared.models.voice import WordTiming
from voice.delivery import PAUSE_SECONDS, analyze, find_pauses


def timed(text: str, word: float = 0.3, gap: float = 0.1, pauses: dict[int, float] | None = None) -> list[WordTiming]:
    """Words of ``text`` (split on spaces, punctuation kept), ``word`` s long, ``gap`` s apart.

    ``pauses`` maps a word index to the silence before that word instead of ``gap``.
    """
    out, t = [], 0.0
    for i, w in enumerate(text.split()):
        t += (pauses or {}).get(i, gap if i else 0.0)
        out.append(WordTiming(word=w, start=round(t, 3), end=round(t + word, 3), probability=0.9))
        t += word
    return out


def test_hesitation_fillers_are_counted_by_name() -> None:
    m = analyze(timed("So, um, I think the main, uh, challenge was, umm, scaling. Hmm, er, yes."), 10)
    assert m.fillers == {"um": 2, "uh": 1, "hmm": 1, "er": 1}
    assert m.filler_count == 5
    assert m.word_count == 14
    assert m.fillers_per_100_words == pytest.approx(5 * 100 / 14, abs=0.1)


def test_fillers_match_whole_words_not_substrings() -> None:
    m = analyze(timed("The number of umbrellas in the humming drum was huge, uhm no, hummus and errands."), 10)
    assert m.fillers == {}, "number, umbrellas, humming, drum, hummus and errands contain no filler"


@pytest.mark.parametrize(
    "text",
    [
        "I'd like to lead that project.",
        "It looks like the cache was stale.",
        "We did it like this: one step at a time.",
        "I like working with data.",
        "She was like, no way.",
    ],
)
def test_like_as_a_verb_preposition_or_quotative_is_not_a_filler(text: str) -> None:
    assert "like" not in analyze(timed(text), 10).fillers


def test_like_set_off_by_commas_is_a_filler() -> None:
    m = analyze(timed("It was, like, really slow. Like, nobody could log in."), 10)
    assert m.fillers == {"like": 2}


def test_you_know_and_i_mean_are_fillers_only_when_they_end_a_phrase() -> None:
    m = analyze(timed("We shipped it, you know, on time. I mean, it worked."), 10)
    assert m.fillers == {"you know": 1, "I mean": 1}
    m = analyze(timed("You know the answer. I mean what I say."), 10)
    assert m.fillers == {}


def test_a_pause_ends_a_phrase_like_punctuation_does() -> None:
    words = timed("we shipped it you know on time", pauses={5: 0.8})
    assert analyze(words, 10).fillers == {"you know": 1}


def test_hedges_are_counted_longest_phrase_first() -> None:
    m = analyze(timed("I think it was maybe slow. I'm not sure, but it probably sort of worked, I guess. Perhaps."), 15)
    assert m.hedges == {
        "I think": 1,
        "maybe": 1,
        "I'm not sure": 1,
        "probably": 1,
        "sort of": 1,
        "I guess": 1,
        "perhaps": 1,
    }
    assert m.hedging_count == 7


def test_kind_of_and_sort_of_after_a_determiner_are_nouns_not_hedges() -> None:
    m = analyze(timed("It is a kind of cache, and that sort of thing is what it kind of does."), 10)
    assert m.hedges == {"kind of": 1}


def test_hedges_are_not_fillers() -> None:
    m = analyze(timed("I think, um, it worked."), 5)
    assert m.fillers == {"um": 1} and m.hedges == {"I think": 1}


def test_repeated_words_are_found_but_not_across_sentences_or_for_fillers() -> None:
    m = analyze(timed("The the service was was slow. Slow is bad. Um um, we fixed it. It works."), 10)
    assert m.repeated_words == {"the": 1, "was": 1}


def test_pauses_use_the_threshold_and_report_the_longest() -> None:
    words = timed("one two three four five six", pauses={2: PAUSE_SECONDS, 3: PAUSE_SECONDS - 0.01, 5: 2.25})
    m = analyze(words, 10)
    assert m.pause_count == 2
    assert [(p.start, p.duration) for p in m.pauses] == [(0.7, 0.5), (2.69, 2.25)]
    assert m.longest_pause_seconds == 2.25


def test_pauses_are_measured_on_silences_heard_between_the_words() -> None:
    words = timed("one two three four", pauses={2: 0.3})  # "two" ends at 0.7 s, "three" is stamped at 1.0 s
    assert find_pauses(words) == []
    # The recording's silence runs 0.65-1.2 s: "three" really starts later than stamped. It counts once, for the
    # two words whose edges overlap it most, not again for "three" and "four".
    (pause,) = find_pauses(words, [(0.65, 1.2)])
    assert (pause.start, pause.duration) == (0.65, 0.55)
    assert find_pauses(words, [(0.75, 0.95)]) == []


def test_word_timings_do_not_make_a_pause_the_recordings_silences_do_not_have() -> None:
    # Whisper often ends a sentence's last word early: 0.4 s of silence between two sentences reads 0.8 s.
    words = timed("one. Two three", pauses={1: 0.8})
    assert [(p.start, p.duration) for p in find_pauses(words)] == [(0.3, 0.8)], "word timings only"
    assert find_pauses(words, [(0.6, 1.0)]) == [], "the silence heard is shorter than a pause"
    assert find_pauses(words, []) == [], "no silence at all"
    assert find_pauses(words, [(3.0, 3.2)]) == [], "a silence elsewhere"
    assert analyze(words, 5, [(0.6, 1.0)]).pause_count == 0


def test_rate_is_words_over_the_speaking_span_not_the_clip() -> None:
    # 10 words of 0.3 s with 0.1 s gaps span 3.9 s, inside a 20 s clip of mostly silence.
    m = analyze(timed("a b c d e f g h i j"), 20.0)
    assert m.words_per_minute == pytest.approx(10 * 60 / 3.9, abs=0.1)
    assert m.speaking_seconds == pytest.approx(3.0)
    assert m.silence_seconds == pytest.approx(17.0)
    assert m.speaking_ratio == pytest.approx(0.15)


def test_overlapping_words_are_counted_once_in_speaking_time() -> None:
    words = [
        WordTiming(word="over", start=0.0, end=1.0, probability=0.9),
        WordTiming(word="lapping", start=0.5, end=1.5, probability=0.9),
    ]
    assert analyze(words, 2.0).speaking_seconds == pytest.approx(1.5)


def test_punctuation_only_words_are_not_words() -> None:
    words = [*timed("Hello there."), WordTiming(word=" -", start=1.0, end=1.1, probability=0.5)]
    assert analyze(words, 2.0).word_count == 2


def test_too_few_words_or_too_short_a_span_has_no_pace() -> None:
    assert analyze(timed("yes"), 1.0).words_per_minute is None  # one word in 0.3 s is not 200 words per minute
    assert analyze(timed("a b c d e f g"), 5.0).words_per_minute is None  # 7 words
    assert analyze(timed("a b c d e f g h", word=0.2), 5.0).words_per_minute is None  # 8 words, but in 2.3 s
    assert analyze(timed("a b c d e f g h"), 5.0).words_per_minute == pytest.approx(8 * 60 / 3.1, abs=0.1)


def test_no_words_gives_zeros() -> None:
    m = analyze([], 3.0)
    assert (m.word_count, m.words_per_minute, m.speaking_seconds, m.silence_seconds) == (0, None, 0.0, 3.0)
    assert (m.filler_count, m.pause_count, m.hedging_count, m.speaking_ratio) == (0, 0, 0, 0.0)
