"""What the local stack reads from template.yaml: resolved environments, stores, routes, and its CFN resolver."""

import json
from pathlib import Path

import pytest

from local_stack.cfn import Resolver, TemplateError, Unresolvable, load_yaml
from local_stack.template import GatewayResponse, RestSpec, Template

ROOT = Path(__file__).resolve().parents[2]


def test_functions_get_the_template_environment_resolved_to_local_names() -> None:
    spec = Template.load().stack_spec(moto_url="http://127.0.0.1:5000")
    gateway = spec.functions["GatewayFunction"]
    assert gateway.handler == "gateway.handler.lambda_handler"
    assert gateway.code_dirs == (ROOT / "functions" / "gateway", ROOT / "layers" / "shared")
    assert (gateway.timeout, gateway.memory_size) == (30, 512)
    env = gateway.environment
    assert env["TABLE_NAME"] == "InterviewTable" and env["AUDIO_BUCKET"] == "audio-bucket"
    assert env["INTERVIEW_FUNCTION_NAME"] == "InterviewFunction" and env["SESSION_TTL"] == "3600"
    assert gateway.unresolved_env == ("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI",)
    assert gateway.aliases == ("local-gateway",)
    assert gateway.event_invoke.max_retries == 2
    assert gateway.event_invoke.on_failure == "arn:aws:sqs:us-east-1:123456789012:AsyncFailureQueue"
    voice = spec.functions["VoiceFunction"]
    assert voice.package_type == "Image" and voice.handler == "voice.handler.lambda_handler"
    assert voice.code_dirs == (ROOT / "functions" / "voice", ROOT / "layers" / "shared")
    assert voice.environment["WHISPER_MODEL"] == "base" and "WHISPER_CACHE_DIR" not in voice.environment


def test_stores_routes_and_queues_come_from_the_template() -> None:
    spec = Template.load().stack_spec(moto_url="http://127.0.0.1:5000", names={"InterviewTable": "custom"})
    tables = {t.logical_id: t for t in spec.tables}
    assert tables["InterviewTable"].name == "custom" and tables["InterviewTable"].ttl_attribute == "expires_at"
    assert tables["IdempotencyTable"].ttl_attribute == "expiration"
    assert spec.functions["GatewayFunction"].environment["TABLE_NAME"] == "custom"
    (bucket,) = spec.buckets
    assert bucket.cors_rules[0]["ExposeHeaders"] == ["ETag"] and bucket.public_access_block
    assert {r["Filter"]["Prefix"] for r in bucket.lifecycle_rules} >= {"answers/", "tts/", "streams/"}
    (queue,) = spec.queues
    assert queue.attributes["SqsManagedSseEnabled"] == "true"
    assert spec.rest is not None
    guarded = {r.path: r.authorizer for r in spec.rest.routes}
    assert {r.authorizer_cache_seconds for r in spec.rest.routes if r.authorizer} == {300}  # SAM's default
    assert guarded == {
        "/api": "CognitoAuthorizer",
        "/api/{proxy+}": "CognitoAuthorizer",
        "/api/health": None,
        "/api/openapi.json": None,
        "/api/docs": None,
    }
    status, _, body = spec.rest.gateway_response("UNAUTHORIZED", 401).render(401, "Unauthorized", "r1")
    assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized"
    assert "audio/*" in spec.rest.binary_media_types
    assert spec.websocket is not None and spec.websocket.body_path == ("action",)
    assert all(route.function == "GatewayFunction" for route in spec.websocket.routes.values())
    connect = spec.websocket.routes["$connect"].authorizer
    assert connect is not None and connect.function == "AuthorizerFunction"
    assert connect.identity_sources == (("querystring", "token"),)
    assert [key for key, route in spec.websocket.routes.items() if route.authorizer] == ["$connect"]


def test_parameter_overrides_are_checked_and_applied() -> None:
    spec = Template.load(parameters={"Stage": "prod", "TtsEngine": "polly"}).stack_spec()
    assert spec.functions["GatewayFunction"].environment["STAGE"] == "prod"
    assert spec.functions["VoiceFunction"].environment["TTS_ENGINE"] == "polly"
    with pytest.raises(TemplateError, match="must be one of"):
        Template.load(parameters={"Stage": "staging"})
    with pytest.raises(TemplateError, match="Unknown template parameter"):
        Template.load(parameters={"NoSuchParameter": "1"})


def test_resolver_evaluates_intrinsics_and_refuses_deployed_only_values() -> None:
    document = load_yaml(
        """
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Thing:
    Type: AWS::SQS::Queue
    Properties:
      A: !Sub "${AWS::StackName}-${Stage}"
      B: !Sub ["${x}/${Table.Arn}", {x: !Join ["-", [a, !Select [1, [b, c]]]]}]
      C: !If [IsProd, big, small]
      D: !If [IsProd, keep, !Ref AWS::NoValue]
      E: !Sub "${!Literal}"
      F: !GetAtt Api.Id
"""
    )
    resolver = Resolver(
        refs={"Stage": "dev"},
        attributes={("Table", "Arn"): "arn:table"},
        conditions=document["Conditions"],
        stack_name="s",
    )
    props = document["Resources"]["Thing"]["Properties"]
    assert resolver.resolve(props["A"]) == "s-dev"
    assert resolver.resolve(props["B"]) == "a-c/arn:table"
    assert resolver.resolve(props["C"]) == "small"
    assert resolver.resolve({"D": props["D"]}) == {}
    assert resolver.resolve(props["E"]) == "${Literal}"
    with pytest.raises(Unresolvable):
        resolver.resolve(props["F"])


def test_api_gateways_own_errors_take_the_templates_shape_else_its_default() -> None:
    rest = Template.load().stack_spec(moto_url="http://127.0.0.1:5000").rest
    assert rest is not None
    status, headers, body = rest.gateway_response("REQUEST_TOO_LARGE", 413).render(413, "too long", "r1")
    assert status == 413 and "Access-Control-Allow-Origin" in headers
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # No entry of its own: DEFAULT_4XX, whose template carries API Gateway's message as a JSON string.
    _, _, body = rest.gateway_response("MISSING_AUTHENTICATION_TOKEN", 403).render(403, 'a "quoted" token', "r2")
    assert json.loads(body) == {"error": {"code": "bad_request", "message": 'a "quoted" token'}}
    status, _, body = rest.gateway_response("DEFAULT_5XX", 502).render(502, "Internal server error", "r3")
    assert status == 502 and json.loads(body)["error"]["code"] == "internal"
    # A template without GatewayResponses: API Gateway's own body.
    bare = RestSpec(stage="Prod", routes=())
    assert bare.gateway_response("REQUEST_TOO_LARGE", 413).render(413, "too long", "r4") == (
        413,
        {},
        '{"message": "too long"}',
    )
    assert isinstance(bare.gateway_response("UNAUTHORIZED", 401), GatewayResponse)
