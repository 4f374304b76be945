"""Helpers of the observability tests: a local stack whose output is captured, and parsers of Powertools output."""

import json
import sys
import time
from typing import Any

import httpx

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


class CurrentStdout:
    """Writes to whatever ``sys.stdout`` is at the moment (pytest swaps it between a test's phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


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
