"""``/api/sessions``: the interview lifecycle, as in the original design."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from gateway import orchestration
from gateway.downstream import interview
from gateway.identity import current_user
from practice_shared import errors
from practice_shared.config import get_settings
from practice_shared.models.api import (
    AnswerInput,
    AnswerResult,
    CreateSessionRequest,
    EndResult,
    EvaluateAllResult,
    NextQuestion,
    SessionView,
)
from practice_shared.models.common import MediaType
from practice_shared.models.interview import Report
from practice_shared.store import audio as audio_store

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
User = Annotated[str, Depends(current_user)]
SessionId = Annotated[str, Path(pattern=r"^[a-f0-9]{32}$", description="The session id returned at creation")]


class SessionSummary(BaseModel):
    """One line of the session history."""

    session_id: str
    role: str
    level: str
    interview_type: str
    mode: str
    state: str
    questions: int
    answers: int = Field(description="Answers recorded, follow-up answers included")
    questions_answered: int = Field(0, description="Planned questions with an answer")
    overall: float | None = None
    criteria_scores: dict[str, float] = {}
    created_at: str
    completed_at: str | None = None


class UploadRequest(BaseModel):
    """The kind of audio about to be uploaded."""

    content_type: MediaType = Field(max_length=100, description="One of " + ", ".join(sorted(audio_store.UPLOAD_TYPES)))


class UploadGrant(BaseModel):
    """A presigned S3 POST: send the file as the form field ``file`` after ``fields``, then submit ``audio_key``."""

    audio_key: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int = 900


class NextQuestionRequest(BaseModel):
    """Optional body of ``next-question``: move on only from this question, so a repeated request cannot skip two."""

    from_index: int | None = Field(
        None, ge=0, strict=True, description="The index of the question being left; nothing moves if it is not current"
    )


class RepeatRequest(BaseModel):
    """Body of ``repeat-question``: which question to answer again."""

    index: int = Field(ge=0, strict=True, description="The current question's index, or the one just answered")


class Deleted(BaseModel):
    """What deleting a session removed."""

    items_deleted: int
    audio_objects_deleted: int


@router.post("", status_code=201, response_model=SessionView, summary="Create an interview session")
async def create_session(body: CreateSessionRequest, user: User) -> Any:
    """Create a session: role, level, type, mode, optional job description and resume; returns the question plan."""
    return interview("create_session", {"user_id": user, "request": body.model_dump()})


@router.get("", response_model=list[SessionSummary], summary="List my sessions, newest first")
async def list_sessions(user: User) -> Any:
    return interview("list_sessions", {"user_id": user})


@router.get("/{session_id}", response_model=SessionView, summary="Get a session with its answers")
async def get_session(session_id: SessionId, user: User) -> Any:
    return orchestration.session_action("get_session", user, session_id)


@router.delete("/{session_id}", response_model=Deleted, summary="Delete a session, its answers, report and audio")
async def delete_session(session_id: SessionId, user: User) -> Any:
    return orchestration.delete(user, session_id)


@router.post("/{session_id}/start", response_model=SessionView, summary="Start: the first question and its audio")
async def start(session_id: SessionId, user: User) -> Any:
    return orchestration.start(user, session_id)


@router.post("/{session_id}/submit-answer", response_model=AnswerResult, summary="Answer the current question")
async def submit_answer(session_id: SessionId, body: AnswerInput, user: User) -> Any:
    """Typed text, the key of audio uploaded with audio-upload, or a small base64 clip. A question (or follow-up)
    takes one answer per attempt: another is refused (409) until repeat-question asks it again. A retry with the
    same `client_answer_id` gets the first result."""
    return orchestration.submit_answer(user, session_id, body)


@router.post("/{session_id}/next-question", response_model=NextQuestion, summary="The next question and its audio")
async def next_question(session_id: SessionId, user: User, body: NextQuestionRequest | None = None) -> Any:
    return orchestration.next_question(user, session_id, body.from_index if body else None)


@router.post(
    "/{session_id}/repeat-question", response_model=NextQuestion, summary="Answer a question again, as a new attempt"
)
async def repeat_question(session_id: SessionId, user: User, body: RepeatRequest) -> Any:
    return orchestration.repeat_question(user, session_id, body.index)


@router.post("/{session_id}/evaluate-all", response_model=EvaluateAllResult, summary="Evaluate collected answers")
async def evaluate_all(session_id: SessionId, user: User) -> Any:
    return orchestration.session_action("evaluate_all", user, session_id)


@router.post("/{session_id}/end", response_model=EndResult, summary="End: the report and its spoken summary")
async def end(session_id: SessionId, user: User) -> Any:
    return orchestration.end(user, session_id)


@router.get("/{session_id}/report", response_model=Report, summary="The report of an ended session")
async def report(session_id: SessionId, user: User) -> Any:
    return orchestration.report(user, session_id)


@router.post("/{session_id}/audio-upload", response_model=UploadGrant, summary="Presigned S3 upload for an answer")
async def audio_upload(session_id: SessionId, body: UploadRequest, user: User) -> Any:
    """A presigned POST scoped to this session, limited in size and content type."""
    if body.content_type not in audio_store.UPLOAD_TYPES:
        raise errors.UnsupportedMedia(f"Audio of type {body.content_type} is not supported.")
    view = orchestration.session_action("get_session", user, session_id)  # 404 unless the session is the caller's
    if view["session"]["state"] == "completed":
        raise errors.Conflict("The interview has ended, so it takes no more answers.", code="invalid_transition")
    key = audio_store.new_answer_key(user, session_id, body.content_type)
    post = audio_store.presigned_upload(key, body.content_type)
    return UploadGrant(audio_key=key, url=post["url"], fields=post["fields"], max_bytes=get_settings().max_audio_bytes)
