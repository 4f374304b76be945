"""A retried answer is recorded once: REST submit-answer and the WebSocket end of answer, keyed by the client's id.

Retries replay the first result (the interview function's claim of the answer id; for spoken answers also
Powertools idempotency in the gateway) and never move the interview forward twice.
"""

from concurrent.futures import ThreadPoolExecutor

from security_helpers import (
    TABLE,
    answer_items,
    events,
    join,
    of_type,
    send,
    speech_wav,
    stream_answer,
)

from local_stack.stack import LocalStack

TEXT = "I set up alerts on the error budget and we cut incidents by a third within a quarter."


def current_index(user, session_id: str) -> int:
    return user.call("GET", f"/api/sessions/{session_id}").json()["session"]["current_index"]


def audio_seconds_used(stack: LocalStack, user) -> float:
    items = stack.aws_client("dynamodb").scan(
        TableName=TABLE,
        FilterExpression="begins_with(pk, :pk) AND sk = :sk",
        ExpressionAttributeValues={":pk": {"S": f"QUOTA#{user.user_id}#"}, ":sk": {"S": "audio_seconds"}},
    )["Items"]
    return sum(float(item["used"]["N"]) for item in items)


def test_a_retried_submit_answer_returns_the_first_result_and_records_once(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    body = {"text": TEXT, "client_answer_id": "retry000001"}
    first = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    again = user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body)
    assert first.status_code == again.status_code == 200, again.text
    assert again.json()["answer"] == first.json()["answer"]
    assert len(answer_items(stack, session_id)) == 1
    assert user.call("GET", f"/api/sessions/{session_id}").json()["session"]["answers_count"] == 1
    reused = user.call(
        "POST", f"/api/sessions/{session_id}/submit-answer", json={**body, "text": "A different answer entirely."}
    )
    assert reused.status_code == 422 and reused.json()["error"]["code"] == "id_reused"


def test_concurrent_duplicates_record_one_answer(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session()
    body = {"text": TEXT, "client_answer_id": "concurrent01"}
    with ThreadPoolExecutor(max_workers=3) as pool:
        responses = list(
            pool.map(lambda _: user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body), range(3))
        )
    statuses = sorted(r.status_code for r in responses)
    assert 200 in statuses and set(statuses) <= {200, 409}, [r.text for r in responses]
    assert all(r.json()["error"]["code"] == "in_progress" for r in responses if r.status_code == 409)
    assert len(answer_items(stack, session_id)) == 1


def test_a_repeated_text_answer_over_the_websocket_is_replayed_not_recorded_again(
    stack: LocalStack, user_factory
) -> None:
    user = user_factory()
    session_id = user.session(num_questions=3)
    with user.ws() as ws:
        join(ws, session_id)
        send(ws, action="text_answer", answer_id="wstext00001", text=TEXT)
        first = events(ws, of_type("question"))
        result = next(e for e in first if e["type"] == "answer_result")
        assert first[-1]["question"]["index"] == 1
        send(ws, action="text_answer", answer_id="wstext00001", text=TEXT)  # the client retries
        again = events(ws, of_type("question"))
        replayed = next(e for e in again if e["type"] == "answer_result")
        assert replayed["result"]["answer"] == result["result"]["answer"]
        assert again[-1]["question"]["index"] == 1  # still the second question: not skipped
    assert len(answer_items(stack, session_id)) == 1
    assert current_index(user, session_id) == 1


def test_a_rest_answer_retried_over_the_websocket_is_not_recorded_twice(stack: LocalStack, user_factory) -> None:
    user = user_factory()
    session_id = user.session(num_questions=3)
    body = {"text": TEXT, "client_answer_id": "crosschan01"}
    assert user.call("POST", f"/api/sessions/{session_id}/submit-answer", json=body).status_code == 200
    with user.ws() as ws:
        join(ws, session_id)
        for _ in range(2):  # over the WebSocket an answer moves the interview on, once
            send(ws, action="text_answer", answer_id="crosschan01", text=TEXT)
            assert events(ws, of_type("question"))[-1]["question"]["index"] == 1
    assert len(answer_items(stack, session_id)) == 1
    assert current_index(user, session_id) == 1


def test_a_repeated_end_of_answer_replays_without_transcribing_or_recording_again(
    stack: LocalStack, user_factory
) -> None:
    user = user_factory()
    session_id = user.session(num_questions=3)
    with user.ws() as ws:
        join(ws, session_id)
        last_seq = stream_answer(ws, "wsvoice0001", speech_wav())
        send(ws, action="end_answer", answer_id="wsvoice0001", last_seq=last_seq)
        send(ws, action="end_answer", answer_id="wsvoice0001", last_seq=last_seq)  # a double click
        first = events(ws, of_type("question"), timeout=180)
        transcript = next(e for e in first if e["type"] == "transcript")
        assert "migration" in transcript["transcription"]["text"].lower()
        used = audio_seconds_used(stack, user)
        send(ws, action="end_answer", answer_id="wsvoice0001", last_seq=last_seq)  # a retry after reconnecting
        again = events(ws, of_type("question"), timeout=120)
        assert [e["type"] for e in again if e["type"] in ("transcript", "answer_result")] == [
            "transcript",
            "answer_result",
        ]
        assert again[-1]["question"]["index"] == first[-1]["question"]["index"] == 1
        assert audio_seconds_used(stack, user) == used  # replayed, not transcribed again
    assert len(answer_items(stack, session_id)) == 1
    assert current_index(user, session_id) == 1
