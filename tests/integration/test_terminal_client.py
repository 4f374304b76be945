"""The ``interview-practice`` command as a user runs it: the installed console script against the local stack.

The practice flow itself is tested against a scripted API in ``tests/unit/cli``; this runs the real entry point
(argument parsing and dispatch included), signing in with the stack's development tokens, with typed answers.
"""

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from local_stack.stack import LocalStack

ANSWER = (
    "In my last role I owned the checkout service. Customers were charged twice when the mobile app retried, "
    "so I added an idempotency key and stored each result. Duplicate charges dropped to zero within a week."
)


def console_script() -> str:
    """The ``interview-practice`` script installed beside this interpreter (the project's editable install)."""
    script = Path(sys.executable).parent / "interview-practice"
    found = str(script) if script.exists() else shutil.which("interview-practice")
    if not found:
        pytest.fail("the interview-practice console script is not installed (pip install -e .)")
    return found


@pytest.mark.parametrize("api_suffix", ["", "/api"], ids=["stack-url", "rest-api-url"])
def test_practice_command_runs_a_typed_interview_to_its_report(stack: LocalStack, api_suffix: str) -> None:
    base = stack.api_url.removesuffix("/api")
    command = [
        console_script(),
        "practice",
        "--api",
        base + api_suffix,
        "--user",
        f"cli-{uuid.uuid4().hex[:8]}",
        "--role",
        "backend_engineer",
        "--type",
        "behavioral",
        "--mode",
        "collect",
        "--questions",
        "1",
        "--json",
    ]
    finished = subprocess.run(command, input=f"{ANSWER}\n\n", capture_output=True, text=True, timeout=120)

    assert finished.returncode == 0, finished.stdout + finished.stderr
    events = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    kinds = [event["event"] for event in events]
    assert kinds[0] == "session" and "question" in kinds and "answer" in kinds and kinds[-1] == "report"
    report = events[-1]["report"]
    assert report["answered"] == 1 and report["questions"][0]["answer"] == ANSWER
    assert report["overall"] is not None
