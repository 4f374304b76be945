"""template.yaml's identity and abuse limits: the user pool, both authorizers, public routes, throttling, quotas."""

from pathlib import Path
from typing import Any

import pytest

from local_stack.cfn import load_yaml

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {"/api/health", "/api/openapi.json", "/api/docs"}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml((ROOT / "template.yaml").read_text())


def test_a_user_pool_is_created_unless_an_existing_one_is_given(raw: dict[str, Any]) -> None:
    assert raw["Conditions"]["CreateUserPool"] == {"Fn::Equals": [{"Ref": "ExistingUserPoolId"}, ""]}
    resources = raw["Resources"]
    for name in ("UserPool", "UserPoolClient", "AdminGroup"):
        assert resources[name]["Condition"] == "CreateUserPool", name
    pool = resources["UserPool"]["Properties"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12
    client = resources["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False and "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert client["PreventUserExistenceErrors"] == "ENABLED" and client["IdTokenValidity"] <= 60
    assert resources["AdminGroup"]["Properties"]["GroupName"] == "admin"  # config.admin_group's default


def test_every_rest_route_needs_a_cognito_token_except_health_and_the_api_description(raw: dict[str, Any]) -> None:
    api = raw["Resources"]["RestApi"]["Properties"]
    auth = api["Auth"]
    assert auth["DefaultAuthorizer"] == "CognitoAuthorizer" and auth["AddDefaultAuthorizerToCorsPreflight"] is False
    pool_arn = auth["Authorizers"]["CognitoAuthorizer"]["UserPoolArn"]["Fn::If"]
    assert pool_arn[0] == "CreateUserPool" and pool_arn[1] == {"Fn::GetAtt": ["UserPool", "Arn"]}
    events = raw["Resources"]["GatewayFunction"]["Properties"]["Events"]
    public = {e["Properties"]["Path"] for e in events.values() if "Auth" in e["Properties"]}
    assert public == PUBLIC
    for event in events.values():
        props = event["Properties"]
        if props["Path"] in PUBLIC:
            assert props["Method"] == "GET" and props["Auth"] == {"Authorizer": "NONE"}
    refusal = api["GatewayResponses"]["UNAUTHORIZED"]
    assert refusal["StatusCode"] == 401 and '"unauthorized"' in refusal["ResponseTemplates"]["application/json"]


def test_websocket_connections_pass_the_token_authorizer(raw: dict[str, Any]) -> None:
    resources = raw["Resources"]
    connect = resources["ConnectRoute"]["Properties"]
    assert connect["AuthorizationType"] == "CUSTOM" and connect["AuthorizerId"] == {"Ref": "WebSocketAuthorizer"}
    authorizer = resources["WebSocketAuthorizer"]["Properties"]
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == ["route.request.querystring.token"]
    assert "${AuthorizerFunction.Arn}" in authorizer["AuthorizerUri"]["Fn::Sub"]
    function = resources["AuthorizerFunction"]["Properties"]
    assert function["Handler"] == "gateway.authorizer.lambda_handler" and "Policies" not in function
    assert {"AUTH_ISSUER", "AUTH_JWKS_URL", "AUTH_CLIENT_ID"} <= set(function["Environment"]["Variables"])
    permission = resources["WebSocketAuthorizerPermission"]["Properties"]
    assert permission["FunctionName"] == {"Ref": "AuthorizerFunction"}
    assert permission["SourceArn"]["Fn::Sub"].endswith("${WebSocketApi}/authorizers/${WebSocketAuthorizer}")
    others = [r for name, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Route" and name != "ConnectRoute"]
    assert all(r["Properties"]["AuthorizationType"] == "NONE" for r in others)  # API Gateway: $connect only


def test_the_authorizer_function_may_do_nothing_but_log(transformed: dict[str, Any]) -> None:
    role = transformed["Resources"]["AuthorizerFunctionRole"]["Properties"]
    assert "Policies" not in role
    assert {arn.rsplit("/", 1)[-1] for arn in role["ManagedPolicyArns"]} == {
        "AWSLambdaBasicExecutionRole",
        "AWSXrayWriteOnlyAccess",
    }


def test_throttling_and_quotas_are_parameters(raw: dict[str, Any]) -> None:
    params = raw["Parameters"]
    settings = raw["Resources"]["RestApi"]["Properties"]["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurstLimit"}
    ws = raw["Resources"]["WebSocketStage"]["Properties"]["DefaultRouteSettings"]
    assert ws == {
        "ThrottlingBurstLimit": {"Ref": "WebSocketThrottleBurstLimit"},
        "ThrottlingRateLimit": {"Ref": "WebSocketThrottleRateLimit"},
    }
    env = raw["Globals"]["Function"]["Environment"]["Variables"]
    assert env["MAX_SESSIONS_PER_DAY"] == {"Ref": "MaxSessionsPerDay"} and params["MaxSessionsPerDay"]["Default"] == 30
    assert env["MAX_AUDIO_MINUTES_PER_DAY"] == {"Ref": "MaxAudioMinutesPerDay"}
    assert params["MaxAudioMinutesPerDay"]["Default"] == 90
    assert params["AudioRetentionDays"]["Default"] == 30  # privacy: audio retention is a parameter too
