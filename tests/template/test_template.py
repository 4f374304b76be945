"""template.yaml: lint-clean, valid for SAM offline, complete, and least-privilege after the SAM transform."""

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file

from interview.service import CLAIM_SECONDS
from local_stack.cfn import load_yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
ROUTE_KEYS = {
    "$connect",
    "$disconnect",
    "$default",
    "join",
    "audio_chunk",
    "end_answer",
    "discard_answer",
    "text_answer",
    "next_question",
    "ping",
}
ARN_PREFIX = "arn:${AWS::Partition}"


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    return load_yaml(TEMPLATE.read_text())


def sub_text(value: Any) -> str:
    """An intrinsic reduced to one comparable string: ``{"Ref": "X"}`` -> ``${X}``, Fn::Sub variables inlined."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "${" + value["Ref"] + "}"
    if "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    sub = value["Fn::Sub"]
    if isinstance(sub, str):
        return sub
    text, variables = sub
    for name, variable in variables.items():
        text = text.replace("${" + name + "}", sub_text(variable))
    return text


def statements(transformed: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = transformed["Resources"][role]["Properties"].get("Policies", [])
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def grants(transformed: dict[str, Any], role: str, action_prefix: str) -> set[str]:
    """Resources (as strings) of every Allow statement with an action starting with ``action_prefix``."""
    found: set[str] = set()
    for statement in statements(transformed, role):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        if statement["Effect"] == "Allow" and any(a.startswith(action_prefix) for a in actions):
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found |= {sub_text(r) for r in resources}
    return found


# ---------------------------------------------------------------------- linters


def test_cfn_lint_finds_nothing() -> None:
    matches = lint_file(TEMPLATE)
    assert matches == [], "\n".join(str(m) for m in matches)


def test_sam_validate_lint_passes_offline(sam: Path, tools_env: dict[str, str]) -> None:
    env = {k: v for k, v in tools_env.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--template", str(TEMPLATE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout


def test_sam_validate_transforms_offline_with_a_region(sam: Path, tools_env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(sam), "validate", "--template", str(TEMPLATE)],
        cwd=ROOT,
        env=tools_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_build_puts_the_gateway_and_the_shared_layer_in_place(
    sam: Path, tools_env: dict[str, str], tmp_path: Path
) -> None:
    build = tmp_path / "build"
    options = ["--template", str(TEMPLATE), "--build-dir", str(build), "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [str(sam), "build", "GatewayFunction", *options],
        cwd=tmp_path,  # SAM keeps its dependency cache in ./.aws-sam
        env=tools_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (build / "GatewayFunction" / "gateway" / "handler.py").is_file()
    assert (build / "GatewayFunction" / "mangum").is_dir(), "the function's requirements were not installed"
    assert (build / "SharedLayer" / "python" / "practice_shared" / "__init__.py").is_file()
    assert (build / "SharedLayer" / "python" / "pydantic").is_dir(), "the layer's requirements were not installed"


ZIP_LIMIT = 250 * 1024 * 1024  # Lambda: function code plus layers, unzipped


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def test_sam_build_of_the_interview_function_fits_a_zip_function(
    sam: Path, tools_env: dict[str, str], tmp_path: Path
) -> None:
    """The evaluator's int8 encoder and the bank's vectors (built during sam build) and ONNX Runtime, plus the shared
    layer, fit in 250 MB."""
    build = tmp_path / "build"
    options = ["--template", str(TEMPLATE), "--build-dir", str(build), "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [str(sam), "build", "InterviewFunction", *options],
        cwd=tmp_path,
        env=tools_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    function = build / "InterviewFunction"
    assert (function / "interview" / "data" / "questions" / "behavioral.yaml").is_file()
    encoder = function / "interview" / "models" / "minilm-l6-int8"
    assert (encoder / "model.onnx").is_file() and (encoder / "tokenizer.json").is_file(), "the encoder was not built"
    assert (encoder / "bank_vectors.npz").is_file(), "the bank's texts were not embedded"
    assert (function / "onnxruntime").is_dir()
    # Build-time tools and the float32 weights stay out, and nothing pulls in PyTorch.
    for absent in ("onnx", "safetensors", "all_minilm_l6_v2", "torch", "huggingface_hub", "sympy", "yaml"):
        assert not (function / absent).exists(), absent
    assert _size(function) + _size(build / "SharedLayer") < ZIP_LIMIT
    assert not newer_than_amazon_linux_2(function), "wheels the python3.11 runtime (glibc 2.26) cannot load"


def newer_than_amazon_linux_2(artifact: Path) -> list[str]:
    """The installed wheels in ``artifact`` whose every platform tag needs a glibc newer than 2.26."""
    newer = []
    for wheel in artifact.glob("*.dist-info/WHEEL"):
        platforms = [line.rsplit("-", 1)[-1] for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        if platforms and not any(_runs_on_glibc_2_26(platform) for platform in platforms):
            newer.append(wheel.parent.name)
    return newer


def _runs_on_glibc_2_26(platform: str) -> bool:
    if platform == "any" or platform.startswith(("manylinux1", "manylinux2010", "manylinux2014")):
        return True
    match = re.match(r"manylinux_2_(\d+)_", platform)
    return bool(match) and int(match.group(1)) <= 26


# ---------------------------------------------------------------------- the template as written


def test_parameters_have_the_documented_defaults(raw: dict[str, Any]) -> None:
    params = raw["Parameters"]
    defaults = {name: str(p.get("Default")) for name, p in params.items()}
    assert defaults["Stage"] == "dev" and params["Stage"]["AllowedValues"] == ["dev", "prod"]
    assert defaults["WhisperModel"] == "base"
    assert defaults["SessionTtl"] == "3600"
    assert defaults["HistoryRetentionDays"] == "365"
    assert defaults["AudioRetentionDays"] == "30"
    assert set(params["TtsEngine"]["AllowedValues"]) == {"pyttsx3", "polly"}
    assert set(params["LlmEngine"]["AllowedValues"]) == {"offline", "bedrock"}
    assert {"BedrockModelId", "AllowedOrigin"} <= set(params)


def test_tables_have_keys_index_ttl_backups_and_encryption(raw: dict[str, Any]) -> None:
    table = raw["Resources"]["InterviewTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    (index,) = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "by-user" and index["Projection"] == {"ProjectionType": "ALL"}
    assert {k["AttributeName"]: k["KeyType"] for k in index["KeySchema"]} == {"gsi1pk": "HASH", "gsi1sk": "RANGE"}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    idempotency = raw["Resources"]["IdempotencyTable"]["Properties"]
    assert idempotency["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert idempotency["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    for props in (table, idempotency):
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"] == {"SSEEnabled": True}


def test_audio_bucket_is_private_encrypted_expiring_and_https_only(raw: dict[str, Any]) -> None:
    bucket = raw["Resources"]["AudioBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    expiring = {
        r["Prefix"]: r["ExpirationInDays"] for r in bucket["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r
    }
    assert expiring == {p: {"Ref": "AudioRetentionDays"} for p in ("answers/", "tts/", "streams/")}
    (cors,) = bucket["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [{"Ref": "AllowedOrigin"}] and {"PUT", "POST", "GET"} <= set(
        cors["AllowedMethods"]
    )
    (deny,) = raw["Resources"]["AudioBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_async_failures_land_in_an_encrypted_queue(raw: dict[str, Any]) -> None:
    assert raw["Resources"]["AsyncFailureQueue"]["Properties"]["SqsManagedSseEnabled"] is True


def test_outputs_name_the_endpoints_and_stores(raw: dict[str, Any]) -> None:
    outputs = raw["Outputs"]
    assert (
        sub_text(outputs["RestApiUrl"]["Value"])
        == "https://${RestApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
    )
    assert sub_text(outputs["WebSocketUrl"]["Value"]).startswith("wss://${WebSocketApi}.execute-api.")
    names = {
        "InterviewTableName",
        "AudioBucketName",
        "GatewayFunctionName",
        "InterviewFunctionName",
        "VoiceFunctionName",
    }
    assert names <= set(outputs)


# ---------------------------------------------------------------------- after the SAM transform


def test_transform_produces_every_resource(transformed: dict[str, Any]) -> None:
    types = {name: r["Type"] for name, r in transformed["Resources"].items()}
    for name, type_name in {
        "GatewayFunction": "AWS::Lambda::Function",
        "InterviewFunction": "AWS::Lambda::Function",
        "VoiceFunction": "AWS::Lambda::Function",
        "GatewayFunctionRole": "AWS::IAM::Role",
        "InterviewFunctionRole": "AWS::IAM::Role",
        "VoiceFunctionRole": "AWS::IAM::Role",
        "GatewayFunctionEventInvokeConfig": "AWS::Lambda::EventInvokeConfig",
        "RestApi": "AWS::ApiGateway::RestApi",
        "RestApiStage": "AWS::ApiGateway::Stage",
        "WebSocketApi": "AWS::ApiGatewayV2::Api",
        "WebSocketIntegration": "AWS::ApiGatewayV2::Integration",
        "WebSocketInvokePermission": "AWS::Lambda::Permission",
        "WebSocketStage": "AWS::ApiGatewayV2::Stage",
        "InterviewTable": "AWS::DynamoDB::Table",
        "IdempotencyTable": "AWS::DynamoDB::Table",
        "AudioBucket": "AWS::S3::Bucket",
        "AudioBucketPolicy": "AWS::S3::BucketPolicy",
        "AsyncFailureQueue": "AWS::SQS::Queue",
    }.items():
        assert types.get(name) == type_name, name
    assert [t for t in types.values() if t == "AWS::Lambda::LayerVersion"], "the shared layer is missing"
    assert [t for t in types.values() if t == "AWS::ApiGateway::Deployment"], "the REST deployment is missing"


def test_functions_are_configured_as_specified(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    gateway = resources["GatewayFunction"]["Properties"]
    interview = resources["InterviewFunction"]["Properties"]
    voice = resources["VoiceFunction"]["Properties"]
    layer = next(name for name, r in resources.items() if r["Type"] == "AWS::Lambda::LayerVersion")
    for props, handler in (
        (gateway, "gateway.handler.lambda_handler"),
        (interview, "interview.handler.lambda_handler"),
    ):
        assert props["Runtime"] == "python3.11" and props["Handler"] == handler
        assert props["Layers"] == [{"Ref": layer}] and props["Architectures"] == ["x86_64"]
    assert voice["PackageType"] == "Image" and "Runtime" not in voice and "Layers" not in voice
    assert voice["ImageConfig"]["Command"] == ["voice.handler.lambda_handler"]
    assert (gateway["MemorySize"], gateway["Timeout"]) == (512, 30)
    assert (interview["MemorySize"], interview["Timeout"]) == (1024, 60)
    assert (voice["MemorySize"], voice["Timeout"]) == (3008, 120)
    assert interview["Timeout"] < CLAIM_SECONDS  # an answer's claim outlives any attempt that can still be running
    shared = {"STAGE", "TABLE_NAME", "IDEMPOTENCY_TABLE_NAME", "AUDIO_BUCKET", "SESSION_TTL", "HISTORY_RETENTION_DAYS"}
    shared |= {"AUDIO_RETENTION_DAYS", "POWERTOOLS_METRICS_NAMESPACE", "LOG_LEVEL"}
    for props, service in ((gateway, "gateway"), (interview, "interview"), (voice, "voice")):
        env = props["Environment"]["Variables"]
        assert shared <= set(env) and env["POWERTOOLS_SERVICE_NAME"] == service
        assert props["TracingConfig"] == {"Mode": "Active"}
    env = gateway["Environment"]["Variables"]
    assert env["INTERVIEW_FUNCTION_NAME"] == {"Ref": "InterviewFunction"}
    assert env["VOICE_FUNCTION_NAME"] == {"Ref": "VoiceFunction"}
    endpoint = sub_text(env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"])
    assert endpoint == "https://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
    assert {"LLM_ENGINE", "BEDROCK_MODEL_ID"} <= set(interview["Environment"]["Variables"])
    assert {"WHISPER_MODEL", "TTS_ENGINE"} <= set(voice["Environment"]["Variables"])


def test_gateway_retries_async_work_twice_then_dead_letters(transformed: dict[str, Any]) -> None:
    config = transformed["Resources"]["GatewayFunctionEventInvokeConfig"]["Properties"]
    assert config["MaximumRetryAttempts"] == 2
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["AsyncFailureQueue", "Arn"]}
    assert grants(transformed, "GatewayFunctionRole", "sqs:") == {"${AsyncFailureQueue.Arn}"}


def test_gateway_may_invoke_only_the_two_downstream_functions_and_itself(transformed: dict[str, Any]) -> None:
    lambda_arn = f"{ARN_PREFIX}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:"
    assert grants(transformed, "GatewayFunctionRole", "lambda:") == {
        lambda_arn + "${InterviewFunction}*",
        lambda_arn + "${VoiceFunction}*",
        lambda_arn + "${AWS::StackName}-gateway",
    }
    own_name = transformed["Resources"]["GatewayFunction"]["Properties"]["FunctionName"]
    assert sub_text(own_name) == "${AWS::StackName}-gateway"
    assert grants(transformed, "InterviewFunctionRole", "lambda:") == set()
    assert grants(transformed, "VoiceFunctionRole", "lambda:") == set()


def test_only_the_gateway_manages_connections_and_only_on_its_own_stage(transformed: dict[str, Any]) -> None:
    assert grants(transformed, "GatewayFunctionRole", "execute-api:") == {
        f"{ARN_PREFIX}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{WebSocketApi}}/${{Stage}}/*/@connections/*"
    }
    assert grants(transformed, "InterviewFunctionRole", "execute-api:") == set()
    assert grants(transformed, "VoiceFunctionRole", "execute-api:") == set()


def test_data_access_is_scoped_to_the_tables_and_the_bucket(transformed: dict[str, Any]) -> None:
    def table(name: str) -> set[str]:
        base = f"{ARN_PREFIX}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/${{{name}}}"
        return {base, base + "/index/*"}

    assert grants(transformed, "GatewayFunctionRole", "dynamodb:") == table("InterviewTable") | table(
        "IdempotencyTable"
    )
    assert grants(transformed, "InterviewFunctionRole", "dynamodb:") == table("InterviewTable")
    assert grants(transformed, "VoiceFunctionRole", "dynamodb:") == set()
    for role in ("GatewayFunctionRole", "InterviewFunctionRole", "VoiceFunctionRole"):
        assert grants(transformed, role, "s3:") == {"${AudioBucket.Arn}", "${AudioBucket.Arn}/*"}, role


def test_model_and_speech_rights_are_narrow(transformed: dict[str, Any]) -> None:
    assert grants(transformed, "InterviewFunctionRole", "bedrock:") == {
        f"{ARN_PREFIX}:bedrock:${{AWS::Region}}::foundation-model/${{BedrockModelId}}"
    }
    assert grants(transformed, "VoiceFunctionRole", "polly:") == {"*"}  # Polly's actions take no resource ARN
    assert (
        grants(transformed, "GatewayFunctionRole", "bedrock:")
        == grants(transformed, "GatewayFunctionRole", "polly:")
        == set()
    )


def test_no_statement_allows_wildcard_actions_or_resources_beyond_polly(transformed: dict[str, Any]) -> None:
    for role in ("GatewayFunctionRole", "InterviewFunctionRole", "VoiceFunctionRole"):
        for statement in statements(transformed, role):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert not any(a == "*" or a.endswith(":*") for a in actions), (role, actions)
            if statement.get("Resource") == "*":
                assert all(a.startswith("polly:") for a in actions), (role, actions)


def test_websocket_routes_all_reach_the_gateway(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    routes = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::ApiGatewayV2::Route"}
    assert {r["RouteKey"] for r in routes.values()} == ROUTE_KEYS
    for props in routes.values():
        assert props["ApiId"] == {"Ref": "WebSocketApi"}
        assert sub_text(props["Target"]) == "integrations/${WebSocketIntegration}"
    api = resources["WebSocketApi"]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET" and api["RouteSelectionExpression"] == "$request.body.action"
    integration = resources["WebSocketIntegration"]["Properties"]
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert "/functions/${GatewayFunction.Arn}/invocations" in sub_text(integration["IntegrationUri"])
    permission = resources["WebSocketInvokePermission"]["Properties"]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == {"Ref": "GatewayFunction"}
    source = sub_text(permission["SourceArn"])
    assert source == f"{ARN_PREFIX}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{WebSocketApi}}/*"
    # The stage deploys every change itself: a Deployment resource would be created once, and a stack update that
    # changes a route would never reach the stage.
    assert not [r for r in resources.values() if r["Type"] == "AWS::ApiGatewayV2::Deployment"]
    stage = resources["WebSocketStage"]["Properties"]
    assert stage["StageName"] == {"Ref": "Stage"} and stage["AutoDeploy"] is True and "DeploymentId" not in stage
    parameters = transformed["Parameters"]
    for setting in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
        assert parameters[stage["DefaultRouteSettings"][setting]["Ref"]]["Default"] > 0


def test_rest_api_proxies_api_paths_to_the_gateway(transformed: dict[str, Any]) -> None:
    resources = transformed["Resources"]
    body = resources["RestApi"]["Properties"]["Body"]
    for path in ("/api", "/api/{proxy+}"):
        method = body["paths"][path]["x-amazon-apigateway-any-method"]
        integration = method["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert "${GatewayFunction.Arn}" in sub_text(integration["uri"])
        assert "options" in body["paths"][path], "CORS preflight is missing"
    assert "audio/*" in body["x-amazon-apigateway-binary-media-types"]
    stage = resources["RestApiStage"]["Properties"]
    assert stage["StageName"] == {"Ref": "Stage"} and stage["TracingEnabled"] is True
    # The only stage: with OpenAPI 2 SAM's deployment adds one named "Stage", outside the throttling and alarms.
    assert [name for name, r in resources.items() if r["Type"] == "AWS::ApiGateway::Stage"] == ["RestApiStage"]
    deployments = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::Deployment"]
    assert len(deployments) == 1 and "StageName" not in deployments[0]
    (throttling,) = stage["MethodSettings"]
    for setting in ("ThrottlingRateLimit", "ThrottlingBurstLimit"):
        assert transformed["Parameters"][throttling[setting]["Ref"]]["Default"] > 0
    permissions = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["FunctionName"] == {"Ref": "GatewayFunction"}
    ]
    # /api, /api/{proxy+}, the public /api/health, /api/openapi.json and /api/docs, and the WebSocket API
    assert len(permissions) == 6


def test_the_interview_function_follows_the_tables_stream_with_filters_retries_and_a_failure_queue(
    transformed: dict[str, Any],
) -> None:
    resources = transformed["Resources"]
    stream = resources["InterviewTable"]["Properties"]["StreamSpecification"]
    assert stream == {"StreamViewType": "NEW_AND_OLD_IMAGES"}  # a completion is seen as a state change
    mapping = resources["InterviewFunctionSessionChanges"]
    assert mapping["Type"] == "AWS::Lambda::EventSourceMapping"
    props = mapping["Properties"]
    assert props["EventSourceArn"] == {"Fn::GetAtt": ["InterviewTable", "StreamArn"]}
    assert props["FunctionName"] == {"Ref": "InterviewFunction"} and props["StartingPosition"] == "LATEST"
    assert props["MaximumRetryAttempts"] == 5 and props["BatchSize"] == {"Fn::If": ["UsesBedrock", 10, 500]}
    assert props["MaximumBatchingWindowInSeconds"] == {"Fn::If": ["UsesBedrock", 0, 2]}  # at once with Bedrock
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {"Fn::GetAtt": ["AsyncFailureQueue", "Arn"]}
    patterns = [json.loads(f["Pattern"]) for f in props["FilterCriteria"]["Filters"]]
    assert [p["eventName"] for p in patterns] == [["INSERT"], ["MODIFY"]]
    role = resources["InterviewFunctionRole"]["Properties"]
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole" in role["ManagedPolicyArns"]
    assert grants(transformed, "InterviewFunctionRole", "sqs:") == {"${AsyncFailureQueue.Arn}"}
