"""Failures are logged with the correlation id and counted in the ``Errors`` metric (in process, captured with
capsys): an action that crashes inside a downstream function, and the 502 the gateway answers because of it."""

import json
from typing import Any

import pytest
from observability_helpers import emf_metrics, json_lines

from local_stack.inprocess import context, rest_event, route_invokes
from practice_shared.dispatch import dispatch
from practice_shared.observability import logger, metrics


def crash(_: dict[str, Any]) -> None:
    raise RuntimeError("the model file is corrupt")


def refuse(_: dict[str, Any]) -> None:
    from practice_shared.errors import NotFound

    raise NotFound("No such session.")


@logger.inject_lambda_context(correlation_id_path="correlation_id")
@metrics.log_metrics
def downstream(event: dict[str, Any], _: Any) -> dict[str, Any]:
    """A function like the interview and voice functions: its actions behind ``dispatch``."""
    return dispatch(event, {"crash": crash, "refuse": refuse})


def test_an_unexpected_failure_is_logged_counted_and_raised(powertools_output: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError):
        downstream({"action": "crash", "payload": {}, "correlation_id": "corr-crash"}, context("interview"))
    lines = json_lines(powertools_output.readouterr().out)
    (logged,) = [line for line in lines if line.get("message") == "Unhandled error"]
    assert logged["level"] == "ERROR" and logged["correlation_id"] == "corr-crash" and logged["action"] == "crash"
    assert "the model file is corrupt" in logged["exception"]
    (blob,) = emf_metrics(lines)["Errors"]
    assert blob["Errors"] == [1.0] and blob["_namespace"] == "InterviewPractice"


def test_a_refusal_is_not_an_error(powertools_output: pytest.CaptureFixture[str]) -> None:
    answer = downstream({"action": "refuse", "payload": {}, "correlation_id": "corr-refuse"}, context("interview"))
    assert answer["ok"] is False and answer["error"]["status"] == 404
    assert "Errors" not in emf_metrics(json_lines(powertools_output.readouterr().out))


def test_the_gateway_counts_a_downstream_crash_it_answers_with_502(
    aws_tables: None, powertools_output: pytest.CaptureFixture[str]
) -> None:
    from gateway.handler import lambda_handler as gateway
    from practice_shared import aws
    from practice_shared.config import get_settings

    event = rest_event("GET", "/api/sessions")
    event["requestContext"]["requestId"] = "rest-request-1"  # the correlation id the logs must carry
    with route_invokes(aws.client("lambda"), {get_settings().interview_function_name: downstream_crash}):
        response = gateway(event, context("gateway"))
    assert response["statusCode"] == 502, response
    assert json.loads(response["body"])["error"]["code"] == "downstream_error"
    lines = json_lines(powertools_output.readouterr().out)
    served = [line for line in lines if line.get("message") == "Request served"]
    assert served and served[-1]["status"] == 502 and served[-1]["correlation_id"] == "rest-request-1"
    (blob,) = emf_metrics(lines)["Errors"]  # counted once, by the gateway
    assert blob["Errors"] == [1.0] and blob["_namespace"] == "InterviewPractice"


def downstream_crash(event: dict[str, Any], _: Any) -> dict[str, Any]:
    """The interview function failing outright (Lambda reports FunctionError: Unhandled)."""
    raise RuntimeError("out of memory")
