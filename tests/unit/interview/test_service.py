"""The session lifecycle against DynamoDB and S3 in moto (tables built from template.yaml)."""

import json
import threading
import time

import pytest

from interview import service
from interview.engine import bank as question_bank
from practice_shared import errors
from practice_shared.models.api import CreateSessionRequest, SessionRef, SubmitAnswerPayload
from practice_shared.store import audio as audio_store
from practice_shared.store import sessions as store
from practice_shared.store.dynamo import table

USER = "user-a"
STRONG = (
    "At my last company our checkout API double-charged customers when mobile clients retried after timeouts. "
    "I owned the fix: I added an idempotency key that clients send with each payment request, stored the key with "
    "the result in DynamoDB using a conditional write, and returned the stored result on a retry. I also added a "
    "dashboard for duplicate attempts. Duplicate charges went from about forty a week to zero, and I wrote the "
    "runbook so the on-call engineers could handle any key conflicts."
)


def create(**overrides) -> SessionRef:
    request = CreateSessionRequest(
        **{"role": "backend_engineer", "level": "mid", "interview_type": "mixed", **overrides}
    )
    view = service.create_session(USER, request)
    return SessionRef(user_id=USER, session_id=view.session.session_id)


def answer(ref: SessionRef, text: str = STRONG, **extra):
    return service.submit_answer(
        SubmitAnswerPayload(user_id=ref.user_id, session_id=ref.session_id, text=text, **extra)
    )


def test_full_lifecycle_in_evaluate_mode(aws_tables):
    ref = create(num_questions=3)
    view = service.start_session(ref)
    assert view.session.state == "active"
    assert view.question.index == 0 and view.question.total == 3

    result = answer(ref)
    assert result.evaluation is not None and 1 <= result.evaluation.overall <= 10
    assert result.feedback.strengths or result.feedback.improvements
    service.next_question(ref)
    answer(ref, "I am not sure, I would probably look it up and ask a colleague.")
    service.next_question(ref)
    assert service.next_question(ref).done is True

    report = service.end_session(ref)
    assert report.answered == 2 and report.asked == 3
    assert len(report.questions) == 3 and report.questions[2].overall is None
    assert report.summary_text
    assert store.get(ref.session_id, USER).state == "completed"


def test_the_session_view_shows_each_question_and_why_but_never_its_rubric(aws_tables):
    ref = create(num_questions=4, interview_type="technical")
    stored = store.get(ref.session_id, USER).plan
    for view in (service.get_session(ref), service.start_session(ref)):
        assert [(p.question_id, p.text, p.reason) for p in view.session.plan] == [
            (p.question.id, p.question.text, p.reason) for p in stored
        ]
        shown = view.model_dump_json()
        for planned in stored:
            for hidden in [*planned.question.key_points, *(m.right for m in planned.question.misconceptions)]:
                assert hidden not in shown
    assert any(p.question.misconceptions for p in stored)


def test_an_answer_is_scored_with_the_examples_its_stored_question_leaves_to_the_bank(aws_tables):
    ref = create(num_questions=3, interview_type="behavioral")
    planned = store.get(ref.session_id, USER).plan[0]
    assert planned.question.type == "general" and planned.question.key_point_examples == []  # the warm-up
    service.start_session(ref)
    examples = question_bank.load_bank().get(planned.question.id).key_point_examples
    result = answer(ref, " ".join(group[0] for group in examples if group))
    assert result.evaluation.signals["off_topic"] == 0
    assert all(k.covered for k, group in zip(result.evaluation.key_points, examples, strict=True) if group)


def test_an_own_question_the_bank_asks_in_other_words_is_scored_with_that_questions_rubric(aws_tables):
    twin = question_bank.load_bank().get("bh-conflict-manager")
    ref = create(custom_questions=["Describe a situation where you disagreed with your manager."])
    planned = store.get(ref.session_id, USER).plan[0]  # read back from DynamoDB
    assert (planned.question.id, planned.question.rubric_from) == ("custom-0", twin.id)
    assert twin.text in planned.reason
    view = service.start_session(ref)
    assert view.question.text == "Describe a situation where you disagreed with your manager."
    result = answer(ref, " ".join(group[0] for group in twin.key_point_examples))
    assert [k.key_point for k in result.evaluation.key_points] == twin.key_points
    assert all(k.covered for k in result.evaluation.key_points)  # the twin's examples, put back by the bank


