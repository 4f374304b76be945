"""The local stack's authorizers behave like API Gateway's, with the same verification code as in AWS.

REST: routes under a Cognito authorizer need ``Authorization: Bearer <ID token>``; the claims reach the function in
``requestContext.authorizer.claims`` (strings); otherwise the gateway response is 401. WebSocket: ``$connect`` runs
the REQUEST authorizer; a missing token or "Unauthorized" refuses the handshake with 401, a Deny policy with 403, a
failing authorizer with 500; an allowed connection's principal and context reach every later event.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from event_loops import run_in_own_loop
from starlette.requests import Request
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from local_stack.rest import RestApi
from local_stack.stack import LocalStack
from local_stack.template import RestRoute, RestSpec

TEMPLATE = Path(__file__).with_name("templates") / "auth_rules.yaml"


@pytest.fixture(scope="module")
def rules() -> Iterator[LocalStack]:
    with LocalStack(port=0, template=TEMPLATE, web_dir=None) as stack:
        yield stack


def get(stack: LocalStack, path: str, token: str | None = None, scheme: str = "Bearer ") -> httpx.Response:
    headers = {"Authorization": f"{scheme}{token}"} if token is not None else {}
    return httpx.get(f"{stack.http_url}{path}", headers=headers, timeout=60)


def test_a_valid_token_reaches_the_function_as_claims(rules: LocalStack) -> None:
    token = rules.dev_token("ada", ["admin", "beta"])
    for scheme in ("Bearer ", ""):  # Cognito authorizers take the bare token too
        response = get(rules, "/private/me", token, scheme)
        assert response.status_code == 200, response.text
        claims = response.json()["authorizer"]["claims"]
        assert claims["sub"] == rules.identity.user_id("ada")  # type: ignore[union-attr]
        assert claims["cognito:username"] == "ada" and claims["cognito:groups"] == "admin,beta"
        assert claims["token_use"] == "id" and claims["exp"].isdigit()  # strings, as API Gateway passes them


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNzd29yZA=="],
    ids=["no header", "no token", "not a JWT", "three garbage parts", "another scheme"],
)
def test_a_missing_or_malformed_token_gets_401(rules: LocalStack, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = httpx.get(f"{rules.http_url}/private/me", headers=headers, timeout=60)
    assert response.status_code == 401 and response.json() == {"message": "Unauthorized"}
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_tokens_the_verifier_refuses_get_401(rules: LocalStack) -> None:
    identity = rules.identity
    assert identity is not None
    for refused in (
        identity.issue("ada", lifetime=-120),  # expired
        identity.issue("ada", aud="another-client"),
        identity.issue("ada", iss="https://evil.example/auth"),
        identity.issue("ada", token_use="access"),
    ):
        assert get(rules, "/private/me", refused).status_code == 401


def test_public_routes_need_no_token(rules: LocalStack) -> None:
    response = get(rules, "/public")
    assert response.status_code == 200 and response.json() == {"authorizer": None}


def ws_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=60).close()
    return refused.value.response.status_code


def test_websocket_connections_are_refused_without_a_valid_token(rules: LocalStack) -> None:
    base = rules.ws_url
    assert ws_status(base) == 401  # no identity source: refused before the authorizer runs
    assert ws_status(f"{base}?token=") == 401
    assert ws_status(f"{base}?token=forged") == 401  # the real authorizer says "Unauthorized"
    assert ws_status(f"{base}?token={rules.identity.issue('ada', lifetime=-120)}") == 401  # type: ignore[union-attr]
    assert ws_status(f"{base}?token=deny") == 403  # a Deny policy
    assert ws_status(f"{base}?token=boom") == 500  # the authorizer failed


def test_an_allowed_connection_carries_its_identity_in_every_event(rules: LocalStack) -> None:
    token = rules.dev_token("grace", ["admin"])
    with connect(f"{rules.ws_url}?token={token}", open_timeout=60) as ws:
        for _ in range(2):
            ws.send(json.dumps({"action": "whoami"}))
            answer = json.loads(ws.recv(timeout=60))
            authorizer = answer["authorizer"]
            assert answer["route"] == "whoami"
            assert authorizer["principalId"] == rules.identity.user_id("grace")  # type: ignore[union-attr]
            assert authorizer["username"] == "grace" and authorizer["groups"] == "admin"
            assert isinstance(authorizer["integrationLatency"], int)


def test_dev_tokens_are_issued_for_valid_names_only(rules: LocalStack) -> None:
    issued = httpx.post(f"{rules.http_url}/auth/dev-token", json={"username": "Ada Lovelace"}, timeout=10)
    assert issued.status_code == 200 and issued.json()["token_type"] == "Bearer"
    assert get(rules, "/private/x", issued.json()["id_token"]).status_code == 200
    for body in (
        {},
        {"username": ""},
        {"username": "x" * 65},
        {"username": "<script>"},
        {"username": "a", "groups": "admin"},
    ):
        refused = httpx.post(f"{rules.http_url}/auth/dev-token", json=body, timeout=10)
        assert refused.status_code == 422 and refused.json()["error"]["message"]
    config = httpx.get(f"{rules.http_url}/auth-config.json", timeout=10).json()
    assert config == {"mode": "local", "tokenUrl": "/auth/dev-token"}
    keys = httpx.get(f"{rules.http_url}/auth/.well-known/jwks.json", timeout=10).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and "d" not in keys[0]  # the public key only


class CountingVerifier:
    """Stands in for the token verifier: every token is valid until ``expires_in`` seconds from its check."""

    def __init__(self, expires_in: float) -> None:
        self.expires_in = expires_in
        self.checked: list[str] = []

    def claims(self, token: str) -> dict[str, Any]:
        self.checked.append(token)
        return {"sub": token, "exp": time.time() + self.expires_in}


def authorize(api: RestApi, route: RestRoute, token: str) -> Any:
    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"authorization", f"Bearer {token}".encode())]}
    return run_in_own_loop(api._authorize(Request(scope), route, "request-id"))


def test_a_token_s_authorizer_result_is_cached_for_the_ttl_but_never_past_the_token_s_expiry() -> None:
    cached = RestRoute("/api/{proxy+}", "ANY", "Fn", "Users", authorizer_cache_seconds=300)
    uncached = RestRoute("/api/{proxy+}", "ANY", "Fn", "Users", authorizer_cache_seconds=0)
    spec = RestSpec(stage="test", routes=(cached,))
    verifier = CountingVerifier(expires_in=3600)
    api = RestApi(spec, functions=None, verifier=verifier)  # type: ignore[arg-type]
    first = authorize(api, cached, "token-a")
    assert first == {"claims": {"sub": "token-a", "exp": first["claims"]["exp"]}}
    assert authorize(api, cached, "token-a") == first and verifier.checked == ["token-a"]
    authorize(api, cached, "token-b")
    authorize(api, uncached, "token-c")
    authorize(api, uncached, "token-c")
    assert verifier.checked == ["token-a", "token-b", "token-c", "token-c"]

    expiring = CountingVerifier(expires_in=0.2)
    api = RestApi(spec, functions=None, verifier=expiring)  # type: ignore[arg-type]
    authorize(api, cached, "token-d")
    time.sleep(0.3)
    authorize(api, cached, "token-d")
    assert expiring.checked == ["token-d", "token-d"]
