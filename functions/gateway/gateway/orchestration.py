"""The interview flows that cross functions: questions with their audio, spoken answers, the spoken report.

Each flow follows the original design's data flow: the interview function decides, the voice function speaks
and listens, the gateway puts the two together. Audio is stored in S3 before it is transcribed, so an answer
whose transcription fails can be retried from the same audio.
"""

import base64
import binascii
from typing import Any, TypeVar

from gateway import downstream, idempotency
from practice_shared import errors
from practice_shared.config import get_settings
from practice_shared.models.api import (
    AnswerInput,
    AnswerResult,
    EndResult,
    NextQuestion,
    QuestionView,
    SessionView,
    SubmitAnswerPayload,
)
from practice_shared.models.interview import FollowUpResult, QuestionResult, Report
from practice_shared.models.voice import Synthesis, SynthesizeRequest, TranscribeRequest, Transcription
from practice_shared.observability import MetricUnit, logger, metrics
from practice_shared.store import audio as audio_store
from practice_shared.store import quotas


def _speak(text: str) -> Synthesis | None:
    """Speech for ``text``; a failing voice function costs the audio, never the question or the report."""
    try:
        return downstream.synthesize(SynthesizeRequest(text=text[:3000]))
    except errors.AppError as exc:
        logger.warning("Speech synthesis failed; answering without audio", extra={"code": exc.code})
        metrics.add_metric(name="SynthesisDegraded", unit=MetricUnit.Count, value=1)
        return None


def with_audio(question: QuestionView | None) -> QuestionView | None:
    """The question with its spoken audio attached."""
    if question is None:
        return None
    return question.model_copy(update={"audio": _speak(question.text)})


def session_action(action: str, user_id: str, session_id: str, **fields: Any) -> Any:
    """Run a session action (with its own ``fields``, if any) on the interview function for this user."""
    return downstream.interview(action, {"user_id": user_id, "session_id": session_id, **fields})


def start(user_id: str, session_id: str) -> SessionView:
    """Start the interview: the first question and its audio."""
    view = SessionView.model_validate(session_action("start_session", user_id, session_id))
    return view.model_copy(update={"question": with_audio(view.question)})


def next_question(user_id: str, session_id: str, from_index: int | None = None) -> NextQuestion:
    """The next question and its audio (moving on only from question ``from_index``, if given)."""
    return _spoken(session_action("next_question", user_id, session_id, from_index=from_index))


def repeat_question(user_id: str, session_id: str, index: int) -> NextQuestion:
    """Question ``index`` asked again, with its audio."""
    return _spoken(session_action("repeat_question", user_id, session_id, index=index))


def _spoken(moved: Any) -> NextQuestion:
    result = NextQuestion.model_validate(moved)
    return result.model_copy(update={"question": with_audio(result.question)})


_Recorded = TypeVar("_Recorded", QuestionResult, FollowUpResult)


def _linked(result: _Recorded) -> _Recorded:
    return (
        result.model_copy(update={"audio_url": audio_store.presigned_get(result.audio_key)})
        if result.audio_key
        else result
    )


def with_recordings(report: Report) -> Report:
    """The report with a time-limited link to each recorded answer (follow-ups' too), so the candidate can listen."""
    questions = [
        _linked(q).model_copy(update={"follow_up_answers": [_linked(f) for f in q.follow_up_answers]})
        for q in report.questions
    ]
    return report.model_copy(update={"questions": questions})


def report(user_id: str, session_id: str) -> Report:
    """The stored report of an ended session."""
    return with_recordings(Report.model_validate(session_action("get_report", user_id, session_id)))


def end(user_id: str, session_id: str) -> EndResult:
    """End the interview: the report and the audio of its spoken summary."""
    report = with_recordings(Report.model_validate(session_action("end_session", user_id, session_id)))
    return EndResult(report=report, summary_audio=_speak(report.summary_text))


def delete(user_id: str, session_id: str) -> Any:
    """Delete the session with its answers, report and audio, and the stored responses of its answers."""
    view = SessionView.model_validate(session_action("get_session", user_id, session_id))  # 404 unless the caller's
    # The stored responses first: should deleting the session then fail, a retry finds and deletes everything.
    idempotency.forget(user_id, session_id, [answer.answer_id for answer in view.answers or []])
    return session_action("delete_session", user_id, session_id)


