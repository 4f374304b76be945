"""The emulators' events have the shape API Gateway sends (tests/events/), and answers map back like AWS."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request
from starlette.routing import Match, Route

from local_stack.rest import build_event, starlette_path, to_response
from local_stack.template import RestRoute, StackSpec, Template
from local_stack.websocket import Connection, WebSocketApi

EVENTS = Path(__file__).resolve().parents[1] / "events"
DATA_MAPS = {
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
}


@pytest.fixture(scope="module")
def spec() -> StackSpec:
    return Template.load().stack_spec()


def fixture(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def missing_keys(reference: dict[str, Any], ours: dict[str, Any], where: str = "") -> list[str]:
    """Keys of ``reference`` absent from ``ours``, recursively (maps of request data are not compared)."""
    missing = []
    for key, value in reference.items():
        if key not in ours:
            missing.append(where + key)
        elif isinstance(value, dict) and key not in DATA_MAPS and isinstance(ours[key], dict):
            missing += missing_keys(value, ours[key], f"{where}{key}.")
    return missing


def request(
    method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[Request, RestRoute]:
    raw_headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"pytest")]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": raw_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "scheme": "http",
        "http_version": "1.1",
    }
    route = RestRoute("/api/{proxy+}", "ANY", "GatewayFunction")
    match, child = Route(starlette_path(route.path), lambda r: None, methods=[method]).matches(scope)
    assert match is Match.FULL
    return Request({**scope, **child}), route


def test_rest_event_has_every_key_api_gateway_sends(spec: StackSpec) -> None:
    assert spec.rest is not None
    req, route = request(
        "POST", "/api/sessions?lang=en&lang=fr", b'{"role": "x"}', {"content-type": "application/json"}
    )
    event = build_event(req, b'{"role": "x"}', route, spec.rest, "req-1")
    assert missing_keys(fixture("apigateway_rest_proxy.json"), event) == []
    assert event["resource"] == "/api/{proxy+}" and event["path"] == "/api/sessions"
    assert event["pathParameters"] == {"proxy": "sessions"}
    assert event["queryStringParameters"] == {"lang": "fr"}
    assert event["multiValueQueryStringParameters"] == {"lang": ["en", "fr"]}
    assert event["requestContext"]["path"] == "/dev/api/sessions" and event["requestContext"]["stage"] == "dev"
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert event["body"] == '{"role": "x"}' and event["isBase64Encoded"] is False


def test_binary_media_types_arrive_base64_encoded(spec: StackSpec) -> None:
    assert spec.rest is not None
    audio = bytes(range(256))
    req, route = request("PUT", "/api/audio", audio, {"content-type": "audio/webm"})
    event = build_event(req, audio, route, spec.rest, "req-2")
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == audio
    req, route = request("GET", "/api/health")
    event = build_event(req, b"", route, spec.rest, "req-3")
    assert event["body"] is None and event["queryStringParameters"] is None


def test_proxy_results_become_http_responses() -> None:
    response = to_response(
        {
            "statusCode": 201,
            "headers": {"content-type": "application/json"},
            "multiValueHeaders": {"set-cookie": ["a=1", "b=2"]},
            "body": '{"id": "s1"}',
        },
        "req-4",
    )
    assert response is not None and response.status_code == 201
    assert response.body == b'{"id": "s1"}'
    assert response.headers.getlist("set-cookie") == ["a=1", "b=2"]
    binary = to_response(
        {"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True}, "r"
    )
    assert binary is not None and binary.body == b"\x00\x01"
    assert to_response({"body": "no status"}, "r") is None
    assert to_response("not a dict", "r") is None


def ws_api(spec: StackSpec) -> tuple[WebSocketApi, Connection]:
    assert spec.websocket is not None
    api = WebSocketApi(spec.websocket, functions=None)  # type: ignore[arg-type]  # events only, nothing invoked
    conn = Connection(
        id="Zx9Cv8Bn7Mk=",
        websocket=None,  # type: ignore[arg-type]
        headers={"Host": ["127.0.0.1:8000"], "Sec-WebSocket-Version": ["13"]},
        source_ip="127.0.0.1",
        user_agent="pytest",
        domain_name="127.0.0.1:8000",
    )
    return api, conn


def test_websocket_events_have_every_key_api_gateway_sends(spec: StackSpec) -> None:
    api, conn = ws_api(spec)
    connect = api.connect_event(conn, {"token": ["abc"]})
    assert missing_keys(fixture("apigateway_ws_connect.json"), connect) == []
    assert connect["requestContext"]["eventType"] == "CONNECT" and connect["queryStringParameters"] == {"token": "abc"}
    message = api.message_event(conn, "ping", '{"action": "ping"}')
    assert missing_keys(fixture("apigateway_ws_message.json"), message) == []
    assert message["requestContext"]["routeKey"] == "ping" and message["body"] == '{"action": "ping"}'
    disconnect = api.disconnect_event(conn, 1001, "Going away")
    assert missing_keys(fixture("apigateway_ws_disconnect.json"), disconnect) == []
    context = disconnect["requestContext"]
    assert (context["disconnectStatusCode"], context["disconnectReason"]) == (1001, "Going away")
    binary = api.message_event(conn, "$default", b"\x01\x02")
    assert binary["isBase64Encoded"] is True and base64.b64decode(binary["body"]) == b"\x01\x02"


def test_route_selection_follows_the_template_expression(spec: StackSpec) -> None:
    api, _ = ws_api(spec)
    assert api.select_route('{"action": "join", "session_id": "s1"}') == "join"
    assert api.select_route('{"action": "next_question"}') == "next_question"
    assert api.select_route('{"action": "no_such_route"}') == "$default"
    assert api.select_route('{"action": "$connect"}') == "$default"
    assert api.select_route('{"action": 7}') == "$default"
    assert api.select_route("not json") == "$default"
    assert api.select_route(b"\x00binary") == "$default"
