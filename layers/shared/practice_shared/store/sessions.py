"""Sessions, answers and reports in DynamoDB.

Item layout (one partition per session, so a session's data is read with one query and deleted together):

=====================  ===========================================  =====================================
pk                     sk                                           holds
=====================  ===========================================  =====================================
``SESSION#<id>``       ``META``                                     :class:`SessionRecord` + owner, state, version
``SESSION#<id>``       ``ANSWER#<question:03>#<follow-up:02>#<id>``  one :class:`AnswerRecord` (items stay small)
``SESSION#<id>``       ``ANSWERID#<id>``                            claims an answer id (retries are replays)
``SESSION#<id>``       ``REPORT``                                   the final :class:`Report`
=====================  ===========================================  =====================================

The META item also carries ``gsi1pk = USER#<owner>`` / ``gsi1sk = <created_at>`` so the ``by-user`` index lists
a candidate's sessions newest first. Every item has ``expires_at`` (the table's TTL attribute).
"""

import json
from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Key

from practice_shared.errors import NotFound
from practice_shared.models.interview import Report
from practice_shared.models.session import AnswerRecord, SessionRecord
from practice_shared.store.dynamo import Cancelled, ConditionFailed, dynamo_errors, table, transact_write

USER_INDEX = "by-user"


def _pk(session_id: str) -> str:
    return f"SESSION#{session_id}"


def _answer_sk(answer: AnswerRecord) -> str:
    return f"ANSWER#{answer.question_index:03d}#{answer.follow_up_index:02d}#{answer.answer_id}"


def _not_found(session_id: str) -> NotFound:
    return NotFound(f"Session {session_id} was not found.")


def _meta_item(record: SessionRecord, expires_at: int) -> dict[str, Any]:
    return {
        "pk": _pk(record.session_id),
        "sk": "META",
        "gsi1pk": f"USER#{record.user_id}",
        "gsi1sk": record.created_at,
        "user_id": record.user_id,
        "state": record.state,
        "version": record.version,
        "expires_at": expires_at,
        "question_ids": [p.question.id for p in record.plan],
        "record": record.model_dump_json(),
    }


def creation(record: SessionRecord, expires_at: int) -> dict[str, Any]:
    """The transaction entry that stores a new session (cancelled if the id already exists)."""
    return _put(_meta_item(record, expires_at), "attribute_not_exists(pk)")


def get(session_id: str, user_id: str) -> SessionRecord:
    """The session, if it exists and belongs to ``user_id``; otherwise 404 (never revealing that it exists)."""
    record = get_for_processing(session_id)
    if record is None or record.user_id != user_id:
        raise _not_found(session_id)
    return record


def get_for_processing(session_id: str) -> SessionRecord | None:
    """The session, whoever owns it: for the functions' own background work, never for a caller's request."""
    with dynamo_errors():
        item = table().get_item(Key={"pk": _pk(session_id), "sk": "META"}, ConsistentRead=True).get("Item")
    return SessionRecord.model_validate_json(item["record"]) if item else None


class StoredSession(NamedTuple):
    """A session's items, read with one query of its partition."""

    record: SessionRecord
    answers: list[AnswerRecord]
    report: Report | None


def load(session_id: str, user_id: str) -> StoredSession:
    """The session with its answers (in order) and its report; 404 as :func:`get` does."""
    items = {item["sk"]: item for item in _query_all(Key("pk").eq(_pk(session_id)))}
    meta = items.get("META")
    if not meta or meta.get("user_id") != user_id:
        raise _not_found(session_id)
    answers = [AnswerRecord.model_validate_json(i["record"]) for sk, i in items.items() if sk.startswith("ANSWER#")]
    report = Report.model_validate_json(items["REPORT"]["record"]) if "REPORT" in items else None
    return StoredSession(SessionRecord.model_validate_json(meta["record"]), _in_order(answers), report)


def save(record: SessionRecord, expires_at: int) -> SessionRecord:
    """Write ``record`` if nobody changed it since it was read (optimistic locking on ``version``).

    Returns the stored record with its new version; raises :class:`ConditionFailed` when it lost a race.
    """
    expected = record.version
    stored = record.model_copy(update={"version": expected + 1})
    with dynamo_errors():
        table().put_item(
            Item=_meta_item(stored, expires_at),
            ConditionExpression="attribute_exists(pk) AND #v = :expected",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":expected": expected},
        )
    return stored


def _answer_item(session_id: str, answer: AnswerRecord, expires_at: int) -> dict[str, Any]:
    return {
        "pk": _pk(session_id),
        "sk": _answer_sk(answer),
        "expires_at": expires_at,
        "record": answer.model_dump_json(),
    }


def _report_item(session_id: str, report: Report, expires_at: int) -> dict[str, Any]:
    return {"pk": _pk(session_id), "sk": "REPORT", "expires_at": expires_at, "record": report.model_dump_json()}