def _stale_read_once(monkeypatch, ref: SessionRef) -> None:
    """The next ``store.get`` returns the session as it is now: the request reads it before the end completes."""
    before = store.get(ref.session_id, USER)
    reads = iter([before])
    read = store.get
    monkeypatch.setattr(
        service.store, "get", lambda session_id, user_id: next(reads, None) or read(session_id, user_id)
    )


def test_an_answer_counted_while_the_interview_ends_is_in_its_report(aws_tables, monkeypatch):
    ref = create(num_questions=2, mode="collect")
    service.start_session(ref)
    put_answers = store.put_answers
    raced: list = []

    def answer_arrives_meanwhile(session_id, answers, expires_at, report=None):
        put_answers(session_id, answers, expires_at, report=report)
        if not raced:  # between the end's reading of the answers and its saving of the session
            raced.append(answer(ref))

    monkeypatch.setattr(service.store, "put_answers", answer_arrives_meanwhile)
    report = service.end_session(ref)
    assert raced and report.answered == 1
    assert service.get_report(ref) == report
    assert store.get(ref.session_id, USER).answers_count == 1


@pytest.mark.parametrize("mode", ["collect", "evaluate"])
def test_an_answer_to_an_interview_that_ended_after_it_was_read_is_refused_and_not_kept(aws_tables, monkeypatch, mode):
    ref = create(num_questions=2, mode=mode)
    service.start_session(ref)
    _stale_read_once(monkeypatch, ref)  # the answer's request reads the session still active...
    report = service.end_session(ref)  # ...then the end completes, before the answer is counted
    with pytest.raises(errors.Conflict, match="has ended"):
        answer(ref, client_answer_id="late-00001")
    stored = store.load(ref.session_id, USER)
    assert stored.answers == [] and stored.record.answers_count == 0 and report.answered == 0
    assert store.get_claim(ref.session_id, "late-00001") is None


def test_an_answer_the_end_read_while_it_was_evaluated_gets_its_result(aws_tables, monkeypatch):
    ref = create(num_questions=2, mode="evaluate")
    service.start_session(ref)
    evaluate_now = service._evaluate_now

    def end_while_evaluating(record, planned, stored_answer):
        evaluated = evaluate_now(record, planned, stored_answer)
        service.end_session(ref)  # reads the answer stored before its evaluation, and evaluates it itself
        return evaluated

    monkeypatch.setattr(service, "_evaluate_now", end_while_evaluating)
    result = answer(ref)
    assert result.next_action == "end" and result.evaluation is not None
    report = service.get_report(ref)
    assert report.answered == 1 and report.questions[0].overall == result.evaluation.overall


def test_invalid_transitions_get_409(aws_tables):
    ref = create()
    with pytest.raises(errors.Conflict) as exc:
        answer(ref)
    assert exc.value.code == "invalid_transition" and "Start the interview first" in exc.value.message
    with pytest.raises(errors.Conflict):
        service.end_session(ref)
    with pytest.raises(errors.Conflict):
        service.get_report(ref)
    service.start_session(ref)
    with pytest.raises(errors.Conflict):
        service.start_session(ref)
    service.end_session(ref)
    with pytest.raises(errors.Conflict):
        answer(ref)
    with pytest.raises(errors.Conflict):
        service.next_question(ref)


def test_ending_twice_returns_the_same_report(aws_tables):
    ref = create(num_questions=2)
    service.start_session(ref)
    answer(ref)
    first = service.end_session(ref)
    second = service.end_session(ref)
    assert first == second and second.answered == 1
    assert service.get_report(ref) == first


