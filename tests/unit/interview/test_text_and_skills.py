"""Word-token analysis of answers and skill extraction from free text."""

from interview.engine import text as tx
from interview.engine.skills import find_topics

VOCABULARY = {"kubernetes", "terraform", "postgresql", "javascript", "java", "go", "react", "python", "ci/cd"}


def test_fillers_are_word_tokens_not_substrings():
    stats = tx.analyse("The umbrella number was humming along. Um, we, uh, shipped it, you know.")
    assert stats.fillers == {"um": 1, "uh": 1, "you know": 1}


def test_like_is_a_filler_only_when_set_off():
    assert tx.analyse("I like Python and it looks like a good fit.").fillers == {}
    assert tx.analyse("It was, like, really slow.").fillers == {"like": 1}


def test_pronouns_hedges_and_buzzwords_are_counted():
    stats = tx.analyse("I think we leveraged synergy. I fixed it myself, maybe. We shipped.")
    assert stats.first_singular == 3
    assert stats.first_plural == 2
    assert stats.hedges == {"maybe": 1, "I think": 1}
    assert stats.buzzwords == {"leveraged": 1, "synergy": 1}


def test_trade_offs_and_limits_are_counted_however_they_are_put():
    assert tx.analyse("Lookup is O(1) on average and O(n) in the worst case.").nuance == 1
    assert tx.analyse("The threshold trades one for the other.").nuance == 1
    assert tx.analyse("Favour recall when misses are expensive.").nuance == 1
    assert tx.analyse("It is constant time only if the hash spreads keys evenly.").nuance == 1
    assert tx.analyse("A hash map stores key-value pairs and lookups are fast.").nuance == 0


def test_sentences_split_on_punctuation_and_long_transcripts_are_chunked():
    assert tx.sentences("First point. Second point! Third? Yes.") == ["First point.", "Second point!", "Third?", "Yes."]
    chunks = tx.sentences(" ".join(["word"] * 100))
    assert len(chunks) == 4
    assert all(len(c.split()) <= 25 for c in chunks)


def test_numbers_include_digits_and_number_words():
    stats = tx.analyse("We cut latency by 40% in three weeks, from 800 ms.")
    assert stats.numbers == 3
    assert stats.outcome_verbs == 1


def test_synonyms_map_to_canonical_topics():
    found = find_topics("We run k8s on EKS, provision with Terraform and store data in Postgres 15.", VOCABULARY)
    assert found == {"kubernetes": 2, "terraform": 1, "postgresql": 1}


def test_matching_respects_word_boundaries():
    assert find_topics("Strong JavaScript skills", VOCABULARY) == {"javascript": 1}
    assert find_topics("Strong JS skills; Java a plus", VOCABULARY) == {"javascript": 1, "java": 1}
    assert find_topics("I go to the office and react quickly", VOCABULARY) == {}
    assert find_topics("Services written in Go and golang tooling", VOCABULARY) == {"go": 2}
    assert find_topics("Our CI/CD pipeline", VOCABULARY) == {"ci/cd": 1}
    assert find_topics("pythonic code", VOCABULARY) == {}


def test_topics_outside_the_vocabulary_are_ignored():
    assert find_topics("We use k8s", {"python"}) == {}
    assert find_topics(None, VOCABULARY) == {}


def test_a_key_point_continues_a_sentence_in_lower_case_but_names_keep_their_capitals():
    assert tx.lower_first("A segfault kills the process.") == "a segfault kills the process."
    assert tx.lower_first("Explains why retries happen") == "explains why retries happen"
    for kept in (
        "Kubernetes restarts it",
        "Google's guidance",
        "SQL joins",
        "useEffect runs",
        "F1 balances both",
        "I asked why",
        "I'd ask first",
        "Simpson's paradox",
        "PostgreSQL locks rows",
    ):
        assert tx.lower_first(kept) == kept
    assert tx.lower_first("") == ""
