"""Lambda entry point of the interview function: one action per invocation (see practice_shared.dispatch), or a
batch of the table's stream records (:mod:`interview.changes`)."""

import os
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent

from interview import changes, service
from interview.engine import bank, semantic
from practice_shared.config import get_settings
from practice_shared.dispatch import dispatch
from practice_shared.models.api import (
    AdvancePayload,
    CreateSessionPayload,
    RepeatPayload,
    SessionRef,
    SubmitAnswerPayload,
    UserRef,
)
from practice_shared.observability import logger, metrics, tracer


def _create(payload: dict[str, Any]) -> Any:
    request = CreateSessionPayload.model_validate(payload)
    return service.create_session(request.user_id, request.request)


def _advance(payload: dict[str, Any]) -> Any:
    request = AdvancePayload.model_validate(payload)
    return service.next_question(request, request.from_index, request.from_attempt)


def _repeat(payload: dict[str, Any]) -> Any:
    request = RepeatPayload.model_validate(payload)
    return service.repeat_question(request, request.index)


def _session(action: Any) -> Any:
    return lambda payload: action(SessionRef.model_validate(payload))


ACTIONS = {
    "create_session": _create,
    "start_session": _session(service.start_session),
    "get_session": _session(service.get_session),
    "submit_answer": lambda payload: service.submit_answer(SubmitAnswerPayload.model_validate(payload)),
    "next_question": _advance,
    "repeat_question": _repeat,
    "evaluate_all": _session(service.evaluate_all),
    "end_session": _session(service.end_session),
    "get_report": _session(service.get_report),
    "delete_session": _session(service.delete_session),
    "list_sessions": lambda payload: service.list_sessions(UserRef.model_validate(payload).user_id),
    "health": lambda _: {"status": "ok", "function": "interview", "llm_engine": get_settings().llm_engine},
}


@logger.inject_lambda_context(correlation_id_path="correlation_id")
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Run the requested action and answer with an ``ok``/``error`` envelope, or handle a batch of the table's
    changes (usage statistics, early evaluation of collected answers)."""
    if "Records" in event:
        return changes.handle(DynamoDBStreamEvent(event))
    return dispatch(event, ACTIONS)


if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE"):
    # In Lambda, load the question bank and (for the offline evaluator) the sentence encoder and the bank's vectors
    # during the init phase (~0.5 s together), not in the first request that needs them.
    bank.load_bank()
    if get_settings().llm_engine == "offline":
        semantic.get_encoder()
        semantic.bank_vectors()
