"""Sessions and answers as stored in DynamoDB and returned by the API."""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from practice_shared.models.common import SPEECH_LANGUAGES, InterviewType, Level, Mode, Role, SessionState, clean_text
from practice_shared.models.interview import Evaluation, Feedback, FollowUp, Question
from practice_shared.models.voice import DeliveryMetrics

MAX_QUESTIONS = 30
MAX_ANSWER_CHARS = 10_000


class SessionConfig(BaseModel):
    """What the candidate chose when creating a session."""

    role: Role
    level: Level = "mid"
    interview_type: InterviewType = "mixed"
    mode: Mode = "evaluate"
    num_questions: int = Field(5, ge=1, le=MAX_QUESTIONS, strict=True)
    language: str = Field("en", pattern=r"^[a-z]{2}$", description="ISO 639-1 language of the answers")
    job_description: str | None = Field(None, max_length=20_000)
    resume_text: str | None = Field(None, max_length=30_000)
    custom_questions: list[str] = Field(
        default=[], max_length=MAX_QUESTIONS, description="The candidate's own questions"
    )
    max_follow_ups: int = Field(1, ge=0, le=3, strict=True, description="Follow-up questions at most per question")

    @field_validator("language")
    @classmethod
    def _language_is_transcribed(cls, value: str) -> str:
        if value not in SPEECH_LANGUAGES:
            raise ValueError(f"'{value}' is not a language speech recognition supports")
        return value

    @field_validator("job_description", "resume_text")
    @classmethod
    def _without_control_characters(cls, value: str | None) -> str | None:
        return clean_text(value) or None if value is not None else None

    @field_validator("custom_questions")
    @classmethod
    def _questions_have_text(cls, value: list[str]) -> list[str]:
        cleaned = [clean_text(q) for q in value]
        for q in cleaned:
            if not 10 <= len(q) <= 600:
                raise ValueError("each custom question must be 10 to 600 characters")
        return cleaned


class PlannedQuestion(BaseModel):
    """A question of the session's plan, kept whole so answers are always judged against what was asked."""

    index: int
    question: Question
    reason: str


class SessionFields(BaseModel):
    """What a session's metadata item and the API's view of it share: everything but the plan."""

    session_id: str
    user_id: str
    state: SessionState
    config: SessionConfig
    current_index: int = Field(0, description="Index of the question being asked (or next to ask)")
    pending_follow_up: FollowUp | None = Field(None, description="A follow-up asked and not yet answered")
    follow_ups_asked: int = Field(0, description="Follow-ups asked for the current question")
    attempt: int = Field(
        1, description="The attempt at the current question: 1, then one more each time it is asked again"
    )
    answered_attempt: int = Field(
        0, description="The attempt at the current question whose answer is recorded (0: none): one answer each"
    )
    answers_count: int = Field(0, description="Answers recorded, follow-up answers included")
    answered_questions: list[int] = Field(default=[], description="Indexes of the planned questions answered")
    created_at: str
    updated_at: str
    completed_at: str | None = None
    overall: float | None = Field(None, description="Overall score, once the report exists")
    criteria_scores: dict[str, float] = Field(default={}, description="Per-criterion scores, once the report exists")
    version: int = 0


class SessionRecord(SessionFields):
    """A session's metadata item."""

    plan: list[PlannedQuestion]


class AnswerRecord(BaseModel):
    """One answer (to a planned question or to a follow-up), stored as its own item."""

    answer_id: str
    question_index: int
    follow_up_index: int = Field(0, description="0 for the planned question, n for its n-th follow-up")
    attempt: int = Field(
        1, description="The attempt at the question it belongs to (2 after the question was asked again)"
    )
    question_text: str
    text: str = Field(max_length=MAX_ANSWER_CHARS)
    source: Literal["text", "audio"] = "text"
    audio_key: str | None = None
    transcription_confidence: float | None = None
    language_warning: str | None = Field(None, description="The speech did not sound like the session's language")
    delivery: DeliveryMetrics | None = None
    evaluation: Evaluation | None = None
    feedback: Feedback | None = None
    follow_up: FollowUp | None = None
    created_at: str
