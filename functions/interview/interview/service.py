"""Session lifecycle: the state machine (created -> active -> completed) over the store and the engine.

Nothing is kept in memory between invocations: every action reads the session from DynamoDB and writes it back
with optimistic locking, retrying when another invocation changed it in between. Answers are stored as their own
items *before* anything else happens to them, so an accepted answer is never lost.
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from interview.engine import bank as question_bank
from interview.engine.feedback import feedback as make_feedback
from interview.engine.followup import follow_up as make_follow_up
from interview.engine.llm import evaluate as evaluate_answer
from interview.engine.own_questions import own_questions
from interview.engine.report import build_report
from interview.engine.selection import select_questions
from interview.resume import pdf_text
from practice_shared import errors
from practice_shared.config import get_settings
from practice_shared.models.api import (
    AnswerResult,
    CreateSessionRequest,
    EvaluateAllResult,
    NextQuestion,
    QuestionView,
    SessionInfo,
    SessionRef,
    SessionView,
    SubmitAnswerPayload,
)
from practice_shared.models.interview import FollowUp, Report
from practice_shared.models.session import AnswerRecord, PlannedQuestion, SessionConfig, SessionRecord
from practice_shared.observability import MetricUnit, logger, metrics, tracer
from practice_shared.store import audio as audio_store
from practice_shared.store import quotas
from practice_shared.store import sessions as store
from practice_shared.timeutil import epoch_in, now_iso

SAVE_ATTEMPTS = 5
# An attempt that claimed an answer id and has not stored its result after this long was cut off (it is twice the
# interview function's timeout in template.yaml): a retry may then release the claim and run afresh.
CLAIM_SECONDS = 120


def _active_expiry() -> int:
    return epoch_in(get_settings().session_ttl)


def _history_expiry() -> int:
    return epoch_in(get_settings().history_retention_days * 86_400)


def _update(
    ref: SessionRef,
    change: Callable[[SessionRecord], SessionRecord],
    expires_at: int,
    read: SessionRecord | None = None,
    save: Callable[[SessionRecord, int], SessionRecord] = store.save,
) -> SessionRecord:
    """Apply ``change`` to the latest stored session, retrying when a concurrent writer wins the race.

    ``read``: the session as this request already read it, tried first (saving one read when nobody else wrote).
    ``save``: how the changed session is written (with optimistic locking).
    """
    current = read
    for _ in range(SAVE_ATTEMPTS):
        current = current or store.get(ref.session_id, ref.user_id)
        try:
            return save(change(current), expires_at)
        except store.ConditionFailed:
            logger.info("Session changed concurrently; retrying", extra={"session_id": ref.session_id})
            current = None
    raise _busy()


def _busy() -> errors.Conflict:
    return errors.Conflict("The session is being changed by another request; please try again.", code="busy")


def _require(record: SessionRecord, *states: str, action: str) -> None:
    if record.state not in states:
        raise _refusal(record.state, action)


def _refusal(state: str, action: str) -> errors.Conflict:
    """Why ``action`` cannot be done to a session in ``state``."""
    hints = {
        "created": "Start the interview first.",
        "active": "The interview is still in progress.",
        "completed": "The interview has ended.",
    }
    return errors.Conflict(f"Cannot {action}: {hints[state]}", code="invalid_transition")


def question_view(record: SessionRecord) -> QuestionView | None:
    """The question the candidate should answer now: a pending follow-up, or the current planned question."""
    if record.state != "active" or record.current_index >= len(record.plan):
        return None
    planned = record.plan[record.current_index]
    if record.pending_follow_up:
        return QuestionView(
            index=planned.index,
            total=len(record.plan),
            text=record.pending_follow_up.text,
            type=planned.question.type,
            reason=record.pending_follow_up.reason,
            is_follow_up=True,
            attempt=record.attempt,
        )
    return QuestionView(
        index=planned.index,
        total=len(record.plan),
        text=planned.question.text,
        type=planned.question.type,
        reason=planned.reason,
        attempt=record.attempt,
    )


def _plan(config: SessionConfig, avoid: set[str], seed: str) -> list[PlannedQuestion]:
    bank = question_bank.load_bank()
    if config.custom_questions:
        selected = own_questions(config.custom_questions, bank)
    else:
        selected = select_questions(bank, config, avoid, seed=seed)
    return [PlannedQuestion(index=i, question=s.question, reason=s.reason) for i, s in enumerate(selected)]


@tracer.capture_method
def create_session(user_id: str, request: CreateSessionRequest) -> SessionView:
    """Create a session with its question plan (tailored to the job description and resume), consuming one of the
    user's sessions of the day in the same write (429 when none is left)."""
    config = SessionConfig.model_validate(request.model_dump(exclude={"resume_pdf_base64"}))
    if request.resume_pdf_base64:
        config = config.model_copy(update={"resume_text": pdf_text(request.resume_pdf_base64)})
    session_id = uuid.uuid4().hex
    plan = _plan(config, store.recent_question_ids(user_id), seed=session_id)
    if not plan:
        raise errors.Unprocessable("No questions match this role, level and interview type.")
    now = now_iso()
    record = SessionRecord(
        session_id=session_id,
        user_id=user_id,
        state="created",
        config=config,
        plan=plan,
        created_at=now,
        updated_at=now,
    )
    limit = get_settings().max_sessions_per_day
    quotas.consume_with(store.creation(record, _active_expiry()), user_id, "sessions", 1, limit, "new sessions")
    metrics.add_metric(name="SessionsCreated", unit=MetricUnit.Count, value=1)
    logger.info("Session created", extra={"session_id": session_id, "questions": len(plan)})
    return SessionView(session=SessionInfo.of(record))


