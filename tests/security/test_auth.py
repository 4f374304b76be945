"""Sign-in token verification (practice_shared.auth), the WebSocket authorizer and reading the verified identity.

Tokens come from the local stack's development issuer, whose JWKS the verifier fetches over HTTP as it fetches
Cognito's in AWS.
"""

from collections.abc import Iterator
from types import SimpleNamespace

import jwt
import pytest

from gateway import authorizer
from gateway.identity import identity_from_event
from local_stack.auth import DevIdentityProvider
from local_stack.stack import LocalStack
from practice_shared import auth, errors
from practice_shared.config import get_settings


@pytest.fixture
def issuer(stack: LocalStack) -> DevIdentityProvider:
    assert stack.identity is not None
    return stack.identity


def test_a_token_of_the_issuer_gives_its_identity(issuer: DevIdentityProvider) -> None:
    identity = issuer.verifier().verify(issuer.issue("ada", ["admin"]))
    assert identity == auth.Identity(user_id=issuer.user_id("ada"), username="ada", groups=("admin",))
    assert identity.in_group("admin") and not identity.in_group("staff")


def test_forged_and_misused_tokens_are_refused(issuer: DevIdentityProvider) -> None:
    verifier = issuer.verifier()
    valid = issuer.issue("ada")
    kid = jwt.get_unverified_header(valid)["kid"]
    claims = jwt.decode(valid, options={"verify_signature": False})
    header, payload, signature = valid.split(".")
    forged = [
        DevIdentityProvider(issuer.issuer.removesuffix("/auth")).issue("ada"),  # another key, same issuer
        jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),  # unsigned
        jwt.encode(
            claims, "a-guessed-secret-of-thirty-two-bytes", algorithm="HS256", headers={"kid": kid}
        ),  # algorithm confusion
        f"{header}.{payload}.",  # signature stripped
        ".".join([header, jwt.utils.base64url_encode(b'{"sub": "root"}').decode(), signature]),  # tampered
        issuer.issue("ada", lifetime=-120),
        issuer.issue("ada", aud="other-client"),
        issuer.issue("ada", iss="https://cognito-idp.us-east-1.amazonaws.com/other"),
        issuer.issue("ada", token_use="access"),
        issuer.issue("ada", sub=None),
        "",
        "not.a.token",
    ]
    for token in forged:
        with pytest.raises(errors.Unauthorized):
            verifier.verify(token)


def test_an_unreachable_issuer_is_503_not_401(issuer: DevIdentityProvider) -> None:
    verifier = auth.TokenVerifier(issuer.issuer, issuer.client_id, "http://127.0.0.1:9/jwks.json", timeout=1)
    with pytest.raises(errors.DownstreamUnavailable):
        verifier.verify(issuer.issue("ada"))


def test_bearer_headers_and_group_claims_are_read_leniently() -> None:
    assert auth.bearer_token("Bearer abc.def.ghi") == auth.bearer_token("bearer  abc.def.ghi ") == "abc.def.ghi"
    assert auth.bearer_token("abc.def.ghi") == "abc.def.ghi"  # a bare token, as Cognito authorizers take
    assert auth.bearer_token(None) is auth.bearer_token("") is auth.bearer_token("Bearer") is None
    assert auth.parse_groups(["admin", "beta"]) == auth.parse_groups("admin,beta") == ("admin", "beta")
    assert auth.parse_groups("[admin beta]") == ("admin", "beta") and auth.parse_groups(None) == ()


def test_the_verified_identity_is_read_from_rest_and_websocket_events() -> None:
    rest = {"requestContext": {"authorizer": {"claims": {"sub": "u1", "cognito:groups": "admin"}}}}
    assert identity_from_event(rest) == auth.Identity("u1", "", ("admin",))
    ws = {"requestContext": {"authorizer": {"principalId": "u2", "username": "bo", "groups": ""}}}
    assert identity_from_event(ws) == auth.Identity("u2", "bo", ())
    for unverified in ({}, {"requestContext": {}}, {"requestContext": {"authorizer": {"claims": {}}}}):
        with pytest.raises(errors.Unauthorized):
            identity_from_event(unverified)


@pytest.fixture
def configured(issuer: DevIdentityProvider, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in issuer.environment().items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    auth.verifier.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    auth.verifier.cache_clear()


CONTEXT = SimpleNamespace(
    function_name="authorizer",
    memory_limit_in_mb=256,
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:authorizer",
    aws_request_id="req-auth",
)
METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/$connect"


def test_the_websocket_authorizer_allows_a_valid_token_only(issuer: DevIdentityProvider, configured: None) -> None:
    token = issuer.issue("grace", ["admin", "beta"])
    answer = authorizer.lambda_handler({"methodArn": METHOD_ARN, "queryStringParameters": {"token": token}}, CONTEXT)
    assert answer["principalId"] == issuer.user_id("grace")
    assert answer["policyDocument"]["Statement"] == [
        {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": METHOD_ARN}
    ]
    assert answer["context"] == {"username": "grace", "groups": "admin,beta"}
    for query in (None, {}, {"token": ""}, {"token": issuer.issue("grace", lifetime=-120)}):
        with pytest.raises(authorizer.Unauthorized, match=r"^Unauthorized$"):
            authorizer.lambda_handler({"methodArn": METHOD_ARN, "queryStringParameters": query}, CONTEXT)
    health = authorizer.lambda_handler({"action": "health", "payload": {}}, CONTEXT)
    assert health == {"ok": True, "result": {"status": "ok", "function": "authorizer", "signing_keys": 1}}
