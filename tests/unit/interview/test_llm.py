"""The Bedrock engine (Converse API) and its fallback to the offline evaluator.

Bedrock cannot be called from here (no network, no credentials), so these tests drive the real boto3
client through botocore's Stubber, which checks every request against the service model and returns the
canned response: a valid JSON evaluation, a throttling error and a reply that is not valid JSON.
"""

import json

import pytest
from botocore.stub import ANY, Stubber
from engine_samples import CONCISE, DEADLINE, IDEMPOTENCY, STORY_I

from interview.engine import llm
from practice_shared.aws import client
from practice_shared.config import Settings
from practice_shared.models.interview import Misconception

BEDROCK = Settings(llm_engine="bedrock", bedrock_model_id="test-model")


def _response(text: str) -> dict:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 900, "outputTokens": 300, "totalTokens": 1200},
        "metrics": {"latencyMs": 850},
    }


def _reply(question, scores: dict[str, float]) -> str:
    return json.dumps(
        {
            "criteria": [
                {"criterion": c, "score": s, "evidence": [f"{c} evidence"], "lowered_by": []} for c, s in scores.items()
            ],
            "key_points": [
                {"index": i, "covered": i == 0, "evidence": "quote" if i == 0 else None}
                for i in range(len(question.key_points))
            ],
            "star": [{"part": "result", "found": True, "evidence": "shipped on the 30th"}]
            if question.type == "behavioral"
            else [],
        }
    )


@pytest.fixture
def bedrock():
    runtime = client("bedrock-runtime")
    with Stubber(runtime) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


EXPECTED_PARAMS = {"modelId": "test-model", "system": ANY, "messages": ANY, "inferenceConfig": ANY}


def test_bedrock_scores_are_used_and_the_overall_uses_our_weights(bedrock):
    scores = {"clarity": 8, "communication": 7, "role_relevance": 9, "technical_depth": 6}
    bedrock.add_response("converse", _response("Here it is:\n" + _reply(IDEMPOTENCY, scores)), EXPECTED_PARAMS)
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    assert evaluation.engine == "bedrock" and evaluation.engine_note is None
    assert {c.criterion: c.score for c in evaluation.criteria} == scores
    assert evaluation.overall == pytest.approx(0.1 * 8 + 0.15 * 7 + 0.25 * 9 + 0.5 * 6, abs=0.05)
    assert [k.covered for k in evaluation.key_points] == [True, False, False, False]
    assert evaluation.key_points[1].similarity > 0  # measured offline, not invented
    assert evaluation.signals["llm_model"] == "test-model"


def test_behavioural_star_parts_come_from_bedrock(bedrock):
    scores = {"clarity": 8, "communication": 8, "star_structure": 9, "role_relevance": 8}
    bedrock.add_response("converse", _response(_reply(DEADLINE, scores)), EXPECTED_PARAMS)
    evaluation = llm.evaluate(DEADLINE, STORY_I, role="backend_engineer", level="mid", settings=BEDROCK)
    assert evaluation.star[0].part == "result" and evaluation.star[0].found


def test_throttling_falls_back_to_the_offline_evaluator(bedrock):
    bedrock.add_client_error("converse", service_error_code="ThrottlingException", http_status_code=429)
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    offline = llm.evaluator.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid")
    assert evaluation.engine == "offline"
    assert "Bedrock evaluation failed" in evaluation.engine_note and "ThrottlingException" in evaluation.engine_note
    assert evaluation.overall == offline.overall


def test_invalid_json_falls_back_to_the_offline_evaluator(bedrock):
    bedrock.add_response("converse", _response('{"criteria": [{"criterion": "clarity", "score": 8,}'))
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    assert evaluation.engine == "offline"
    assert "not valid JSON" in evaluation.engine_note


def test_a_reply_with_the_wrong_criteria_falls_back(bedrock):
    scores = {"clarity": 8, "communication": 7, "star_structure": 9, "role_relevance": 9}
    bedrock.add_response("converse", _response(_reply(IDEMPOTENCY, scores)))
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    assert evaluation.engine == "offline"
    assert "instead of" in evaluation.engine_note


def test_a_score_out_of_range_falls_back(bedrock):
    scores = {"clarity": 11, "communication": 7, "role_relevance": 9, "technical_depth": 6}
    bedrock.add_response("converse", _response(_reply(IDEMPOTENCY, scores)))
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    assert evaluation.engine == "offline"
    assert "did not match the evaluation shape" in evaluation.engine_note


def test_offline_engine_never_calls_bedrock(bedrock):
    evaluation = llm.evaluate(IDEMPOTENCY, CONCISE, role="backend_engineer", level="mid", settings=Settings())
    assert evaluation.engine == "offline" and evaluation.engine_note is None


def test_the_question_s_known_misconceptions_are_part_of_the_prompt(bedrock):
    question = IDEMPOTENCY.model_copy(
        update={
            "misconceptions": [
                Misconception(
                    wrong="Switching from POST to PUT makes retried payments safe on its own.",
                    right="The server must store an idempotency key to deduplicate retried payments.",
                )
            ]
        }
    )
    scores = {"clarity": 8, "communication": 7, "role_relevance": 9, "technical_depth": 6}
    sent: list[str] = []

    def prompt_of(params: dict, **_: object) -> None:
        sent.append(params["messages"][0]["content"][0]["text"])

    event = "before-parameter-build.bedrock-runtime.Converse"
    bedrock.client.meta.events.register(event, prompt_of)
    bedrock.add_response("converse", _response(_reply(question, scores)), EXPECTED_PARAMS)
    try:
        llm.evaluate(question, CONCISE, role="backend_engineer", level="mid", settings=BEDROCK)
    finally:
        bedrock.client.meta.events.unregister(event, prompt_of)
    (prompt,) = sent
    assert "Known misconceptions about this question" in prompt
    assert "Wrong: Switching from POST to PUT makes retried payments safe on its own." in prompt
    assert "Correct: The server must store an idempotency key" in prompt
