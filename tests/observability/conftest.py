"""Fixtures of the observability tests: a local stack whose functions' output is captured, and Powertools'
in-process output pointed at pytest's capture."""

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from local_stack.process import StackProcess


class CapturedStack(StackProcess):
    """The local stack in a process of its own; its standard output (and so every function worker's: Powertools
    logs and EMF metrics) goes to a file the tests read."""

    def lines(self) -> list[dict[str, Any]]:
        """Every JSON line the functions wrote so far."""
        return json_lines(self.output.read_text(errors="replace"))

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> list[dict[str, Any]]:
        """The lines satisfying ``predicate``, once there is at least one (workers flush after each invocation)."""
        deadline = time.monotonic() + timeout
        while True:
            matching = [line for line in self.lines() if predicate(line)]
            if matching or time.monotonic() > deadline:
                return matching
            time.sleep(0.1)

    def token(self, username: str) -> str:
        response = httpx.post(f"{self.http_url}/auth/dev-token", json={"username": username}, timeout=10)
        response.raise_for_status()
        return response.json()["id_token"]


@pytest.fixture(scope="module")
def captured_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CapturedStack]:
    with CapturedStack(tmp_path_factory.mktemp("stack") / "output.log") as stack:
        yield stack


class _CurrentStdout:
    """Writes to whatever ``sys.stdout`` is at the moment (pytest swaps it between a test's phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def powertools_output(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """capsys, with Powertools' log handler writing to the captured stdout (it keeps the stdout of import time).

    EMF metrics are printed at flush time and need nothing more.
    """
    from practice_shared.observability import logger

    handler = logger.registered_handler
    previous = handler.stream  # type: ignore[attr-defined]
    handler.stream = _CurrentStdout()  # type: ignore[attr-defined]
    yield capsys
    handler.stream = previous  # type: ignore[attr-defined]


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON objects among ``text``'s lines (Powertools log lines and EMF blobs)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


def emf_metrics(lines: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """EMF blobs by metric name: {"SessionsCreated": [blob, ...], ...}."""
    found: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        for directive in (line.get("_aws") or {}).get("CloudWatchMetrics", []):
            for metric in directive["Metrics"]:
                found.setdefault(metric["Name"], []).append({**line, "_namespace": directive["Namespace"]})
    return found