def start_session(ref: SessionRef) -> SessionView:
    """created -> active; returns the first question."""

    def start(record: SessionRecord) -> SessionRecord:
        _require(record, "created", action="start the interview")
        return record.model_copy(update={"state": "active", "updated_at": now_iso()})

    record = _update(ref, start, _active_expiry())
    return SessionView(session=SessionInfo.of(record), question=question_view(record))


def get_session(ref: SessionRef) -> SessionView:
    """The session with its answers and the question to answer now."""
    record, answers, _ = store.load(ref.session_id, ref.user_id)
    return SessionView(session=SessionInfo.of(record), question=question_view(record), answers=answers)


@tracer.capture_method
def submit_answer(payload: SubmitAnswerPayload) -> AnswerResult:
    """Record an answer to the current question (or its pending follow-up); in evaluate mode, score it now.

    A ``client_answer_id`` is claimed by a marker written with the answer, so a retried request (REST or WebSocket)
    records nothing twice: it gets the first result, 409 ``in_progress`` while that is still being produced, or 422
    ``id_reused`` when the id comes with a different answer.

    Collect mode writes the answer, its id's claim and the session's next version in one transaction. Evaluate mode
    first stores the answer with its claim (so that a failing evaluation loses nothing), then the answer with its
    evaluation and the session's next version; should that fail, the claim is released so that a retry runs afresh.
    """
    ref = SessionRef(user_id=payload.user_id, session_id=payload.session_id)
    record = store.get(ref.session_id, ref.user_id)
    try:
        _require_answerable(record)
    except errors.Conflict:
        # A retry of an answer recorded before the interview moved past it or ended gets its result all the same.
        if payload.client_answer_id and store.get_claim(record.session_id, payload.client_answer_id):
            return _retried(record, payload, payload.client_answer_id)
        raise

    planned = record.plan[record.current_index]
    follow_up = record.pending_follow_up
    answer = AnswerRecord(
        answer_id=payload.client_answer_id or uuid.uuid4().hex,
        question_index=planned.index,
        follow_up_index=record.follow_ups_asked if follow_up else 0,
        attempt=record.attempt,
        question_text=follow_up.text if follow_up else planned.question.text,
        text=payload.text,
        source=payload.source,
        audio_key=payload.audio_key,
        transcription_confidence=payload.transcription_confidence,
        language_warning=payload.language_warning,
        delivery=payload.delivery,
        created_at=now_iso(),
    )
    claim_id = payload.client_answer_id is not None
    try:
        if record.config.mode == "evaluate":
            return _evaluate_and_record(record, planned, payload, answer, claim_id)
        return _record(record, planned, payload, answer, claim_id)
    except store.AnswerIdTaken:
        return _retried(record, payload, answer.answer_id)


