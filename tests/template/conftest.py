"""Fixtures for the template tests: the SAM CLI venv (.tools) and the transformed template."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "bin"
INSTALL = "python3.11 -m venv .tools && .tools/bin/pip install -r requirements/tools.txt"


@pytest.fixture(scope="session")
def tools_env() -> dict[str, str]:
    """Environment for SAM CLI: offline, no telemetry, a region (sam validate needs one)."""
    return {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def sam() -> Path:
    if not (TOOLS / "sam").exists():
        pytest.skip(f".tools is absent; `make` creates it ({INSTALL})")
    return TOOLS / "sam"


@pytest.fixture(scope="session")
def transformed(sam: Path, tools_env: dict[str, str]) -> dict[str, Any]:
    """The CloudFormation template SAM produces from template.yaml."""
    result = subprocess.run(
        [str(TOOLS / "python"), str(Path(__file__).with_name("sam_translate.py")), str(ROOT / "template.yaml")],
        capture_output=True,
        text=True,
        env=tools_env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
