"""Logs never contain transcripts, resumes or tokens, even with every event logged at DEBUG level.

The handlers run in process with Powertools' event logging switched on (``POWERTOOLS_LOGGER_LOG_EVENT``, read when a
handler module is imported, hence the reloads) and their JSON log lines captured.
"""

import importlib
import json
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

TOKEN = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLTdmM2E.c2lnbmF0dXJlLXh5eg"
RESUME = "Resume-of-Grace-Hopper-born-1906-COBOL"
TRANSCRIPT = "my-salary-was-ninety-thousand-and-I-was-fired"
JOB = "Confidential-job-ad-for-Project-Bluebird"
CONTEXT = SimpleNamespace(
    function_name="fn",
    memory_limit_in_mb=512,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:fn",
    aws_request_id="req-redaction",
    get_remaining_time_in_millis=lambda: 30_000,
)


class _CurrentStdout:
    """Writes to whatever ``sys.stdout`` is now (Powertools' handler keeps the stdout of import time)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def handlers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], aws_tables: None, event_loop_for_mangum: None
) -> Iterator[Any]:
    """The gateway, authorizer and interview handlers with every event logged at DEBUG level."""
    from practice_shared import auth
    from practice_shared.config import get_settings
    from practice_shared.observability import logger

    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    monkeypatch.setenv("AUTH_ISSUER", "https://issuer.test/pool")
    monkeypatch.setenv("AUTH_JWKS_URL", "https://issuer.test/pool/.well-known/jwks.json")
    monkeypatch.setenv("AUTH_CLIENT_ID", "client-test")
    get_settings.cache_clear()
    auth.verifier.cache_clear()
    modules = [importlib.import_module(m) for m in ("gateway.handler", "gateway.authorizer", "interview.handler")]
    reloaded = [importlib.reload(m) for m in modules]
    handler, level = logger.registered_handler, logger.log_level
    stream = handler.stream  # type: ignore[attr-defined]
    handler.stream = _CurrentStdout()  # type: ignore[attr-defined]
    logger.setLevel("DEBUG")
    yield SimpleNamespace(gateway=reloaded[0], authorizer=reloaded[1], interview=reloaded[2])
    logger.setLevel(level)
    handler.stream = stream  # type: ignore[attr-defined]
    monkeypatch.undo()
    for module in modules:
        importlib.reload(module)
    get_settings.cache_clear()
    auth.verifier.cache_clear()


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"level"')]


def assert_secret_free(lines: list[dict[str, Any]], *secrets: str) -> None:
    text = json.dumps(lines)
    for secret in secrets:
        assert secret not in text
    assert any(isinstance(line.get("message"), dict) for line in lines), "the event itself was not logged"
    assert "[redacted]" in text


def test_a_rest_request_logs_neither_its_token_nor_the_resume(handlers: Any, capsys) -> None:
    body = {"role": "backend_engineer", "resume_text": RESUME, "job_description": JOB}
    event = {
        "resource": "/api/{proxy+}",
        "path": "/api/sessions",
        "httpMethod": "POST",
        "headers": {"content-type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        "multiValueHeaders": {"content-type": ["application/json"], "Authorization": [f"Bearer {TOKEN}"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"proxy": "sessions"},
        "requestContext": {
            "httpMethod": "POST",
            "path": "/dev/api/sessions",
            "stage": "dev",
            "requestId": "req-1",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": {"claims": {"sub": "user-logs", "token_use": "id"}},
        },
        "body": json.dumps(body),
        "isBase64Encoded": False,
    }
    response = handlers.gateway.lambda_handler(event, CONTEXT)
    assert response["statusCode"] >= 500  # no interview function here: the request fails after being logged
    assert_secret_free(log_lines(capsys), TOKEN, RESUME, JOB)


def test_a_websocket_connection_does_not_log_its_token(handlers: Any, capsys) -> None:
    event = {
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/dev/$connect",
        "headers": {"Host": "api.test"},
        "queryStringParameters": {"token": TOKEN},
        "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "c1"},
    }
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        handlers.authorizer.lambda_handler(event, CONTEXT)
    assert_secret_free(log_lines(capsys), TOKEN)


def test_an_answer_and_its_transcript_are_not_logged(handlers: Any, capsys) -> None:
    payload = {
        "user_id": "user-logs",
        "session_id": "a" * 32,
        "text": TRANSCRIPT,
        "source": "audio",
        "client_answer_id": "logs00001",
    }
    result = handlers.interview.lambda_handler({"action": "submit_answer", "payload": payload}, CONTEXT)
    assert result["ok"] is False and result["error"]["code"] == "not_found"
    message = {"action": "text_answer", "answer_id": "logs00002", "text": TRANSCRIPT}
    ws_event = {
        "requestContext": {
            "routeKey": "text_answer",
            "eventType": "MESSAGE",
            "connectionId": "c2",
            "authorizer": {"principalId": "user-logs"},
        },
        "body": json.dumps(message),
    }
    handlers.gateway.lambda_handler(ws_event, CONTEXT)  # not joined: refused, after the event was logged
    assert_secret_free(log_lines(capsys), TRANSCRIPT)
