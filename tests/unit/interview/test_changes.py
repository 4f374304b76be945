"""The table's changes (its stream), handled by the interview function: usage statistics and the early evaluation
of collect-mode answers. Real stream records from moto's DynamoDB, in Lambda's event shape."""

from datetime import UTC, datetime

import boto3
import pytest
from test_service import STRONG, answer, create

from interview import handler, service
from local_stack.event_filters import matches_any
from local_stack.event_sources import lambda_record
from local_stack.inprocess import context
from local_stack.template import Template
from practice_shared.models.api import SessionRef
from practice_shared.store import sessions as store
from practice_shared.store import stats
from practice_shared.store.dynamo import table


class Stream:
    """moto's stream of the table, read from where the previous read stopped."""

    def __init__(self) -> None:
        # botocore now addresses <account>.streams-ddb.<region>, which moto's in-process mock does not recognise
        self.client = boto3.client(
            "dynamodbstreams", region_name="us-east-1", endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com"
        )
        self.arn = table().latest_stream_arn
        shard = self.client.describe_stream(StreamArn=self.arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.iterator = self.client.get_shard_iterator(
            StreamArn=self.arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def records(self) -> list[dict]:
        """The changes since the last call, as Lambda would deliver them."""
        response = self.client.get_records(ShardIterator=self.iterator)
        self.iterator = response["NextShardIterator"]
        return [lambda_record(record, self.arn) for record in response["Records"]]


def handle(records: list[dict]) -> dict:
    return handler.lambda_handler({"Records": records}, context("interview"))


def today() -> dict:
    return stats.daily(1)[-1]


def run_interview(mode: str) -> float | None:
    ref = create(num_questions=2, mode=mode)
    service.start_session(ref)
    answer(ref, STRONG)
    service.next_question(ref)
    answer(ref, "I would look at the logs first.")
    return service.end_session(ref).overall


def test_sessions_answers_and_completions_are_counted_from_the_stream(aws_tables):
    stream = Stream()
    scores = [run_interview("evaluate"), run_interview("collect")]
    create(num_questions=1)  # created, never completed
    records = stream.records()
    filters = Template.load().stack_spec().functions["InterviewFunction"].stream_sources[0].filters
    passed = [r for r in records if matches_any(filters, r)]
    assert 0 < len(passed) < len(records)  # the template's filters drop what does not count (markers, quota...)

    result = handle(passed)

    assert result["records"] == len(passed)
    totals = today()
    assert totals["date"] == datetime.now(UTC).date().isoformat()
    assert totals["sessions_created"] == 3 and totals["sessions_completed"] == 2
    assert totals["answers"] == 4  # evaluate mode rewrites its answers: only their first write counts
    assert totals["score_total"] == round(sum(s for s in scores if s is not None), 3)
    assert totals["scored_sessions"] == sum(1 for s in scores if s is not None)


def test_the_counts_do_not_depend_on_the_filters(aws_tables):
    stream = Stream()
    ref = create(num_questions=1)
    service.start_session(ref)
    answer(ref, STRONG)
    service.end_session(ref)
    service.end_session(ref)  # ending again changes nothing that counts
    handle(stream.records())
    totals = today()
    assert (totals["sessions_created"], totals["answers"], totals["sessions_completed"]) == (1, 1, 1)


def test_an_empty_day_reads_as_zeros(aws_tables):
    assert today()["sessions_created"] == 0 and today()["answers"] == 0


@pytest.fixture
def early_evaluation(monkeypatch):
    """Early evaluation on, with the offline engine (by default it is on with Bedrock only)."""
    from practice_shared.config import get_settings

    monkeypatch.setenv("EARLY_EVALUATION", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_early_evaluation_is_on_with_bedrock_unless_set(monkeypatch):
    from practice_shared.config import Settings, evaluates_early

    monkeypatch.delenv("EARLY_EVALUATION", raising=False)
    assert evaluates_early(Settings(llm_engine="bedrock")) and not evaluates_early(Settings(llm_engine="offline"))
    assert evaluates_early(Settings(llm_engine="offline", early_evaluation=True))
    assert not evaluates_early(Settings(llm_engine="bedrock", early_evaluation=False))


def test_collected_answers_wait_for_the_end_when_early_evaluation_is_off(aws_tables):
    ref, inserted = one_collected_answer()
    assert handle(inserted)["evaluated"] == 0
    assert service.get_session(ref).answers[0].evaluation is None


def test_collected_answers_are_evaluated_as_they_arrive_and_the_end_only_builds_the_report(
    aws_tables, early_evaluation, monkeypatch
):
    stream = Stream()
    ref = create(num_questions=2, mode="collect")
    service.start_session(ref)
    answer(ref, STRONG)
    service.next_question(ref)
    answer(ref, "I would look at the logs first.")
    stored = service.get_session(ref).answers
    assert [a.evaluation for a in stored] == [None, None]

    result = handle(stream.records())

    assert result["evaluated"] == 2
    early = {a.answer_id: a for a in service.get_session(ref).answers}
    assert all(a.evaluation is not None and a.feedback is not None for a in early.values())
    monkeypatch.setattr(service, "evaluate_answer", lambda *a, **k: (_ for _ in ()).throw(AssertionError("again")))
    report = service.end_session(ref)  # evaluates nothing again
    assert [q.overall for q in report.questions] == [a.evaluation.overall for a in early.values()]
    handle(stream.records())  # the end's own writes: nothing left to evaluate


def one_collected_answer() -> tuple[SessionRef, list[dict]]:
    """A one-question collect-mode session with its answer stored, and the stream's records of all that."""
    stream = Stream()
    ref = create(num_questions=1, mode="collect")
    service.start_session(ref)
    answer(ref, STRONG)
    return ref, stream.records()


def test_an_answer_the_end_already_evaluated_is_not_replaced(aws_tables, early_evaluation):
    ref, inserted = one_collected_answer()
    report = service.end_session(ref)  # the interview ends before the stream is handled
    ended = service.get_session(ref).answers[0]

    result = handle(inserted)

    assert result["evaluated"] == 0
    assert service.get_session(ref).answers[0] == ended and report.questions[0].overall == ended.evaluation.overall


def test_an_evaluation_stored_meanwhile_is_not_replaced(aws_tables, early_evaluation):
    ref, inserted = one_collected_answer()
    evaluated = service.evaluate_all(ref).answers[0]  # the candidate asked for their evaluations meanwhile

    assert handle(inserted)["evaluated"] == 0  # the stored item changed since the stream showed it
    assert service.get_session(ref).answers[0] == evaluated


def test_evaluate_mode_answers_are_left_alone(aws_tables, early_evaluation, monkeypatch):
    stream = Stream()
    run_interview("evaluate")
    calls = []
    monkeypatch.setattr(service, "evaluate_answer", lambda *a, **k: calls.append(a))
    assert handle(stream.records())["evaluated"] == 0 and calls == []
    assert store.get_for_processing("no-such-session") is None


def test_with_bedrock_answers_are_evaluated_early_by_default_and_the_end_calls_it_no_more(aws_tables, monkeypatch):
    # Bedrock cannot be reached from here: botocore's Stubber answers the Converse call (see test_llm.py).
    from botocore.stub import Stubber
    from test_llm import EXPECTED_PARAMS, _reply, _response

    from interview.engine import llm
    from practice_shared.aws import client
    from practice_shared.config import get_settings

    monkeypatch.delenv("EARLY_EVALUATION", raising=False)
    monkeypatch.setenv("LLM_ENGINE", "bedrock")
    monkeypatch.setenv("BEDROCK_MODEL_ID", "test-model")
    get_settings.cache_clear()
    ref, inserted = one_collected_answer()
    planned = store.get(ref.session_id, ref.user_id).plan[0].question
    scores = {criterion: 7 for criterion in llm.WEIGHTS[planned.type]}
    with Stubber(client("bedrock-runtime")) as bedrock:
        bedrock.add_response("converse", _response(_reply(planned, scores)), EXPECTED_PARAMS)
        assert handle(inserted)["evaluated"] == 1
        bedrock.assert_no_pending_responses()
        report = service.end_session(ref)  # a Converse call now would find no response and fall back offline
    stored = service.get_session(ref).answers[0]
    assert stored.evaluation is not None and stored.evaluation.engine == "bedrock"
    assert report.questions[0].overall == stored.evaluation.overall
    get_settings.cache_clear()