def _record(
    record: SessionRecord, planned: PlannedQuestion, payload: SubmitAnswerPayload, answer: AnswerRecord, claim_id: bool
) -> AnswerResult:
    """Collect mode: the answer, its id's claim and the session's next version in one transaction."""

    def save(session: SessionRecord, expires_at: int) -> SessionRecord:
        return store.save_with_answer(session, answer, expires_at, claim_id=claim_id)

    try:
        saved = _update(_ref(record), _counting(planned, answer, None), _active_expiry(), read=record, save=save)
    except _NotCounted as exc:
        raise exc.refusal from None
    _answer_recorded(record, planned, payload)
    return _result(saved, answer, None)


def _evaluate_and_record(
    record: SessionRecord, planned: PlannedQuestion, payload: SubmitAnswerPayload, answer: AnswerRecord, claim_id: bool
) -> AnswerResult:
    """Evaluate mode: store the answer as received, evaluate it, then store it evaluated with the session's next
    version (releasing the answer id's claim if that fails)."""
    store.store_answer(record.session_id, answer, _active_expiry(), claim_id=claim_id)
    _answer_recorded(record, planned, payload)
    try:
        evaluated, follow_up = _evaluate_now(record, planned, answer)

        def save(session: SessionRecord, expires_at: int) -> SessionRecord:
            return store.save_with_answer(session, evaluated, expires_at)

        saved = _update(
            _ref(record), _counting(planned, evaluated, follow_up), _active_expiry(), read=record, save=save
        )
    except _NotCounted as exc:
        return _not_counted(record, answer, exc.refusal)
    except Exception:
        if claim_id:
            _release_claim(record.session_id, answer)
        raise
    return _result(saved, evaluated, follow_up)


def _not_counted(record: SessionRecord, answer: AnswerRecord, refusal: errors.Conflict) -> AnswerResult:
    """The session changed while ``answer``, already stored, was being evaluated, so that it cannot count: the
    interview ended, or another answer to the question was counted. If the end read it, the report has it and it is
    stored evaluated: its result is given. Otherwise it is removed and refused, as it would have been had it come
    later (the report must not miss an answer the session keeps)."""
    stored = next(
        (a for a in store.load(record.session_id, record.user_id).answers if a.answer_id == answer.answer_id), None
    )
    if stored is not None and stored.evaluation is not None:
        return AnswerResult(
            answer=stored, evaluation=stored.evaluation, feedback=stored.feedback, follow_up=None, next_action="end"
        )
    store.delete_answer(record.session_id, answer)
    raise refusal


def _ref(record: SessionRecord) -> SessionRef:
    return SessionRef(user_id=record.user_id, session_id=record.session_id)


class _NotCounted(Exception):
    """Between reading the session and counting an answer to it, the session changed so that the answer cannot
    count (``refusal`` says why)."""

    def __init__(self, refusal: errors.Conflict):
        super().__init__(refusal.message)
        self.refusal = refusal


def _answered() -> errors.Conflict:
    return errors.Conflict(
        "This question has already been answered: ask it again to give another answer, or go on to the next one.",
        code="invalid_transition",
    )


def _require_answerable(record: SessionRecord) -> None:
    """409 unless the session takes an answer now: in progress, a question left, not already answered."""
    _require(record, "active", action="submit an answer")
    if record.current_index >= len(record.plan):
        raise errors.Conflict("Every question has been answered; end the interview.", code="invalid_transition")
    if record.pending_follow_up is None and record.answered_attempt == record.attempt:
        raise _answered()