def test_collect_mode_stores_then_evaluates_each_answer_against_its_question(aws_tables):
    ref = create(num_questions=2, mode="collect")
    service.start_session(ref)
    first = answer(ref)
    assert first.evaluation is None and first.follow_up is None
    service.next_question(ref)
    answer(ref, "Off the top of my head, I would use a cache.")
    evaluated = service.evaluate_all(ref).answers
    plan = store.get(ref.session_id, USER).plan
    assert [a.question_index for a in evaluated] == [0, 1]
    assert all(a.evaluation is not None for a in evaluated)
    assert [a.question_text for a in evaluated] == [p.question.text for p in plan]
    report = service.end_session(ref)
    assert report.answered == 2


@pytest.fixture
def atomic_transactions(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies a transaction's writes one by one and, when one fails, puts back a copy of the whole table taken
    before it started, which erases what another thread wrote meanwhile (DynamoDB isolates transactions and cancels
    a conflicting one instead). Run moto's transactions one at a time, as DynamoDB's isolation makes them appear."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.Lock()
    unlocked = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items):
        with lock:
            return unlocked(self, transact_items)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)


def _answer_at_once(ref: SessionRef, texts: list[str]) -> list[Exception]:
    """Submit ``texts`` as answers from as many threads released together; returns the errors they raised."""
    barrier = threading.Barrier(len(texts))
    failures: list[Exception] = []

    def submit(text: str) -> None:
        barrier.wait()
        try:
            answer(ref, text)
        except Exception as exc:  # recorded, then asserted by the caller
            failures.append(exc)

    threads = [threading.Thread(target=submit, args=(text,)) for text in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return failures


@pytest.mark.parametrize("mode", ["collect", "evaluate"])
def test_of_two_answers_to_one_question_submitted_at_once_one_is_kept_and_the_other_refused(
    aws_tables, atomic_transactions, mode
):
    ref = create(num_questions=2, mode=mode, max_follow_ups=0)
    service.start_session(ref)
    failures = _answer_at_once(ref, [f"Answer number {i}: {STRONG}" for i in range(2)])
    assert [(type(f), f.code) for f in failures] == [(errors.Conflict, "invalid_transition")]
    assert "already been answered" in failures[0].message
    assert len(store.load(ref.session_id, USER).answers) == 1  # the refused one is not kept
    assert store.get(ref.session_id, USER).answers_count == 1
    assert store.get(ref.session_id, USER).answered_questions == [0]


def test_of_two_answers_to_one_follow_up_submitted_at_once_one_is_kept(aws_tables, atomic_transactions):
    ref = create(num_questions=1, interview_type="behavioral", max_follow_ups=1)
    service.start_session(ref)
    assert answer(ref, "We worked on it as a team and it went well in the end.").next_action == "answer_follow_up"
    failures = _answer_at_once(ref, [f"Follow-up answer {i}: {STRONG}" for i in range(2)])
    assert len(failures) == 1 and "already been answered" in failures[0].message
    stored = store.load(ref.session_id, USER)
    assert [a.follow_up_index for a in stored.answers] == [0, 1] and stored.record.answers_count == 2


@pytest.mark.parametrize("mode", ["collect", "evaluate"])
def test_a_question_takes_one_answer_per_attempt(aws_tables, mode):
    ref = create(num_questions=2, mode=mode, max_follow_ups=0)
    service.start_session(ref)
    answer(ref)
    with pytest.raises(errors.Conflict, match="already been answered"):
        answer(ref, "A second answer to the same question, without asking it again.")
    service.repeat_question(ref, 0)
    assert answer(ref, "The second attempt, asked again.").answer.attempt == 2
    service.next_question(ref)
    assert answer(ref).answer.question_index == 1
    assert len(store.load(ref.session_id, USER).answers) == 3


def test_follow_up_is_asked_for_a_vague_answer_and_answering_it_is_recorded(aws_tables):
    ref = create(num_questions=1, interview_type="behavioral", max_follow_ups=1)
    service.start_session(ref)
    result = answer(ref, "We worked on it as a team and it went well in the end.")
    assert result.next_action == "answer_follow_up" and result.follow_up.is_follow_up
    current = service.get_session(ref).question
    assert current.is_follow_up and current.text == result.follow_up.text
    second = answer(ref, STRONG)
    assert second.answer.follow_up_index == 1
    assert second.follow_up is None  # at most max_follow_ups per question
    assert service.get_session(ref).question.is_follow_up is False
    listed = service.list_sessions(USER)[0]
    assert listed["answers"] == 2 and listed["questions_answered"] == 1  # the follow-up answer is no new question


def test_other_users_sessions_do_not_exist(aws_tables):
    ref = create()
    intruder = SessionRef(user_id="user-b", session_id=ref.session_id)
    for action in (service.start_session, service.get_session, service.end_session, service.delete_session):
        with pytest.raises(errors.NotFound):
            action(intruder)
    assert service.list_sessions("user-b") == []


def test_delete_removes_answers_report_and_audio(aws_tables):
    ref = create(num_questions=1)
    service.start_session(ref)
    key = audio_store.new_answer_key(USER, ref.session_id, "audio/webm")
    audio_store.write(key, b"fake-but-irrelevant-bytes", "audio/webm")
    answer(ref, audio_key=key)
    service.end_session(ref)
    removed = service.delete_session(ref)
    assert removed == {"items_deleted": 3, "audio_objects_deleted": 1}
    assert not audio_store.exists(key)
    with pytest.raises(errors.NotFound):
        service.get_session(ref)


def test_expiry_active_then_history(aws_tables, monkeypatch):
    monkeypatch.setenv("SESSION_TTL", "600")
    from practice_shared.config import get_settings

    get_settings.cache_clear()
    ref = create(num_questions=1)
    meta = table().get_item(Key={"pk": f"SESSION#{ref.session_id}", "sk": "META"})["Item"]
    created_expiry = int(meta["expires_at"])
    service.start_session(ref)
    answer(ref, client_answer_id="retry-safe-id")
    service.end_session(ref)
    items = table().query(
        KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": f"SESSION#{ref.session_id}"}
    )["Items"]
    expiries = {i["sk"].split("#")[0]: int(i["expires_at"]) for i in items}
    assert set(expiries) == {"META", "ANSWER", "ANSWERID", "REPORT"}
    # The session, its answers and its report become history; the answer-id marker, which only matters while
    # answers can still be submitted, keeps the active session's expiry.
    assert expiries["META"] == expiries["ANSWER"] == expiries["REPORT"] > created_expiry + 300 * 86_400
    assert expiries["ANSWERID"] <= created_expiry + 600
    get_settings.cache_clear()


def test_a_thirty_question_session_stays_far_below_the_item_limit(aws_tables):
    long_text = "x" * 20_000
    ref = create(num_questions=30, interview_type="mixed", job_description=long_text, resume_text=long_text)
    service.start_session(ref)
    long_answer = (STRONG + " ") * 20
    for _ in range(30):
        answer(ref, long_answer[:10_000])
        service.next_question(ref)
    items = table().query(
        KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": f"SESSION#{ref.session_id}"}
    )
    largest = max(len(json.dumps(item, default=str)) for item in items["Items"])
    assert largest < 150_000  # DynamoDB's limit is 400 KB per item


def test_recent_questions_are_avoided(aws_tables):
    first = store.get(create(num_questions=5).session_id, USER)
    second = store.get(create(num_questions=5).session_id, USER)
    assert not {p.question.id for p in first.plan} & {p.question.id for p in second.plan}


def test_sessions_are_listed_newest_first_with_scores(aws_tables):
    older = create(num_questions=1)
    service.start_session(older)
    answer(older)
    service.end_session(older)
    newer = create(num_questions=1)
    listed = service.list_sessions(USER)
    assert [s["session_id"] for s in listed] == [newer.session_id, older.session_id]
    assert listed[1]["overall"] is not None and listed[1]["state"] == "completed"


def test_custom_questions_are_used_verbatim(aws_tables):
    ref = create(custom_questions=["Why do you want to work on our payments team?", "Tell me about a time you failed."])
    view = service.start_session(ref)
    assert view.question.text == "Why do you want to work on our payments team?"
    assert view.question.reason == "Your own question"


def test_a_retried_answer_is_recorded_once(aws_tables):
    ref = create(num_questions=2)
    service.start_session(ref)
    first = answer(ref, client_answer_id="retry-0001")
    again = answer(ref, client_answer_id="retry-0001")
    assert again.answer == first.answer and again.evaluation == first.evaluation
    assert len(store.load(ref.session_id, USER).answers) == 1
    assert store.get(ref.session_id, USER).answers_count == 1


@pytest.mark.parametrize("mode", ["evaluate", "collect"])
def test_an_answer_id_used_again_for_a_different_answer_is_refused(aws_tables, mode):
    ref = create(num_questions=2, mode=mode)
    service.start_session(ref)
    answer(ref, client_answer_id="reused-0001")
    with pytest.raises(errors.Unprocessable) as reused:
        answer(ref, "Something else entirely.", client_answer_id="reused-0001")
    assert reused.value.code == "id_reused"
    assert len(store.load(ref.session_id, USER).answers) == 1


def test_a_retry_while_the_first_attempt_is_evaluating_is_told_to_wait(aws_tables, monkeypatch):
    ref = create(num_questions=2)
    service.start_session(ref)
    evaluate_now, retries = service._evaluate_now, []

    def evaluate_while_the_client_retries(*args):
        with pytest.raises(errors.Conflict) as busy:
            answer(ref, client_answer_id="slow-0001")
        retries.append(busy.value.code)
        return evaluate_now(*args)

    monkeypatch.setattr(service, "_evaluate_now", evaluate_while_the_client_retries)
    first = answer(ref, client_answer_id="slow-0001")
    assert retries == ["in_progress"] and first.evaluation is not None
    monkeypatch.undo()
    assert answer(ref, client_answer_id="slow-0001").answer == first.answer  # once finished, a replay
    assert store.get(ref.session_id, USER).answers_count == 1


def test_a_failed_evaluation_frees_the_answer_id_for_the_retry(aws_tables, monkeypatch):
    ref = create(num_questions=2)
    service.start_session(ref)

    def fail(*args):
        raise errors.DownstreamUnavailable("The evaluator is unavailable.")

    monkeypatch.setattr(service, "_evaluate_now", fail)
    with pytest.raises(errors.DownstreamUnavailable):
        answer(ref, client_answer_id="failed-0001")
    assert len(store.load(ref.session_id, USER).answers) == 1  # the answer as received is kept
    monkeypatch.undo()
    retried = answer(ref, client_answer_id="failed-0001")
    assert retried.evaluation is not None
    stored = store.load(ref.session_id, USER)
    assert [a.answer_id for a in stored.answers] == ["failed-0001"] and stored.answers[0].evaluation is not None
    assert stored.record.answers_count == 1


class CutOff(BaseException):
    """The function's timeout ending an invocation: no handler of the function's own runs."""


def test_an_attempt_cut_off_mid_evaluation_is_run_afresh_once_its_claim_lapses(aws_tables, monkeypatch):
    ref = create(num_questions=2)
    service.start_session(ref)

    def cut_off(*args):
        raise CutOff

    monkeypatch.setattr(service, "_evaluate_now", cut_off)
    with pytest.raises(CutOff):
        answer(ref, client_answer_id="cutoff-0001")
    monkeypatch.undo()
    with pytest.raises(errors.Conflict) as busy:  # it might still be running
        answer(ref, client_answer_id="cutoff-0001")
    assert busy.value.code == "in_progress"
    monkeypatch.setattr(service, "CLAIM_SECONDS", -1)  # now it cannot be
    retried = answer(ref, client_answer_id="cutoff-0001")
    assert retried.evaluation is not None
    stored = store.load(ref.session_id, USER)
    assert len(stored.answers) == 1 and stored.answers[0].evaluation is not None
    assert stored.record.answers_count == 1


def test_a_claim_is_released_only_by_the_attempt_that_saw_it(aws_tables):
    ref = create(num_questions=2)
    service.start_session(ref)
    first = answer(ref, client_answer_id="claimed-0001").answer
    claim = store.get_claim(ref.session_id, "claimed-0001")
    assert claim.claimed_at == first.created_at and claim.answer == first
    assert not store.release_claim(ref.session_id, "claimed-0001", "2020-01-01T00:00:00.000Z")
    assert store.get_claim(ref.session_id, "claimed-0001") == claim
    assert store.release_claim(ref.session_id, "claimed-0001", claim.claimed_at)
    assert store.get_claim(ref.session_id, "claimed-0001") is None


def test_the_table_is_built_once_per_aws_resource(aws_tables):
    from practice_shared import aws

    first = table()
    assert table() is first
    aws.resource.cache_clear()  # what the tests do between AWS mocks: the next table must use the new client
    assert table() is not first and table().meta.client is aws.resource("dynamodb").meta.client


def test_an_answer_is_stored_only_together_with_the_session_update_that_counts_it(aws_tables, monkeypatch):
    ref = create(num_questions=2, mode="collect")
    service.start_session(ref)
    read = store.get

    def read_then_someone_else_writes(session_id: str, user_id: str):
        record = read(session_id, user_id)
        store.save(record, int(time.time()) + 600)  # another request wins the race every time
        return record

    monkeypatch.setattr(store, "get", read_then_someone_else_writes)
    with pytest.raises(errors.Conflict) as busy:
        answer(ref, client_answer_id="never-half-stored")
    assert busy.value.code == "busy"
    monkeypatch.undo()
    stored = store.load(ref.session_id, USER)
    assert stored.answers == [] and stored.record.answers_count == 0
    assert store.get_claim(ref.session_id, "never-half-stored") is None
    assert answer(ref, client_answer_id="never-half-stored").answer.answer_id == "never-half-stored"
    assert store.get(ref.session_id, USER).answers_count == 1


def _sessions_used_today() -> float:
    from datetime import UTC, datetime

    key = {"pk": f"QUOTA#{USER}#{datetime.now(UTC):%Y-%m-%d}", "sk": "sessions"}
    return float(table().get_item(Key=key, ConsistentRead=True).get("Item", {}).get("used", 0))


def test_creating_a_session_consumes_the_daily_quota_in_the_same_write(aws_tables, monkeypatch):
    monkeypatch.setenv("MAX_SESSIONS_PER_DAY", "2")
    from practice_shared.config import get_settings

    get_settings.cache_clear()
    create(num_questions=1)
    create(num_questions=1)
    assert _sessions_used_today() == 2
    with pytest.raises(errors.TooManyRequests) as refused:
        create(num_questions=1)
    assert refused.value.details["quota"] == "sessions" and refused.value.details["retry_after"] > 0
    assert len(service.list_sessions(USER)) == 2 and _sessions_used_today() == 2  # refused: nothing written
    get_settings.cache_clear()


def test_a_session_that_cannot_be_written_consumes_no_quota(aws_tables, monkeypatch):
    monkeypatch.setattr(store, "_meta_item", lambda record, expires_at: {"pk": "SESSION#taken", "sk": "META"})
    table().put_item(Item={"pk": "SESSION#taken", "sk": "META"})
    with pytest.raises(store.Cancelled) as cancelled:
        create(num_questions=1)
    assert cancelled.value.reasons == ["ConditionalCheckFailed", None]
    assert _sessions_used_today() == 0


def test_a_transaction_conflict_on_the_quota_counter_is_retried(aws_tables, monkeypatch):
    from practice_shared.store import quotas

    real = quotas.transact_write
    calls = []

    def conflict_once(writes):  # DynamoDB cancels concurrent transactions on one item; moto never does
        calls.append(writes)
        if len(calls) == 1:
            raise store.Cancelled([None, "TransactionConflict"])
        real(writes)

    monkeypatch.setattr(quotas, "transact_write", conflict_once)
    ref = create(num_questions=1)
    assert len(calls) == 2 and store.get(ref.session_id, USER).state == "created" and _sessions_used_today() == 1


def test_moving_on_from_a_question_happens_once_however_many_ask(aws_tables):
    # Two jobs that both saw the answer to question 1 recorded each ask to move on from it: the session moves once.
    ref = create(num_questions=3)
    service.start_session(ref)
    answer(ref)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(service.next_question(ref, from_index=0))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.question.index for r in results] == [1, 1, 1]
    assert store.get(ref.session_id, USER).current_index == 1
    assert service.next_question(ref).question.index == 2  # without from_index: moves on, as POST /next-question


