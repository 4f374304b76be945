"""API Gateway rules the real template does not exercise, on a minimal template (templates/api_rules.yaml)."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local_stack.stack import LocalStack

TEMPLATE = Path(__file__).with_name("templates") / "api_rules.yaml"


@pytest.fixture(scope="module")
def rules_stack() -> Iterator[LocalStack]:
    with LocalStack(port=0, template=TEMPLATE, web_dir=None) as running:
        yield running


def test_a_refusing_connect_route_refuses_the_handshake_with_its_status(rules_stack: LocalStack) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(rules_stack.ws_url)
    assert refused.value.response.status_code == 401
    assert refused.value.response.body == b"a token is required"


def test_only_routes_with_a_route_response_answer_the_client(rules_stack: LocalStack) -> None:
    with connect(f"{rules_stack.ws_url}?token=let-me-in") as ws:
        ws.send(json.dumps({"action": "silent", "n": 1}))
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1.5)  # the function answered, but the route has no route response
        ws.send(json.dumps({"action": "echo", "n": 2}))
        assert json.loads(ws.recv(timeout=30)) == {"action": "echo", "n": 2}


def test_a_failing_route_and_an_unmatched_message_get_api_gateway_errors(rules_stack: LocalStack) -> None:
    with connect(f"{rules_stack.ws_url}?token=let-me-in") as ws:
        ws.send(json.dumps({"action": "boom"}))
        failed = json.loads(ws.recv(timeout=30))
        assert failed["message"] == "Internal server error" and failed["connectionId"] and failed["requestId"]
        ws.send(json.dumps({"action": "no_such_route"}))  # and the template has no $default route
        assert json.loads(ws.recv(timeout=30))["message"] == "Forbidden"


def test_rest_events_and_answers_round_trip_like_api_gateway(rules_stack: LocalStack) -> None:
    audio = bytes(range(256))
    response = httpx.put(
        f"{rules_stack.http_url}/rules/echo", content=audio, headers={"content-type": "application/x-raw"}
    )
    assert response.status_code == 201
    assert response.headers.get_list("x-seen") == ["a", "b"]
    echoed = response.json()
    assert echoed["resource"] == "/rules/{proxy+}" and echoed["pathParameters"] == {"proxy": "echo"}
    assert echoed["httpMethod"] == "PUT"
    # Not one of this API's binary media types: passed as text, the non-UTF-8 bytes mangled as on AWS.
    assert echoed["isBase64Encoded"] is False and "\ufffd" in echoed["body"]
    binary = httpx.get(f"{rules_stack.http_url}/rules/binary")
    assert binary.content == b"RIFF\x00\x01" and binary.headers["content-type"] == "audio/wav"


def test_failing_or_malformed_rest_functions_answer_502(rules_stack: LocalStack) -> None:
    for what in ("raise", "malformed"):
        response = httpx.get(f"{rules_stack.http_url}/rules/{what}")
        assert response.status_code == 502, what
        assert response.json() == {"message": "Internal server error"}