def _counting(
    planned: PlannedQuestion, answer: AnswerRecord, follow_up: FollowUp | None
) -> Callable[[SessionRecord], SessionRecord]:
    """The session change that counts ``answer`` to ``planned`` (and asks ``follow_up`` next, if any)."""

    def count(current: SessionRecord) -> SessionRecord:
        if current.state != "active":
            raise _NotCounted(_refusal(current.state, "submit an answer"))
        update: dict = {"answers_count": current.answers_count + 1, "updated_at": now_iso()}
        main = answer.follow_up_index == 0
        if main and planned.index not in current.answered_questions:
            update["answered_questions"] = [*current.answered_questions, planned.index]
        if current.current_index == planned.index:
            # Another answer to the question (or to the follow-up this answers) was counted meanwhile.
            if main and current.answered_attempt == current.attempt:
                raise _NotCounted(_answered())
            if not main and (current.pending_follow_up is None or current.follow_ups_asked != answer.follow_up_index):
                raise _NotCounted(_answered())
            if main:
                update["answered_attempt"] = current.attempt
            update["pending_follow_up"] = follow_up
            update["follow_ups_asked"] = (current.follow_ups_asked + 1) if follow_up else current.follow_ups_asked
        return current.model_copy(update=update)

    return count


def _result(saved: SessionRecord, answer: AnswerRecord, follow_up: FollowUp | None) -> AnswerResult:
    last = saved.current_index >= len(saved.plan) - 1
    return AnswerResult(
        answer=answer,
        evaluation=answer.evaluation,
        feedback=answer.feedback,
        follow_up=question_view(saved) if follow_up else None,
        next_action="answer_follow_up" if follow_up else ("end" if last else "next_question"),
    )


def _evaluate_now(
    record: SessionRecord, planned: PlannedQuestion, answer: AnswerRecord
) -> tuple[AnswerRecord, FollowUp | None]:
    """Evaluate ``answer`` (evaluate mode) and decide whether to ask a follow-up question."""
    answer = _evaluate(record, planned, answer)
    follow_up = make_follow_up(
        planned.question,
        answer.text,
        answer.evaluation,
        asked=record.follow_ups_asked,  # for this question (reset on moving on), a re-answer included
        max_follow_ups=record.config.max_follow_ups,
    )
    return answer.model_copy(update={"follow_up": follow_up}), follow_up


def _answer_recorded(record: SessionRecord, planned: PlannedQuestion, payload: SubmitAnswerPayload) -> None:
    """Count the answer (metric) and log it."""
    metrics.add_metric(name="AnswersSubmitted", unit=MetricUnit.Count, value=1)
    logger.info(
        "Answer recorded",
        extra={"session_id": record.session_id, "question_index": planned.index, "source": payload.source},
    )


def _release_claim(session_id: str, answer: AnswerRecord) -> None:
    """Free a failed attempt's answer id for its retry; if that fails too, the claim lapses (:data:`CLAIM_SECONDS`)."""
    try:
        store.release_claim(session_id, answer.answer_id, answer.created_at)
    except errors.AppError:
        logger.warning("Could not release the answer id", extra={"answer_id": answer.answer_id})


def _retried(record: SessionRecord, payload: SubmitAnswerPayload, answer_id: str) -> AnswerResult:
    """The response to an answer whose id is already claimed: the first result, or why there is none to give."""
    claim = store.get_claim(record.session_id, answer_id)
    first = claim.answer if claim else None
    if first is not None and not _same_answer(first, payload):
        raise errors.Unprocessable("This answer id was already used for a different answer.", code="id_reused")
    if claim is None or first is None or (record.config.mode == "evaluate" and first.evaluation is None):
        if claim and _abandoned(claim) and store.release_claim(record.session_id, answer_id, claim.claimed_at):
            logger.info("Running an abandoned answer afresh", extra={"answer_id": answer_id})
            return submit_answer(payload)
        raise errors.Conflict("This answer is still being processed; try again in a moment.", code="in_progress")
    return _result(record, first, first.follow_up if record.pending_follow_up is not None else None)


def _same_answer(first: AnswerRecord, payload: SubmitAnswerPayload) -> bool:
    """Whether a retry carries the answer first recorded: the same text, or for a spoken one the same recording."""
    if first.source != payload.source:
        return False
    return first.text == payload.text or (payload.audio_key is not None and first.audio_key == payload.audio_key)


def _abandoned(claim: store.AnswerClaim) -> bool:
    """Whether the attempt holding ``claim`` can no longer be running (it began over CLAIM_SECONDS ago)."""
    return (datetime.now(UTC) - datetime.fromisoformat(claim.claimed_at)).total_seconds() > CLAIM_SECONDS


