"""Privacy: deleting a session deletes everything of it (answers, report, audio, streamed chunks, stored responses),
and audio retention is a template parameter."""

import uuid

from security_helpers import (
    BUCKET,
    User,
    audio_keys,
    join,
    session_items,
    speech_wav,
    stream_answer,
)

from local_stack.stack import LocalStack
from local_stack.template import Template


def stored_responses(stack: LocalStack, marker: str) -> list[str]:
    """Ids of idempotency records whose stored response contains ``marker``."""
    items = stack.aws_client("dynamodb").scan(
        TableName="IdempotencyTable",
        FilterExpression="contains(#d, :m)",
        ExpressionAttributeNames={"#d": "data"},
        ExpressionAttributeValues={":m": {"S": marker}},
        ConsistentRead=True,
    )["Items"]
    return [item["id"]["S"] for item in items]


def test_deleting_a_session_deletes_its_answers_report_audio_and_stored_responses(
    stack: LocalStack, user_factory
) -> None:
    user: User = user_factory("privacy")
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    session_id = user.session(num_questions=2)
    typed = {"text": f"My private answer mentions {marker} and our team's outage.", "client_answer_id": "private01"}
    assert user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=typed).status_code == 200
    assert user.call("POST", f"/api/sessions/{session_id}/next-question").status_code == 200
    key = user.upload(session_id, speech_wav())
    spoken = {"audio_key": key, "client_answer_id": "private02"}
    assert user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=spoken).status_code == 200
    with user.ws() as ws:  # an answer streamed but never finished
        join(ws, session_id)
        stream_answer(ws, "private03", speech_wav()[:30_000])
    assert user.call("POST", f"/api/sessions/{session_id}/end").status_code == 200

    kinds = {item["sk"].split("#")[0] for item in session_items(stack, session_id)}
    assert kinds == {"META", "ANSWER", "ANSWERID", "STREAM", "REPORT"}
    answers_prefix, streams_prefix = f"answers/{user.user_id}/{session_id}/", f"streams/{user.user_id}/{session_id}/"
    assert audio_keys(stack, answers_prefix) == [key] and len(audio_keys(stack, streams_prefix)) == 2
    assert stored_responses(stack, marker) == []  # a typed answer leaves no copy of its text there
    assert len(stored_responses(stack, session_id)) == 1  # the spoken answer's stored response (its audio key)

    deleted = user.call("DELETE", f"/api/sessions/{session_id}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["audio_objects_deleted"] == 3
    assert session_items(stack, session_id) == []
    assert audio_keys(stack, answers_prefix) == audio_keys(stack, streams_prefix) == []
    assert stored_responses(stack, marker) == stored_responses(stack, session_id) == []
    assert user.call("GET", f"/api/sessions/{session_id}").status_code == 404
    assert session_id not in {s["session_id"] for s in user.call("GET", "/api/sessions").json()}


def test_audio_retention_is_a_template_parameter(stack: LocalStack) -> None:
    rules = stack.aws_client("s3").get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    expiring = {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in rules if "Expiration" in r}
    assert expiring == {"answers/": 30, "tts/": 30, "streams/": 30}
    (bucket,) = Template.load(parameters={"AudioRetentionDays": "7"}).stack_spec().buckets
    assert {r["Expiration"]["Days"] for r in bucket.lifecycle_rules if "Expiration" in r} == {7}
