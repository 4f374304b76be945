"""Spoken answers are transcribed once: Powertools idempotency in DynamoDB, keyed by the client's answer id.

A retried spoken submit-answer or WebSocket end of answer (same user, session and ``client_answer_id``) returns the
first response without transcribing or evaluating again; the same id with a different answer is refused. If the
first attempt failed, its record is removed, so the retry runs the work afresh. REST and WebSocket answers share one
key space (``KEY_PREFIX``). Records expire after a day; deleting a session deletes its answers' records at once
(:func:`forget`). Typed answers need no record here: the interview function's claim of the answer id, written with
the answer, makes their retries replays (and saves two DynamoDB calls per answer).
"""

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer

from practice_shared import errors
from practice_shared.aws import client
from practice_shared.config import get_settings
from practice_shared.models.api import AnswerResult
from practice_shared.store.dynamo import dynamo_errors

ONE_DAY = 86_400
KEY_PREFIX = "answer"


@cache
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=get_settings().idempotency_table_name, boto3_client=client("dynamodb"))


CONFIG = IdempotencyConfig(
    event_key_jmespath="[user_id, session_id, client_answer_id]",
    payload_validation_jmespath="[text, audio_key, audio_base64]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=ONE_DAY,
)


def track_deadline(context: Any) -> None:
    """Give the invocation's deadline to the records it starts: an attempt cut off by the function's timeout then
    stops blocking retries when the invocation's time is up, instead of when the record expires (a day)."""
    CONFIG.register_lambda_context(context)


@cache
def _once(work: Callable[[dict[str, Any]], AnswerResult]) -> Callable[..., AnswerResult]:
    return idempotent_function(
        work,
        data_keyword_argument="request",
        persistence_store=_persistence(),
        config=CONFIG,
        output_serializer=PydanticSerializer(AnswerResult),
        key_prefix=KEY_PREFIX,
    )


def run_once(work: Callable[[dict[str, Any]], AnswerResult], request: dict[str, Any]) -> AnswerResult:
    """Run ``work(request=request)`` at most once per (user, session, client answer id)."""
    try:
        return _once(work)(request=request)
    except IdempotencyAlreadyInProgressError as exc:
        raise errors.Conflict(
            "This answer is still being processed; try again in a moment.", code="in_progress"
        ) from exc
    except IdempotencyValidationError as exc:
        raise errors.Unprocessable("This answer id was already used for a different answer.", code="id_reused") from exc


def forget(user_id: str, session_id: str, answer_ids: list[str]) -> None:
    """Delete the stored responses of these answers (they hold transcripts), as when their session is deleted."""
    store = _persistence()
    store.configure(CONFIG, key_prefix=KEY_PREFIX)
    with dynamo_errors():
        for answer_id in answer_ids:
            request = {"user_id": user_id, "session_id": session_id, "client_answer_id": answer_id}
            store.delete_record(request, exception=LookupError("the session is being deleted"))
