"""The local stack in a child process (``python -m local_stack``), for benchmarks and tests.

Unlike :class:`local_stack.stack.LocalStack` in the caller's own process, the stack's HTTP and WebSocket server
does not share the caller's interpreter (and its GIL) with the client driving it, and everything the stack and
its function workers print (Powertools logs, EMF metrics) goes to one file the caller can read.

    with StackProcess(output=Path("stack.log"), environment={"LOG_LEVEL": "INFO"}) as stack:
        httpx.get(stack.http_url + "/health")
"""

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

URL_LINE = re.compile(r"^\s+(?P<name>\S.*?)\s{2,}(?P<url>(?:http|ws)://127\.0\.0\.1:\d+\S*)\s*$", re.MULTILINE)


class StackProcess:
    """``python -m local_stack --port 0`` writing to ``output``; the URLs it printed once it is serving."""

    def __init__(
        self,
        output: Path,
        *,
        environment: Mapping[str, str] | None = None,
        parameters: Mapping[str, str] | None = None,
        start_timeout: float = 180.0,
    ) -> None:
        self.output = output
        self.environment = dict(environment or {})
        self.parameters = dict(parameters or {})
        self.start_timeout = start_timeout
        self.urls: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def http_url(self) -> str:
        return self.urls["health"].removesuffix("/health")

    @property
    def ws_url(self) -> str:
        return self.urls["websocket"]

    @property
    def moto_url(self) -> str:
        return next(url for name, url in self.urls.items() if name.startswith("moto"))

    def __enter__(self) -> "StackProcess":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> "StackProcess":
        """Start the stack and return once it prints its URLs (it is then serving, workers prewarmed)."""
        command = [sys.executable, "-m", "local_stack", "--port", "0"]
        command += [f"--env={name}={value}" for name, value in self.environment.items()]
        command += [f"--param={name}={value}" for name, value in self.parameters.items()]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("PORT", None)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        with self.output.open("wb") as sink:
            self._process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.start_timeout
        while "health" not in self.urls:
            text = self.output.read_text(errors="replace")
            if "Local stack running" in text:
                self.urls = {m["name"].strip(): m["url"] for m in URL_LINE.finditer(text)}
            if "health" in self.urls:
                break
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"The local stack did not start; its output:\n{text[-3000:]}")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        """Stop the stack (SIGTERM: it stops its workers and moto) and wait for it. Safe to call twice."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
