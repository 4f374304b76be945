"""The zip functions' packages run on their Lambda runtime: python3.11 is Amazon Linux 2, whose glibc is 2.26.

A wheel tagged for a newer glibc (``manylinux_2_28``: numpy 2.3+, onnxruntime 1.17+) installs on a build machine
and then fails at import in Lambda, in every invocation. pip is asked to resolve each zip function's and the shared
layer's pinned packages for ``manylinux2014`` (glibc 2.17) on CPython 3.11 only, as ``functions/interview/Makefile``
and SAM's own builder install them: a pin with no such wheel fails here, not in AWS. Needs the package index.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from local_stack.cfn import load_yaml

ROOT = Path(__file__).resolve().parents[2]
AMAZON_LINUX_2 = [
    "--only-binary=:all:",
    "--platform=manylinux2014_x86_64",
    "--python-version=3.11",
    "--implementation=cp",
    "--abi=cp311",
]
# What goes into each zip artifact: (requirements file, installed with its dependencies).
ARTIFACTS = {
    "GatewayFunction": [("functions/gateway/requirements.txt", True)],
    "InterviewFunction": [
        ("functions/interview/requirements.txt", True),
        ("functions/interview/requirements-nodeps.txt", False),
    ],
    "SharedLayer": [("layers/shared/requirements.txt", True)],
}


def test_the_zip_functions_run_on_the_python3_11_runtime() -> None:
    resources = load_yaml((ROOT / "template.yaml").read_text())["Resources"]
    zipped = {
        name: spec["Properties"]
        for name, spec in resources.items()
        if spec["Type"] == "AWS::Serverless::Function" and spec["Properties"].get("PackageType") != "Image"
    }
    assert {"GatewayFunction", "InterviewFunction", "AuthorizerFunction"} <= set(zipped)
    assert {name: props.get("Runtime") for name, props in zipped.items()} == dict.fromkeys(zipped, "python3.11")
    assert resources["SharedLayer"]["Properties"]["CompatibleRuntimes"] == ["python3.11"]


@pytest.mark.parametrize(
    ("artifact", "requirements", "with_deps"), [(a, r, d) for a, rs in ARTIFACTS.items() for r, d in rs]
)
def test_every_package_is_pinned_as_tested_with_a_wheel_for_amazon_linux_2(
    artifact: str, requirements: str, with_deps: bool, tmp_path: Path
) -> None:
    """Resolved as SAM's builder resolves it (without requirements/constraints.txt), the file installs exactly the
    packages it pins, each at the version the tests run with, each with a wheel for glibc 2.26."""
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed", "--report"]
    command += [str(report), *AMAZON_LINUX_2, "--target", str(tmp_path / "target"), "-r", str(ROOT / requirements)]
    if not with_deps:
        command.append("--no-deps")
    resolved = subprocess.run(command, capture_output=True, text=True, timeout=300)
    errors = [line for line in resolved.stderr.splitlines() if line.startswith("ERROR")]
    assert resolved.returncode == 0, f"{artifact}: {requirements} has no wheel for glibc 2.26:\n" + "\n".join(errors)
    installed = {
        _name(i["metadata"]["name"]): i["metadata"]["version"] for i in json.loads(report.read_text())["install"]
    }
    tested = _pins(ROOT / "requirements" / "constraints.txt")
    assert installed == _pins(ROOT / requirements), f"{requirements} does not pin everything it installs"
    assert {name: tested.get(name) for name in installed} == installed, "pinned at versions the tests do not run"


def _name(requirement: str) -> str:
    """A package's normalized name, without extras."""
    return re.sub(r"[-_.]+", "-", requirement.split("[")[0].strip()).lower()


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {_name(name): version for name, _, version in (line.partition("==") for line in lines if "==" in line)}