def _inline_audio_key(user_id: str, session_id: str, body: AnswerInput) -> str:
    """Store an inline (base64) clip in S3 and return its key."""
    content_type = body.content_type or "audio/webm"
    if content_type not in audio_store.UPLOAD_TYPES:
        raise errors.UnsupportedMedia(f"Audio of type {content_type} is not supported.")
    try:
        data = base64.b64decode(body.audio_base64 or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.BadRequest("audio_base64 is not valid base64.") from exc
    if not data:
        raise errors.BadRequest("The audio is empty.")
    if len(data) > get_settings().max_inline_audio_bytes:
        raise errors.PayloadTooLarge("The clip is too large to send inline; upload it with audio-upload first.")
    key = audio_store.new_answer_key(user_id, session_id, content_type)
    audio_store.write(key, data, content_type)
    return key


def transcribe_metered(user_id: str, request: TranscribeRequest) -> Transcription:
    """Transcribe within the user's daily audio quota, and count what was transcribed."""
    limit = get_settings().max_audio_minutes_per_day * 60
    quotas.ensure_available(user_id, "audio_seconds", limit, "transcribed audio")
    transcription = downstream.transcribe(request)
    quotas.record(user_id, "audio_seconds", transcription.duration_seconds)
    return transcription


def transcribe_while_waiting(user_id: str, request: TranscribeRequest) -> Transcription:
    """:func:`transcribe_metered` for a REST request, which waits for the transcript: API Gateway gives it 29 s, so
    a recording over ``max_sync_audio_seconds`` is refused before it is transcribed (the WebSocket streams longer
    answers and transcribes them as they come)."""
    limit = get_settings().max_sync_audio_seconds
    try:
        return transcribe_metered(user_id, request.model_copy(update={"max_seconds": limit}))
    except errors.AppError as exc:
        if exc.code != "answer_too_long" or not isinstance(exc.details, dict):
            raise
        raise errors.PayloadTooLarge(
            f"The recording lasts more than {exc.details['seconds']} s, and one sent in a request is transcribed while "
            f"the request waits, which allows up to {limit} s: stream a longer answer over the WebSocket (as the web "
            "app does), or split the recording.",
            code="answer_too_long",
            details=exc.details,
        ) from exc


def transcribe_answer(user_id: str, session_id: str, key: str, language: str) -> Transcription:
    """Transcribe an answer's audio while a REST request waits; refuses keys outside this session's own prefix."""
    if not key.startswith(audio_store.answer_prefix(user_id, session_id)):
        raise errors.NotFound("The audio file was not found; upload it again.")
    transcription = transcribe_while_waiting(user_id, TranscribeRequest(audio_key=key, language=language))
    if transcription.no_speech:
        raise errors.Unprocessable(
            "No speech was detected in the recording. Check your microphone and try again.", code="no_speech"
        )
    return transcription


def submit_answer(user_id: str, session_id: str, body: AnswerInput) -> AnswerResult:
    """Record a typed or spoken answer: transcribe it if spoken, then collect or evaluate it.

    With a ``client_answer_id``, a retried request returns the first response and records nothing twice: the
    interview function claims the id with the answer; a spoken answer is also run once here (:mod:`idempotency`),
    so that its retry is not transcribed again.
    """
    if body.sources() != 1:
        raise errors.Unprocessable("Give exactly one of text, audio_key or audio_base64.")
    request = {"user_id": user_id, "session_id": session_id, **body.model_dump()}
    if body.client_answer_id and body.text is None:
        return idempotency.run_once(_submit, request)
    return _submit(request)


def _submit(request: dict[str, Any]) -> AnswerResult:
    user_id, session_id = request["user_id"], request["session_id"]
    body = AnswerInput.model_validate(request)
    payload: dict[str, Any] = {"user_id": user_id, "session_id": session_id, "client_answer_id": body.client_answer_id}
    transcription = None
    if body.text is not None:
        payload.update(text=body.text, source="text")
    else:
        session = SessionView.model_validate(session_action("get_session", user_id, session_id)).session
        if session.state != "active":
            raise errors.Conflict(
                "Cannot submit an answer: the interview is not in progress.", code="invalid_transition"
            )
        key = body.audio_key or _inline_audio_key(user_id, session_id, body)
        transcription = transcribe_answer(user_id, session_id, key, session.config.language)
        payload.update(
            text=transcription.text,
            source="audio",
            audio_key=key,
            transcription_confidence=transcription.confidence,
            language_warning=transcription.language_warning,
            delivery=transcription.delivery.model_dump(),
        )
    SubmitAnswerPayload.model_validate(payload)
    result = AnswerResult.model_validate(downstream.interview("submit_answer", payload))
    return result.model_copy(update={"transcription": transcription, "follow_up": with_audio(result.follow_up)})