def put_answers(session_id: str, answers: list[AnswerRecord], expires_at: int, report: Report | None = None) -> None:
    """Store (or replace) several answers, and the final report if given, in batches of 25 items.

    An ending session passes every answer and its report with the history expiry. The META item is not written
    here (it is saved with optimistic locking), nor the answer-id markers, which only matter while the session
    is active and keep that expiry.
    """
    with dynamo_errors(), table().batch_writer() as batch:
        for answer in answers:
            batch.put_item(Item=_answer_item(session_id, answer, expires_at))
        if report is not None:
            batch.put_item(Item=_report_item(session_id, report, expires_at))


class AnswerIdTaken(Exception):
    """An answer with this client answer id was already submitted to the session."""


def store_answer(session_id: str, answer: AnswerRecord, expires_at: int, *, claim_id: bool = False) -> None:
    """Store ``answer`` and, when ``claim_id``, the marker reserving its answer id, in one transaction.

    Raises :class:`AnswerIdTaken` when the id was already used (a retried request).
    """
    _write_answer(session_id, answer, expires_at, claim_id, None)


def save_with_answer(
    session: SessionRecord, answer: AnswerRecord, expires_at: int, *, claim_id: bool = False
) -> SessionRecord:
    """:func:`store_answer` and :func:`save` in one transaction: all or nothing.

    Returns the stored session. Raises :class:`AnswerIdTaken` when the answer id was already used and
    :class:`ConditionFailed` when the session changed since it was read.
    """
    stored = session.model_copy(update={"version": session.version + 1})
    _write_answer(session.session_id, answer, expires_at, claim_id, stored)
    return stored


def _write_answer(
    session_id: str, answer: AnswerRecord, expires_at: int, claim_id: bool, stored: SessionRecord | None
) -> None:
    writes: list[dict[str, Any]] = []
    if claim_id:
        marker = {
            **_claim_key(session_id, answer.answer_id),
            "answer_sk": _answer_sk(answer),
            "claimed_at": answer.created_at,  # tells one attempt's claim from the next one's
            "expires_at": expires_at,
        }
        writes.append(_put(marker, "attribute_not_exists(pk)"))
    writes.append(_put(_answer_item(session_id, answer, expires_at)))
    if stored is not None:
        unchanged = "attribute_exists(pk) AND #v = :expected"
        version = {":expected": stored.version - 1}
        writes.append(_put(_meta_item(stored, expires_at), unchanged, {"#v": "version"}, version))
    try:
        transact_write(writes)
    except Cancelled as exc:
        if claim_id and exc.reasons[:1] == ["ConditionalCheckFailed"]:
            raise AnswerIdTaken(answer.answer_id) from exc
        raise


