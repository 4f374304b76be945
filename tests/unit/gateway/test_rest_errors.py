"""The gateway's REST contract for bad input: JSON errors with a message, never a 500 with a stack trace.

These requests are refused before any downstream function is called, so they run through the real handler
(Mangum + FastAPI) with API Gateway proxy events and no AWS at all.
"""

import json

import pytest

from gateway.handler import lambda_handler
from local_stack.inprocess import context, rest_event


def call(method: str, path: str, body: str | None = None) -> tuple[int, dict]:
    response = lambda_handler(rest_event(method, path, body), context("gateway"))
    return response["statusCode"], json.loads(response["body"])


def test_a_request_that_passed_no_authorizer_is_401():
    event = rest_event("GET", "/api/sessions")
    del event["requestContext"]["authorizer"]
    response = lambda_handler(event, context("gateway"))
    assert response["statusCode"] == 401
    assert json.loads(response["body"])["error"]["code"] == "unauthorized"


def test_health():
    assert call("GET", "/api/health") == (200, {"status": "ok", "function": "gateway"})


def test_unknown_route_is_a_json_404():
    status, body = call("GET", "/api/nope")
    assert status == 404 and body["error"]["code"] == "not_found" and "/api/nope" in body["error"]["message"]


def test_wrong_method_is_a_json_405():
    status, body = call("PUT", "/api/health")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("{not json", "body"),
        ('{"role": "backend_engineer", "num_questions": ' + "9" * 5000 + "}", "body"),  # over Python's 4300 digits
        ('{"role": "backend_engineer", "x": ' + "[" * 3000 + "]" * 3000 + "}", "body"),  # deeper than its parser
        (json.dumps({"role": "astronaut"}), "role"),
        (json.dumps({"role": "backend_engineer", "level": "guru"}), "level"),
        (json.dumps({"role": "backend_engineer", "num_questions": 0}), "num_questions"),
        (json.dumps({"role": "backend_engineer", "num_questions": True}), "num_questions"),  # not taken as 1
        (json.dumps({"role": "backend_engineer", "num_questions": "5"}), "num_questions"),
        (json.dumps({"role": "backend_engineer", "max_follow_ups": 1.5}), "max_follow_ups"),
        (json.dumps({"role": "backend_engineer", "job_description": "x" * 20_001}), "job_description"),
        (json.dumps({"role": "backend_engineer", "custom_questions": ["short"]}), "custom_questions"),
    ],
)
def test_invalid_session_requests_are_422_with_a_message(body, where):
    status, payload = call("POST", "/api/sessions", body)
    assert status == 422
    assert payload["error"]["code"] == "validation_error"
    assert where in payload["error"]["message"]
    assert "input" not in json.dumps(payload["error"].get("details", []))  # never echoes what was sent


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * 10_001])
def test_empty_or_huge_answers_are_refused(text):
    status, payload = call("POST", f"/api/sessions/{'a' * 32}/submit-answer", json.dumps({"text": text}))
    assert status == 422 and payload["error"]["message"]


def test_malformed_session_id_is_refused():
    status, payload = call("POST", "/api/sessions/../../etc/start")
    assert status in (404, 422) and "error" in payload


def test_openapi_is_served():
    response = lambda_handler(rest_event("GET", "/api/openapi.json"), context("gateway"))
    spec = json.loads(response["body"])
    assert response["statusCode"] == 200
    for path in ("/api/sessions", "/api/sessions/{session_id}/submit-answer", "/api/voice/transcribe"):
        assert path in spec["paths"]


@pytest.mark.parametrize(("path", "status"), [("/api/health", 200), ("/api/nope", 404)])
def test_a_cross_origin_request_gets_the_allowed_origin_on_the_answer(monkeypatch, path, status):
    """API Gateway answers only the preflight and its own errors with CORS headers: the function adds them to its."""
    from practice_shared.config import get_settings

    monkeypatch.setenv("ALLOWED_ORIGIN", "https://practice.example.com")
    get_settings.cache_clear()
    event = rest_event("GET", path)
    event["headers"]["origin"] = "https://practice.example.com"
    event["multiValueHeaders"]["origin"] = ["https://practice.example.com"]
    response = lambda_handler(event, context("gateway"))
    get_settings.cache_clear()
    assert response["statusCode"] == status
    assert response["headers"]["access-control-allow-origin"] == "https://practice.example.com"
    assert "Retry-After" in response["headers"]["access-control-expose-headers"]
    same_origin = lambda_handler(rest_event("GET", path), context("gateway"))
    assert "access-control-allow-origin" not in same_origin["headers"]
