"""The build of the evaluator's sentence encoder (functions/interview/encoder_export.py).

The float32 graph is checked against the reference vectors exactly, so that the int8 model's small differences
(test_semantic.py) come from quantization alone; the padded-batch path of the graph is checked too, though the
function runs texts one at a time.
"""

import json
import zipfile
from pathlib import Path

import encoder_export
import numpy as np
import onnxruntime as ort
import pytest
from safetensors.numpy import load as load_safetensors

from interview.engine import semantic

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())["sentences"]


def _inputs(encodings: list, width: int) -> dict[str, np.ndarray]:
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return {"input_ids": ids, "attention_mask": mask}


@pytest.fixture(scope="module")
def float_session() -> ort.InferenceSession:
    with zipfile.ZipFile(encoder_export.weights_zip()) as archive:
        config = json.loads(archive.read("config.json"))
        weights = load_safetensors(archive.read("model.safetensors"))
    model = encoder_export.build_graph(weights, config)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def test_the_float32_graph_reproduces_the_reference_vectors(float_session):
    tokenizer = semantic.get_encoder().tokenizer
    for item in REFERENCE:
        (encoding,) = tokenizer.encode_batch([item["text"]])
        (vector,) = float_session.run(None, _inputs([encoding], len(encoding.ids)))[0]
        np.testing.assert_allclose(vector, item["vector"], atol=2e-5)


def test_padding_in_a_batch_does_not_change_a_vector(float_session):
    tokenizer = semantic.get_encoder().tokenizer
    encodings = tokenizer.encode_batch([REFERENCE[2]["text"], REFERENCE[5]["text"]])  # a short and a long one
    width = max(len(e.ids) for e in encodings)
    batch = float_session.run(None, _inputs(encodings, width))[0]
    alone = np.stack([float_session.run(None, _inputs([e], len(e.ids)))[0][0] for e in encodings])
    np.testing.assert_allclose(batch, alone, atol=1e-5)


def test_a_build_that_differs_from_the_measured_one_is_refused_and_nothing_is_replaced(tmp_path):
    into = tmp_path / "encoder"
    into.mkdir()
    (into / "model.onnx").write_text("previous build")
    with pytest.raises(encoder_export.ExportError, match="SHA-256"):
        encoder_export.export(into, expected_sha256="0" * 64)
    assert (into / "model.onnx").read_text() == "previous build"
    assert [p.name for p in tmp_path.iterdir()] == ["encoder"], "the staging directory was left behind"


def test_the_installed_encoder_is_the_verified_build():
    digest = encoder_export.sha256_of(semantic.model_dir() / encoder_export.MODEL_FILE)
    assert digest == encoder_export.MODEL_SHA256
