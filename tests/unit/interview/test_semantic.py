"""The int8 ONNX all-MiniLM-L6-v2 encoder, checked against float32 reference vectors and on semantic properties.

Reference vectors (``data/minilm_reference.json``): the project's earlier float32 NumPy forward pass over the same
weights, which matched sentence-transformers 6.2.0 on torch 2.13.0 (CPU) to cosine >= 0.9999999 on 20 sentences.
int8 weights move each vector a little; what the evaluator needs is that similarities keep their order and size.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from interview.engine import semantic
from interview.engine.bank import load_bank

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())["sentences"]
REFERENCE_SENTENCE = REFERENCE[0]["text"]


@pytest.fixture(scope="module")
def encoder() -> semantic.Encoder:
    return semantic.get_encoder()


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray]:
    return [r["text"] for r in REFERENCE], np.array([r["vector"] for r in REFERENCE], dtype=np.float32)


def test_vectors_stay_close_to_the_float32_reference(encoder, reference):
    texts, expected = reference
    vectors = encoder.encode(texts)
    cosines = (vectors * expected).sum(axis=1)
    assert cosines.min() > 0.97, cosines
    assert cosines.mean() > 0.985, cosines


def test_similarities_between_sentences_match_the_float32_ones(encoder, reference):
    texts, expected = reference
    vectors = encoder.encode(texts)
    got, want = vectors @ vectors.T, expected @ expected.T
    upper = np.triu_indices(len(texts), k=1)
    assert np.abs(got - want)[upper].max() < 0.06
    assert np.corrcoef(got[upper], want[upper])[0, 1] > 0.99


def test_vectors_are_unit_length_and_independent_of_the_other_texts(encoder):
    texts = ["Short one.", REFERENCE_SENTENCE, "A much longer sentence about caches, queues and retries " * 3]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_paraphrase_is_closer_than_an_unrelated_sentence():
    sims = semantic.similarity(
        [REFERENCE_SENTENCE],
        [
            "Retried requests carry a unique key and the server stores the first result.",
            "My favourite food is pizza.",
            "Kubernetes schedules pods onto nodes based on resource requests.",
        ],
    )[0]
    assert sims[0] > 0.6
    assert sims[0] > sims[2] > sims[1]


def test_known_pairs_are_ordered_by_meaning():
    anchor = "The p-value is the probability of data this extreme if the null hypothesis were true."
    sims = semantic.similarity(
        [anchor],
        [
            "A p-value tells you how surprising the data would be if there were no real effect.",
            "Statistical significance is judged by comparing the p-value to a threshold like 0.05.",
            "We moved our servers to a new data centre last year.",
        ],
    )[0]
    assert sims[0] > sims[1] > sims[2]


def test_long_input_is_truncated_not_rejected(encoder):
    vector = encoder.encode(["word " * 1000])[0]
    assert np.isfinite(vector).all()


def test_empty_inputs(encoder):
    assert encoder.encode([]).shape == (0, 384)
    assert semantic.similarity([], ["x"]).shape == (0, 1)


def test_embed_reuses_cached_vectors():
    first = semantic.embed(["cached sentence about retries", "another one"])
    again = semantic.embed(["another one", "cached sentence about retries"])
    np.testing.assert_array_equal(first[0], again[1])


def test_an_encoder_that_was_not_built_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MINILM_MODEL_DIR", str(tmp_path / "missing"))
    assert semantic.model_dir() == tmp_path / "missing"
    with pytest.raises(semantic.EncoderNotBuilt, match=r"encoder_export\.py"):
        semantic.Encoder(semantic.model_dir())


def test_the_bank_is_embedded_at_build_time_exactly_as_it_would_be_on_first_use():
    """``make`` builds bank_vectors.npz beside the encoder (as ``sam build`` does): every text the evaluator compares
    answers with is in it, with the vector the encoder gives it."""
    bank = load_bank()
    built = semantic.bank_vectors()
    texts = [t for q in bank.questions for t in (q.text, *q.key_points, *(e for g in q.key_point_examples for e in g))]
    assert set(texts) <= set(built)
    sample = texts[:: max(1, len(texts) // 20)]
    assert np.array_equal(semantic.get_encoder().encode(sample), np.stack([built[t] for t in sample]))
