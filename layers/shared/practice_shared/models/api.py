"""Request and response bodies of the REST API and of the interview function's actions."""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from practice_shared.models.common import MediaType, QuestionType, clean_text
from practice_shared.models.interview import Evaluation, Feedback, Report
from practice_shared.models.session import MAX_ANSWER_CHARS, AnswerRecord, SessionConfig, SessionFields, SessionRecord
from practice_shared.models.voice import DeliveryMetrics, Synthesis, Transcription

MAX_RESUME_PDF_B64 = 7_000_000  # about 5 MB of PDF
MAX_INLINE_AUDIO_B64 = 5_592_408  # base64 of 4 MiB, the inline clip limit (config.max_inline_audio_bytes)


class CreateSessionRequest(SessionConfig):
    """``POST /api/sessions``: the session's settings, optionally with a resume PDF (base64) to parse."""

    resume_pdf_base64: str | None = Field(None, max_length=MAX_RESUME_PDF_B64)


class AnswerInput(BaseModel):
    """``POST /api/sessions/{id}/submit-answer``: typed text, an uploaded audio key, or a small inline clip."""

    text: str | None = Field(None, max_length=MAX_ANSWER_CHARS)
    audio_key: str | None = Field(None, min_length=1, max_length=512)
    audio_base64: str | None = Field(
        None, max_length=MAX_INLINE_AUDIO_B64, description="Small clips only; upload larger ones to S3 first"
    )
    content_type: MediaType | None = Field(None, max_length=100)
    client_answer_id: str | None = Field(
        None, pattern=r"^[A-Za-z0-9_-]{8,64}$", description="Makes retries safe: the same id is recorded once"
    )

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not (text := clean_text(value)):
            raise ValueError("the answer is empty")
        return text

    def sources(self) -> int:
        """How many answer sources were given (exactly one is valid)."""
        return sum(x is not None for x in (self.text, self.audio_key, self.audio_base64))


class UserRef(BaseModel):
    """The user an action is done for (the gateway sets it from the verified identity)."""

    user_id: str = Field(min_length=1, max_length=128)


class SessionRef(UserRef):
    """Identifies a session and the user asking for it."""

    session_id: str = Field(pattern=r"^[a-f0-9]{32}$")


class AdvancePayload(SessionRef):
    """Move on to the next question; with ``from_index``, only if the session is still at that question (so two
    jobs that both saw the same answer recorded cannot move it on twice)."""

    from_index: int | None = Field(None, ge=0)
    from_attempt: int | None = Field(None, ge=1, description="And only if it is still at this attempt at it")


class RepeatPayload(SessionRef):
    """Ask question ``index`` again, from its start."""

    index: int = Field(ge=0)


class CreateSessionPayload(UserRef):
    """What the gateway passes to the interview function to create a session."""

    request: CreateSessionRequest


class SubmitAnswerPayload(SessionRef):
    """What the gateway passes to the interview function once any audio has been transcribed."""

    text: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    source: Literal["text", "audio"] = "text"
    audio_key: str | None = None
    transcription_confidence: float | None = None
    language_warning: str | None = None
    delivery: DeliveryMetrics | None = None
    client_answer_id: str | None = None


class QuestionView(BaseModel):
    """A question as the candidate sees it."""

    index: int = Field(description="0-based position in the session's plan")
    total: int
    text: str
    type: str
    reason: str
    is_follow_up: bool = False
    attempt: int = Field(1, description="2 or more when the question is being asked again")
    audio: Synthesis | None = None


class PlanItem(BaseModel):
    """A question of the session's plan as the candidate sees it: what is asked and why. Its rubric (key points,
    misconceptions and their corrections) stays on the server until an answer's evaluation shows what was covered."""

    index: int
    question_id: str
    text: str
    type: QuestionType
    reason: str


class SessionInfo(SessionFields):
    """A session as the API shows it: its plan without the rubrics."""

    plan: list[PlanItem]

    @classmethod
    def of(cls, record: SessionRecord) -> "SessionInfo":
        """The candidate's view of a stored session."""
        plan = [
            PlanItem(
                index=p.index, question_id=p.question.id, text=p.question.text, type=p.question.type, reason=p.reason
            )
            for p in record.plan
        ]
        return cls(**{name: getattr(record, name) for name in SessionFields.model_fields}, plan=plan)


class SessionView(BaseModel):
    """A session as the API returns it."""

    session: SessionInfo
    question: QuestionView | None = None
    answers: list[AnswerRecord] | None = None


class AnswerResult(BaseModel):
    """The outcome of submitting an answer."""

    answer: AnswerRecord
    transcription: Transcription | None = None
    evaluation: Evaluation | None = None
    feedback: Feedback | None = None
    follow_up: QuestionView | None = None
    next_action: Literal["answer_follow_up", "next_question", "end"] = "next_question"


class NextQuestion(BaseModel):
    """The next question, or ``done`` when every planned question has been asked."""

    done: bool
    question: QuestionView | None = None


class EndResult(BaseModel):
    """The final report, with the audio of its spoken summary when available."""

    report: Report
    summary_audio: Synthesis | None = None


class EvaluateAllResult(BaseModel):
    """Every answer of the session with its evaluation."""

    answers: list[AnswerRecord]
