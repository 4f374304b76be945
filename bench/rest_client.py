"""A timed REST client for the local stack, and the typed interview a simulated candidate goes through.

Each simulated candidate signs in as a user of its own with a development token from the local stack
(``POST /auth/dev-token``), as the web app does locally.

Each request's wall time at the client is filed under its route. The routes that speak are split by what the
voice function answered: ``start (TTS cached)`` when the question's audio came from the S3 cache, ``(TTS
uncached)`` when it was synthesized for this request.
"""

import itertools
import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

CONFIG = {"role": "backend_engineer", "level": "mid", "interview_type": "mixed"}
SENTENCE_END = re.compile(r"([.!?])(?=\s|$)")


def fresh_answers(texts: list[str]) -> Callable[[], str]:
    """Typed answers never sent before, made from ``texts`` in turn.

    The interview function keeps the embeddings of sentences it has seen (its questions' key points are worth
    keeping); a candidate's sentences are new to it. So every sentence of an answer here ends with the answer's
    number, and each answer is evaluated as a candidate's would be, not from that cache.
    """
    counter = itertools.count()

    def next_answer() -> str:
        n = next(counter)
        return SENTENCE_END.sub(rf" ({n})\1", texts[n % len(texts)])

    return next_answer


class RequestFailed(Exception):
    """A request answered with an error status, or not at all."""

    def __init__(self, route: str, status: int, message: str) -> None:
        super().__init__(f"{route}: HTTP {status}: {message}")
        self.route, self.status = route, status


def speech_label(route: str, audio: dict[str, Any] | None, mode: str = "") -> str:
    """``route`` qualified by the session's mode and whether its audio was cached, synthesized, or missing."""
    speech = "no audio" if not audio else f"TTS {'cached' if audio.get('cached') else 'uncached'}"
    return f"{route} ({mode + ', ' if mode else ''}{speech})"


async def sign_in(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """The ``Authorization`` header with a development token for ``username`` from the local stack."""
    response = await client.post("/auth/dev-token", json={"username": username})
    if response.status_code != 200:
        raise RequestFailed("sign-in", response.status_code, response.text[:300])
    return {"Authorization": f"Bearer {response.json()['id_token']}"}


def _start_label(view: dict[str, Any]) -> str:
    return speech_label("start", view["question"]["audio"])


def _next_label(result: dict[str, Any]) -> str:
    return "next-question (done)" if result["done"] else speech_label("next-question", result["question"]["audio"])


class Timings:
    """Seconds per request by label, and when each request ended; shared by the clients of one measurement."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.completed: list[float] = []
        self.recording = True

    def add(self, label: str, started: float, ended: float) -> None:
        if self.recording:
            self.samples[label].append(ended - started)
            self.completed.append(ended)

    def count(self) -> int:
        return sum(len(values) for values in self.samples.values())


class Api:
    """Timed calls to the REST API as one signed-in user."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], timings: Timings) -> None:
        self.client, self.headers, self.timings = client, headers, timings

    async def call(
        self, route: str, method: str, path: str, body: Any = None, label: Callable[[Any], str] | None = None
    ) -> Any:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, path, json=body, headers=self.headers)
        except httpx.HTTPError as exc:
            raise RequestFailed(route, 0, f"{type(exc).__name__}: {exc}") from exc
        ended = time.perf_counter()
        if response.status_code >= 300:
            raise RequestFailed(route, response.status_code, response.text[:300])
        data = response.json() if response.content else None
        self.timings.add(label(data) if label else route, started, ended)
        return data


async def typed_interview(
    api: Api, answers: Callable[[], str], *, mode: str, questions: int, max_follow_ups: int
) -> dict[str, int]:
    """Create, start, answer every question (and follow-up) by text, end; then check every answer was kept.

    Returns the answers sent and how many of them the stored session lacks.
    """
    base = "/api/sessions"
    config = {**CONFIG, "mode": mode, "num_questions": questions, "max_follow_ups": max_follow_ups}
    session_id = (await api.call("create", "POST", base, config))["session"]["session_id"]
    path = f"{base}/{session_id}"
    view = await api.call("start", "POST", f"{path}/start", label=_start_label)
    question = view["question"]
    sent: list[str] = []
    while question is not None:
        answer_id = uuid.uuid4().hex
        result = await api.call(
            f"submit-answer ({mode})",
            "POST",
            f"{path}/submit-answer",
            {"text": answers(), "client_answer_id": answer_id},
        )
        sent.append(answer_id)
        if result.get("follow_up"):
            question = result["follow_up"]
            continue
        nxt = await api.call("next-question", "POST", f"{path}/next-question", label=_next_label)
        question = None if nxt["done"] else nxt["question"]
    await api.call("end", "POST", f"{path}/end", label=lambda e: speech_label("end", e["summary_audio"], mode))
    stored = await api.call("get-session", "GET", path)
    kept = {a["answer_id"] for a in stored.get("answers") or []}
    report = await api.call("report", "GET", f"{path}/report")
    if len(report.get("questions") or []) == 0:
        raise RequestFailed("report", 200, "the report has no questions")
    return {"answers": len(sent), "lost": len(set(sent) - kept)}