def _put(
    item: dict[str, Any],
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One ``Put`` of a TransactWriteItems request (plain values: the table resource's client types them)."""
    put: dict[str, Any] = {"TableName": table().name, "Item": item}
    if condition:
        put["ConditionExpression"] = condition
    if names:
        put["ExpressionAttributeNames"] = names
    if values:
        put["ExpressionAttributeValues"] = values
    return {"Put": put}


def usage_of_change(
    event_name: str, keys: dict[str, Any], old_image: dict[str, Any], new_image: dict[str, Any]
) -> dict[str, float]:
    """What one change of the table (a stream record's event name, keys and images) adds to the usage counters
    (:data:`practice_shared.store.stats.COUNTERS`): a session created, an answer stored, a session completed."""
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if not pk.startswith("SESSION#"):
        return {}
    if event_name == "INSERT" and sk == "META":
        return {"sessions_created": 1}
    if event_name == "INSERT" and sk.startswith("ANSWER#"):
        return {"answers": 1}
    if event_name == "MODIFY" and sk == "META" and old_image.get("state") != new_image.get("state") == "completed":
        overall = SessionRecord.model_validate_json(new_image["record"]).overall
        scored = {"score_total": overall, "scored_sessions": 1} if overall is not None else {}
        return {"sessions_completed": 1, **scored}
    return {}


class StoredAnswer(NamedTuple):
    """An answer item as a stream record showed it: what was stored, and the exact ``record`` text it held."""

    session_id: str
    answer: AnswerRecord
    expires_at: int
    stored_text: str


def answer_inserted(event_name: str, keys: dict[str, Any], new_image: dict[str, Any]) -> StoredAnswer | None:
    """The answer a change of the table (a stream record) stored for the first time, if it is one."""
    pk, sk = str(keys.get("pk", "")), str(keys.get("sk", ""))
    if event_name != "INSERT" or not pk.startswith("SESSION#") or not sk.startswith("ANSWER#"):
        return None
    text = str(new_image["record"])
    return StoredAnswer(
        pk.removeprefix("SESSION#"), AnswerRecord.model_validate_json(text), int(new_image["expires_at"]), text
    )


def replace_answer(stored: StoredAnswer, answer: AnswerRecord) -> bool:
    """Store ``answer`` in place of ``stored`` unless the item changed since (False then: someone else, such as
    the end of the interview, wrote it with its own evaluation)."""
    try:
        with dynamo_errors():
            table().put_item(
                Item=_answer_item(stored.session_id, answer, stored.expires_at),
                ConditionExpression="#r = :stored",
                ExpressionAttributeNames={"#r": "record"},
                ExpressionAttributeValues={":stored": stored.stored_text},
            )
    except ConditionFailed:
        return False
    return True


class AnswerClaim(NamedTuple):
    """An answer id's claim: when the attempt that holds it began, and the answer it stored (None: not yet)."""

    claimed_at: str
    answer: AnswerRecord | None


def _claim_key(session_id: str, answer_id: str) -> dict[str, str]:
    return {"pk": _pk(session_id), "sk": f"ANSWERID#{answer_id}"}


def get_claim(session_id: str, answer_id: str) -> AnswerClaim | None:
    """The claim of ``answer_id`` in the session with the answer stored under it, or None if it is not claimed."""
    with dynamo_errors():
        marker = table().get_item(Key=_claim_key(session_id, answer_id), ConsistentRead=True).get("Item")
        if marker is None:
            return None
        key = {"pk": _pk(session_id), "sk": marker["answer_sk"]}
        item = table().get_item(Key=key, ConsistentRead=True).get("Item")
    answer = AnswerRecord.model_validate_json(item["record"]) if item else None
    return AnswerClaim(claimed_at=marker["claimed_at"], answer=answer)


def release_claim(session_id: str, answer_id: str, claimed_at: str) -> bool:
    """Free ``answer_id`` for a new attempt, unless another attempt claimed it since ``claimed_at`` (False then)."""
    try:
        with dynamo_errors():
            table().delete_item(
                Key=_claim_key(session_id, answer_id),
                ConditionExpression="claimed_at = :claimed",
                ExpressionAttributeValues={":claimed": claimed_at},
            )
    except ConditionFailed:
        return False
    return True


def delete_answer(session_id: str, answer: AnswerRecord) -> None:
    """Delete ``answer`` and the claim of its id (an answer refused after it was stored)."""
    keys = [{"pk": _pk(session_id), "sk": _answer_sk(answer)}, _claim_key(session_id, answer.answer_id)]
    with dynamo_errors():
        for key in keys:
            table().delete_item(Key=key)


def _in_order(answers: list[AnswerRecord]) -> list[AnswerRecord]:
    return sorted(answers, key=lambda a: (a.question_index, a.follow_up_index, a.created_at))


def get_report(session_id: str) -> Report | None:
    """The stored report, or None when the session has not ended."""
    with dynamo_errors():
        item = table().get_item(Key={"pk": _pk(session_id), "sk": "REPORT"}, ConsistentRead=True).get("Item")
    return Report.model_validate_json(item["record"]) if item else None


def list_for_user(user_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The user's sessions, newest first, as summaries (metadata item only)."""
    with dynamo_errors():
        response = table().query(
            IndexName=USER_INDEX,
            KeyConditionExpression=Key("gsi1pk").eq(f"USER#{user_id}"),
            ScanIndexForward=False,
            Limit=limit,
        )
    return [json.loads(item["record"]) for item in response.get("Items", [])]


def recent_question_ids(user_id: str, sessions: int = 5) -> set[str]:
    """Question ids asked in the user's most recent sessions (so new sessions avoid repeating them)."""
    with dynamo_errors():
        response = table().query(
            IndexName=USER_INDEX,
            KeyConditionExpression=Key("gsi1pk").eq(f"USER#{user_id}"),
            ScanIndexForward=False,
            Limit=sessions,
            ProjectionExpression="question_ids",
        )
    return {qid for item in response.get("Items", []) for qid in item.get("question_ids", [])}


def delete(session_id: str) -> int:
    """Delete every item of the session; returns how many were deleted."""
    items = _query_all(Key("pk").eq(_pk(session_id)), projection="pk, sk")
    with dynamo_errors(), table().batch_writer() as batch:
        for item in items:
            batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    return len(items)


def _query_all(condition: Any, projection: str | None = None) -> list[dict[str, Any]]:
    kwargs: dict[str, Any] = {"KeyConditionExpression": condition, "ConsistentRead": True}
    if projection:
        kwargs["ProjectionExpression"] = projection
    items: list[dict[str, Any]] = []
    with dynamo_errors():
        while True:
            response = table().query(**kwargs)
            items.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]


__all__ = [
    "AnswerClaim",
    "AnswerIdTaken",
    "Cancelled",
    "ConditionFailed",
    "StoredAnswer",
    "StoredSession",
    "answer_inserted",
    "creation",
    "delete",
    "delete_answer",
    "get",
    "get_claim",
    "get_for_processing",
    "get_report",
    "list_for_user",
    "load",
    "put_answers",
    "recent_question_ids",
    "release_claim",
    "replace_answer",
    "save",
    "save_with_answer",
    "store_answer",
    "usage_of_change",
]
