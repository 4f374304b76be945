"""The gateway's and the interview function's own time per invocation, excluding the AWS calls they make.

Both handlers (and the voice handler, for the questions' speech) run in this process on moto's in-process AWS,
with the tables and bucket created from template.yaml; Lambda Invoke calls go straight to the callee
(``local_stack.inprocess``). Every botocore API call is timed and charged to the handler that made it, so a
handler's own time is its wall time minus its AWS calls: what is left is our code, FastAPI/Mangum, Pydantic,
Powertools and botocore's request building. The interview function's time inside a gateway invoke is charged to
that invoke, and measured on its own under the interview function.
"""

import contextlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from rest_client import fresh_answers
from stats import summary_ms

from local_stack.inprocess import rest_event

NAMES = {"InterviewTable": "bench-sessions", "IdempotencyTable": "bench-idempotency", "AudioBucket": "bench-audio"}
ENVIRONMENT = {
    "TABLE_NAME": NAMES["InterviewTable"],
    "IDEMPOTENCY_TABLE_NAME": NAMES["IdempotencyTable"],
    "AUDIO_BUCKET": NAMES["AudioBucket"],
    "INTERVIEW_FUNCTION_NAME": "interview",
    "VOICE_FUNCTION_NAME": "voice",
    "MAX_SESSIONS_PER_DAY": "100000",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_METRICS_NAMESPACE": "InterviewPractice",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
Handler = Callable[[dict[str, Any], Any], Any]
# Interview actions whose work depends on the session's mode (evaluation at each answer, or at the end).
BY_MODE = {"submit_answer", "end_session"}


class _Frame:
    """One running handler: the time of its AWS calls so far, and how deep in an AWS call it is."""

    def __init__(self) -> None:
        self.aws = 0.0
        self.calls = 0
        self.depth = 0


class OwnTime:
    """Handler wall time minus the time of the botocore API calls made directly by that handler."""

    def __init__(self) -> None:
        self._frames: list[_Frame] = []
        self.own: dict[str, list[float]] = defaultdict(list)
        self.aws: dict[str, list[float]] = defaultdict(list)
        self.calls: dict[str, list[int]] = defaultdict(list)
        self.recording = False

    def wrap(self, label: Callable[[dict[str, Any]], str], handler: Handler) -> Handler:
        """``handler`` timed; each invocation is filed under ``label(event)``."""

        def timed(event: dict[str, Any], context: Any) -> Any:
            frame = _Frame()
            self._frames.append(frame)
            started = time.perf_counter()
            try:
                return handler(event, context)
            finally:
                total = time.perf_counter() - started
                self._frames.pop()
                if self.recording:
                    self.own[label(event)].append(total - frame.aws)
                    self.aws[label(event)].append(frame.aws)
                    self.calls[label(event)].append(frame.calls)

        return timed

    @contextlib.contextmanager
    def sdk_calls(self) -> Iterator[None]:
        """Time every botocore API call and charge it to the innermost running handler (once, when calls nest)."""
        from botocore.client import BaseClient

        original = BaseClient._make_api_call

        def timed_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            frame = self._frames[-1] if self._frames else _Frame()
            frame.depth += 1
            started = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                frame.depth -= 1
                if frame.depth == 0:
                    frame.aws += time.perf_counter() - started
                    frame.calls += 1

        BaseClient._make_api_call = timed_call  # type: ignore[method-assign]
        try:
            yield
        finally:
            BaseClient._make_api_call = original  # type: ignore[method-assign]


class Flow:
    """Typed interviews driven through the gateway handler, each request filed under its route."""

    def __init__(self, gateway: Handler, context: Callable[[str], Any], answers: Callable[[], str]) -> None:
        self.gateway, self.context, self.answers = gateway, context, answers
        self.route = self.mode = ""

    def call(self, route: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        self.route = route
        response = self.gateway(rest_event(method, path, body), self.context("gateway"))
        if response["statusCode"] >= 300:
            raise RuntimeError(f"{route}: HTTP {response['statusCode']}: {response['body'][:300]}")
        return json.loads(response["body"])

    def interview(self, mode: str, questions: int) -> None:
        self.mode = mode
        base = "/api/sessions"
        config = {"role": "backend_engineer", "mode": mode, "num_questions": questions, "max_follow_ups": 0}
        sid = self.call("create", "POST", base, config)["session"]["session_id"]
        self.call("start", "POST", f"{base}/{sid}/start")
        for i in range(questions):
            self.call(f"submit-answer ({mode})", "POST", f"{base}/{sid}/submit-answer", {"text": self.answers()})
            if i < questions - 1:
                self.call("next-question", "POST", f"{base}/{sid}/next-question")
        self.call("get-session", "GET", f"{base}/{sid}")
        self.call(f"end ({mode})", "POST", f"{base}/{sid}/end")
        self.call("report", "GET", f"{base}/{sid}/report")


def run(answers: list[str], interviews: int, questions: int = 3, warmup: int = 2) -> dict[str, Any]:
    """Own time per gateway route and per interview action, over typed interviews in both modes."""
    os.environ.update(ENVIRONMENT)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]
    from moto import mock_aws

    from local_stack.inprocess import context, route_invokes
    from local_stack.template import Template
    from practice_shared import aws
    from practice_shared.config import get_settings

    get_settings.cache_clear()
    aws.client.cache_clear()
    aws.resource.cache_clear()
    with mock_aws():
        Template.load().create_stores(names=NAMES)
        from gateway.handler import lambda_handler as gateway
        from interview.handler import lambda_handler as interview
        from voice import tts
        from voice.handler import lambda_handler as voice

        tts.forget_stored_speech()  # speech seen in another benchmark's bucket

        timer = OwnTime()
        flow = Flow(timer.wrap(lambda _: flow.route, gateway), context, fresh_answers(answers))

        def action(event: dict[str, Any]) -> str:
            return f"{event['action']} ({flow.mode})" if event["action"] in BY_MODE else event["action"]

        handlers = {
            "interview": timer.wrap(lambda event: f"interview:{action(event)}", interview),
            "voice": timer.wrap(lambda event: f"voice:{event['action']}", voice),
        }
        with timer.sdk_calls(), route_invokes(aws.client("lambda"), handlers):
            for n in range(warmup + interviews):
                timer.recording = n >= warmup
                for mode in ("collect", "evaluate"):
                    flow.interview(mode, questions)
    aws.client.cache_clear()
    aws.resource.cache_clear()
    return {
        "interviews_per_mode": interviews,
        "questions": questions,
        "own": {label: summary_ms(values) for label, values in sorted(timer.own.items())},
        "aws": {label: summary_ms(values) for label, values in sorted(timer.aws.items())},
        "aws_calls_per_invocation": {label: max(values) for label, values in sorted(timer.calls.items())},
    }