def _evaluate(record: SessionRecord, planned: PlannedQuestion, answer: AnswerRecord) -> AnswerRecord:
    """Score ``answer`` against the rubric of the planned question it answered (an X-Ray subsegment: evaluate)."""
    with tracer.provider.in_subsegment("## evaluate") as subsegment:
        subsegment.put_annotation(key="question_id", value=planned.question.id)
        evaluation = evaluate_answer(
            question_bank.with_examples(planned.question),
            answer.text,
            role=record.config.role,
            level=record.config.level,
            delivery=answer.delivery,
        )
    return answer.model_copy(
        update={"evaluation": evaluation, "feedback": make_feedback(planned.question, answer.text, evaluation)}
    )


def evaluate_collected(answers: list[store.StoredAnswer]) -> int:
    """Evaluate collect-mode answers just stored (seen on the table's stream), so that ending the interview finds
    them evaluated instead of evaluating them all while the candidate waits; returns how many were stored.

    Called where configured (:func:`practice_shared.config.evaluates_early`: by default with Bedrock, whose seconds
    per answer would otherwise add up at the end, past API Gateway's 29 s). Best effort: an answer this misses (an
    engine failure, or the interview ended first) is evaluated when the interview ends, and an evaluation is
    stored only if its answer item is still as the stream showed it, so it never replaces the one a report used.
    """
    sessions: dict[str, SessionRecord | None] = {}
    stored_count = 0
    for stored in answers:
        if stored.answer.evaluation is not None:
            continue
        if stored.session_id not in sessions:
            sessions[stored.session_id] = store.get_for_processing(stored.session_id)
        session = sessions[stored.session_id]
        if session is None or session.config.mode != "collect" or session.state != "active":
            continue
        planned = next((p for p in session.plan if p.index == stored.answer.question_index), None)
        if planned is None:
            continue
        try:
            if store.replace_answer(stored, _evaluate(session, planned, stored.answer)):
                stored_count += 1
        except errors.AppError as exc:
            logger.warning("Answer left for the end of the interview", extra={"code": exc.code})
    metrics.add_metric(name="AnswersEvaluatedEarly", unit=MetricUnit.Count, value=stored_count)
    return stored_count


def next_question(ref: SessionRef, from_index: int | None = None, from_attempt: int | None = None) -> NextQuestion:
    """Move on to the next planned question (skipping any pending follow-up); with ``from_index``, only from that
    question, and with ``from_attempt`` only from that attempt at it (otherwise the question the session is at is
    returned, unchanged)."""

    def advance(record: SessionRecord) -> SessionRecord:
        _require(record, "active", action="move to the next question")
        if from_index is not None and record.current_index != from_index:
            return record
        if from_attempt is not None and record.attempt != from_attempt:
            return record
        if record.current_index >= len(record.plan) - 1:
            return record.model_copy(update={"current_index": len(record.plan), "pending_follow_up": None})
        return record.model_copy(
            update={
                "current_index": record.current_index + 1,
                "pending_follow_up": None,
                "follow_ups_asked": 0,
                "attempt": 1,
                "answered_attempt": 0,
                "updated_at": now_iso(),
            }
        )

    record = _update(ref, advance, _active_expiry())
    question = question_view(record)
    return NextQuestion(done=question is None, question=question)


def repeat_question(ref: SessionRef, index: int) -> NextQuestion:
    """Ask question ``index`` again from its start (no follow-up pending), as a new attempt, so the candidate can
    answer it better after reading the feedback. Only the current question or the one just left can be repeated
    (over the WebSocket the interview moves on by itself after an answer). The report scores the latest attempt and
    lists the earlier attempts' scores. Repeating a question whose new attempt has no answer yet changes nothing."""
    stored = store.load(ref.session_id, ref.user_id)
    answered = max((a.attempt for a in stored.answers if a.question_index == index), default=0)

    def again(record: SessionRecord) -> SessionRecord:
        _require(record, "active", action="ask a question again")
        if index >= len(record.plan) or index not in (record.current_index, record.current_index - 1):
            raise errors.Conflict(
                "Only the current question or the one just answered can be asked again.", code="invalid_transition"
            )
        return record.model_copy(
            update={
                "current_index": index,
                "pending_follow_up": None,
                "follow_ups_asked": 0,
                "attempt": max(answered + 1, record.attempt if record.current_index == index else 1),
                "updated_at": now_iso(),
            }
        )

    record = _update(ref, again, _active_expiry(), read=stored.record)
    return NextQuestion(done=False, question=question_view(record))


