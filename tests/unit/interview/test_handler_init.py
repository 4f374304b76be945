"""The interview function's init phase: in Lambda, what its first requests would otherwise wait on is loaded."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROBE = """
import json
from interview import handler
from interview.engine import bank, semantic
print(json.dumps({
    "bank": bank.load_bank.cache_info().currsize,
    "encoder": semantic.get_encoder.cache_info().currsize,
    "vectors": semantic.bank_vectors.cache_info().currsize,
}))
"""


def loaded_at_import(**env: str) -> dict[str, int]:
    """What importing the handler loaded, in a fresh interpreter with ``env`` added."""
    paths = [ROOT / "layers" / "shared", ROOT / "functions" / "interview"]
    environment = {k: v for k, v in os.environ.items() if k not in ("AWS_LAMBDA_INITIALIZATION_TYPE", "LLM_ENGINE")}
    environment.update(PYTHONPATH=os.pathsep.join(map(str, paths)), POWERTOOLS_METRICS_NAMESPACE="Test", **env)
    done = subprocess.run([sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, {"bank": 0, "encoder": 0, "vectors": 0}),  # outside Lambda (tests, tools): nothing loaded until used
        ({"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand"}, {"bank": 1, "encoder": 1, "vectors": 1}),
        (
            {"AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "LLM_ENGINE": "bedrock"},
            {"bank": 1, "encoder": 0, "vectors": 0},
        ),
    ],
)
def test_lambda_init_loads_the_question_bank_and_the_offline_evaluators_encoder_and_vectors(env, expected) -> None:
    assert loaded_at_import(**env) == expected