def test_after_its_follow_up_a_question_takes_no_more_answers_until_asked_again(aws_tables):
    ref = create(num_questions=2, interview_type="behavioral", max_follow_ups=1)
    service.start_session(ref)
    vague = "We worked on it as a team and it went well in the end."
    assert answer(ref, vague).next_action == "answer_follow_up"
    assert answer(ref, vague).follow_up is None  # the follow-up's answer: the limit of one is reached
    with pytest.raises(errors.Conflict, match="already been answered"):
        answer(ref, vague)  # the planned question answered once more, without asking it again
    assert store.get(ref.session_id, USER).follow_ups_asked == 1


def test_a_question_asked_again_is_a_new_attempt_and_the_report_scores_the_latest(aws_tables):
    ref = create(  # questions of its own, so that no draw from the bank decides what the answers score
        num_questions=2,
        interview_type="behavioral",
        max_follow_ups=1,
        custom_questions=[
            "Tell me about a time you fixed a problem that was hurting your customers.",
            "Tell me about a time you disagreed with your manager.",
        ],
    )
    service.start_session(ref)
    vague = "We worked on it as a team and it went well in the end."
    first = answer(ref, vague)
    assert first.answer.attempt == 1 and first.next_action == "answer_follow_up"
    answer(ref, "It was fine, we shipped it.")  # the follow-up of the first attempt
    assert service.next_question(ref, from_index=0).question.index == 1  # the interview moved on

    again = service.repeat_question(ref, 0)
    assert again.question.index == 0 and again.question.attempt == 2 and not again.question.is_follow_up
    assert service.repeat_question(ref, 0).question.attempt == 2  # asked again before answering: the same attempt
    second = answer(ref)
    assert second.answer.attempt == 2 and second.answer.follow_up_index == 0
    # The job that moves on after the first attempt's answer, arriving late, moves nothing.
    assert service.next_question(ref, from_index=0, from_attempt=1).question.index == 0
    assert service.next_question(ref, from_index=0, from_attempt=2).question.attempt == 1

    report = service.end_session(ref)
    row = report.questions[0]
    assert row.answer == STRONG and row.attempts == 2
    # The first attempt's follow-up does not mix with the second attempt: only one the second attempt was asked.
    assert [f.question for f in row.follow_up_answers] == ([second.follow_up.text] if second.follow_up else [])
    assert all(f.answer is None for f in row.follow_up_answers)
    assert len(row.earlier_overall) == 1 and row.earlier_overall[0] < row.overall
    assert any(s.startswith("You improved on your first attempt") and "(question 1)" in s for s in report.strengths)
    assert report.questions[1].attempts == 0 and report.answered == 1


