"""template.yaml's observability: an alarm for every failure mode the issue names, all notifying one encrypted
SNS topic (with an optional email subscription), and traces that never carry results."""

from pathlib import Path
from typing import Any

import pytest

from local_stack.cfn import load_yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    return load_yaml(TEMPLATE.read_text())["Resources"]


def alarms(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {lid: r["Properties"] for lid, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def dimensions(alarm: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}


def find(resources: dict[str, Any], namespace: str, metric: str) -> list[dict[str, Any]]:
    """Alarms on ``namespace``/``metric``, directly or inside a metric-math expression."""
    found = []
    for alarm in alarms(resources).values():
        stats = [m["MetricStat"]["Metric"] for m in alarm.get("Metrics", []) if "MetricStat" in m]
        direct = [{"Namespace": alarm.get("Namespace"), "MetricName": alarm.get("MetricName")}]
        if any(s["Namespace"] == namespace and s["MetricName"] == metric for s in direct + stats):
            found.append(alarm)
    return found


def test_every_function_has_an_errors_and_a_throttles_alarm(resources: dict[str, Any]) -> None:
    functions = [lid for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"]
    assert {"GatewayFunction", "InterviewFunction", "VoiceFunction"} <= set(functions)
    for metric in ("Errors", "Throttles"):
        watched = [dimensions(a).get("FunctionName") for a in find(resources, "AWS/Lambda", metric)]
        for function in functions:
            assert {"Ref": function} in watched, f"no {metric} alarm for {function}"
        for alarm in find(resources, "AWS/Lambda", metric):
            # The authorizer refuses a bad token by failing (API Gateway's 401), so only a burst of errors alarms.
            refusals = metric == "Errors" and dimensions(alarm)["FunctionName"] == {"Ref": "AuthorizerFunction"}
            assert alarm["Threshold"] == (20 if refusals else 1)
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_a_job_in_the_dead_letter_queue_raises_an_alarm(resources: dict[str, Any]) -> None:
    (alarm,) = find(resources, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert dimensions(alarm) == {"QueueName": {"Fn::GetAtt": ["AsyncFailureQueue", "QueueName"]}}
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    gateway = resources["GatewayFunction"]["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
    assert gateway["Destination"] == {"Fn::GetAtt": ["AsyncFailureQueue", "Arn"]}


def test_rest_api_server_errors_and_p99_latency_raise_alarms(resources: dict[str, Any]) -> None:
    api_name = resources["RestApi"]["Properties"]["Name"]
    (errors,) = find(resources, "AWS/ApiGateway", "5XXError")
    (latency,) = find(resources, "AWS/ApiGateway", "Latency")
    for alarm in (errors, latency):
        assert dimensions(alarm) == {"ApiName": api_name, "Stage": {"Ref": "Stage"}}
    assert errors["Statistic"] == "Sum"
    assert latency["ExtendedStatistic"] == "p99" and latency["Threshold"] == {"Ref": "ApiLatencyAlarmMs"}


def test_websocket_api_errors_raise_an_alarm(resources: dict[str, Any]) -> None:
    for metric in ("IntegrationError", "ExecutionError"):
        (alarm,) = find(resources, "AWS/ApiGateway", metric)
        (stat,) = [m for m in alarm["Metrics"] if m.get("MetricStat", {}).get("Metric", {}).get("MetricName") == metric]
        assert dimensions(stat["MetricStat"]["Metric"]) == {"ApiId": {"Ref": "WebSocketApi"}, "Stage": {"Ref": "Stage"}}
        (returned,) = [m for m in alarm["Metrics"] if m.get("ReturnData", True)]
        assert stat["Id"] in returned["Expression"]


def test_every_alarm_notifies_the_encrypted_alarm_topic(resources: dict[str, Any]) -> None:
    found = alarms(resources)
    assert len(found) >= 11
    for lid, alarm in found.items():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}], lid
        assert alarm["TreatMissingData"] == "notBreaching", lid
    topic = resources["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    key = resources["AlarmTopicKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"].get("Service") == "cloudwatch.amazonaws.com"]
    assert cloudwatch and set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_the_email_subscription_exists_only_when_an_address_is_given(resources: dict[str, Any]) -> None:
    raw = load_yaml(TEMPLATE.read_text())
    assert raw["Parameters"]["AlarmEmail"]["Default"] == ""
    subscription = resources["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert raw["Conditions"]["HasAlarmEmail"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlarmTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlarmEmail"},
    }


def test_functions_are_traced_named_and_never_put_results_in_traces() -> None:
    raw = load_yaml(TEMPLATE.read_text())
    function_globals = raw["Globals"]["Function"]
    assert function_globals["Tracing"] == "Active"
    variables = function_globals["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "InterviewPractice"
    for lid in ("GatewayFunction", "InterviewFunction", "VoiceFunction"):
        own = raw["Resources"][lid]["Properties"]["Environment"]["Variables"]
        assert own["POWERTOOLS_SERVICE_NAME"] == lid.removesuffix("Function").lower()


def test_a_prod_stack_cannot_be_deployed_without_an_alarm_address() -> None:
    """CloudFormation checks ``Rules`` before it creates anything: a prod deploy without AlarmEmail is refused."""
    rule = load_yaml(TEMPLATE.read_text())["Rules"]["ProdAlarmsReachSomeone"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}