def _evaluate_pending(record: SessionRecord, answers: list[AnswerRecord]) -> list[AnswerRecord]:
    """Every answer, those not yet evaluated (collect mode) now evaluated against the question each answered."""
    by_index = {p.index: p for p in record.plan}
    return [a if a.evaluation is not None else _evaluate(record, by_index[a.question_index], a) for a in answers]


def evaluate_all(ref: SessionRef) -> EvaluateAllResult:
    """Evaluate all collected answers."""
    record, answers, _ = store.load(ref.session_id, ref.user_id)
    _require(record, "active", "completed", action="evaluate answers")
    evaluated = _evaluate_pending(record, answers)
    changed = [after for before, after in zip(answers, evaluated, strict=True) if after is not before]
    expires_at = _active_expiry() if record.state == "active" else _history_expiry()
    store.put_answers(ref.session_id, changed, expires_at)
    return EvaluateAllResult(answers=evaluated)


@tracer.capture_method
def end_session(ref: SessionRef) -> Report:
    """active -> completed: evaluate what is left, build and store the report. Ending again returns the same report.

    The session's items then take the history expiry: the answers and the report in batches, the session itself
    in its optimistic-locking save. An answer counted meanwhile fails that save, and the report is built again
    with it; one counted after it is refused (``_counting``).
    """
    for _ in range(SAVE_ATTEMPTS):
        record, answers, stored_report = store.load(ref.session_id, ref.user_id)
        if record.state == "completed" and stored_report is not None:
            return stored_report
        _require(record, "active", "completed", action="end the interview")
        answers = _evaluate_pending(record, answers)
        report = build_report(record, answers)
        history = _history_expiry()
        store.put_answers(ref.session_id, answers, history, report=report)
        now = now_iso()
        completed = record.model_copy(
            update={
                "state": "completed",
                "updated_at": now,
                "completed_at": record.completed_at or now,
                "pending_follow_up": None,
                "overall": report.overall,
                "criteria_scores": report.criteria,
            }
        )
        try:
            store.save(completed, history)  # only if no answer was counted since the answers were read
        except store.ConditionFailed:
            logger.info("Session changed while ending; reading it again", extra={"session_id": ref.session_id})
            continue
        metrics.add_metric(name="SessionsCompleted", unit=MetricUnit.Count, value=1)
        return report
    raise _busy()


def get_report(ref: SessionRef) -> Report:
    """The stored report of a completed session."""
    record = store.get(ref.session_id, ref.user_id)
    report = store.get_report(ref.session_id) if record.state == "completed" else None
    if report is None:
        raise errors.Conflict("The report is ready once the interview has ended.", code="invalid_transition")
    return report


def delete_session(ref: SessionRef) -> dict[str, int]:
    """Delete the session, its answers, its report and its audio."""
    store.get(ref.session_id, ref.user_id)
    objects = audio_store.delete_prefix(audio_store.answer_prefix(ref.user_id, ref.session_id))
    objects += audio_store.delete_prefix(audio_store.stream_prefix(ref.user_id, ref.session_id))
    items = store.delete(ref.session_id)
    logger.info("Session deleted", extra={"session_id": ref.session_id, "items": items, "audio_objects": objects})
    return {"items_deleted": items, "audio_objects_deleted": objects}


def list_sessions(user_id: str) -> list[dict]:
    """The user's past and current sessions, newest first (summaries, without answers)."""
    summaries = []
    for raw in store.list_for_user(user_id):
        record = SessionRecord.model_validate(raw)
        summaries.append(
            {
                "session_id": record.session_id,
                "role": record.config.role,
                "level": record.config.level,
                "interview_type": record.config.interview_type,
                "mode": record.config.mode,
                "state": record.state,
                "questions": len(record.plan),
                "answers": record.answers_count,
                "questions_answered": len(record.answered_questions),
                "overall": record.overall,
                "criteria_scores": record.criteria_scores,
                "created_at": record.created_at,
                "completed_at": record.completed_at,
            }
        )
    return summaries