def test_only_the_current_question_or_the_one_just_left_can_be_asked_again(aws_tables):
    ref = create(num_questions=3)
    service.start_session(ref)
    answer(ref)
    service.next_question(ref)
    service.next_question(ref)
    with pytest.raises(errors.Conflict, match="Only the current question"):
        service.repeat_question(ref, 0)
    with pytest.raises(errors.Conflict, match="Only the current question"):
        service.repeat_question(ref, 5)
    assert service.repeat_question(ref, 1).question.attempt == 1  # skipped, never answered: still its first attempt
    service.end_session(ref)
    with pytest.raises(errors.Conflict, match="has ended"):
        service.repeat_question(ref, 1)


def test_a_retried_answer_gets_its_result_after_the_interview_moved_past_it_or_ended(aws_tables):
    ref = create(num_questions=1, mode="evaluate", max_follow_ups=0)
    service.start_session(ref)
    first = answer(ref, client_answer_id="last-00001")
    assert service.next_question(ref).done  # past the last question
    assert answer(ref, client_answer_id="last-00001").answer == first.answer
    with pytest.raises(errors.Unprocessable):  # the same id with another answer is still refused as such
        answer(ref, "Something else entirely, said the second time.", client_answer_id="last-00001")
    service.end_session(ref)
    again = answer(ref, client_answer_id="last-00001")
    assert again.answer.answer_id == first.answer.answer_id and again.evaluation == first.evaluation
    with pytest.raises(errors.Conflict, match="has ended"):
        answer(ref, client_answer_id="new-000001")
    assert len(store.load(ref.session_id, USER).answers) == 1
