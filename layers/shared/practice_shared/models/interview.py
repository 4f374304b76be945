"""Questions, evaluations, feedback and reports (the interview engine's domain)."""

from pydantic import BaseModel, Field, model_validator

from practice_shared.models.common import Criterion, Engine, Level, QuestionType


class Misconception(BaseModel):
    """A wrong claim candidates make about a question, with the statement that corrects it."""

    wrong: str = Field(min_length=10, max_length=300)
    right: str = Field(min_length=10, max_length=300)


class Question(BaseModel):
    """A bank question with its rubric."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{2,80}$")
    text: str = Field(min_length=10, max_length=600)
    type: QuestionType
    roles: list[str] = Field(min_length=1, description="Role ids, or 'any' for questions every role may get")
    levels: list[Level] = Field(min_length=1)
    competency: str | None = Field(None, description="The behavioral competency assessed (behavioral questions)")
    key_points: list[str] = Field(min_length=2, description="What a strong answer covers")
    topics: list[str] = Field(
        default=[], description="Skills and technologies the question is about (used for tailoring)"
    )
    misconceptions: list[Misconception] = Field(
        default=[], description="Wrong claims an answer to this question is checked for (technical questions)"
    )
    rubric_from: str | None = Field(
        None, description="For a candidate's own question: the bank question asking the same thing, whose rubric it has"
    )
    key_point_examples: list[list[str]] = Field(
        default=[],
        exclude=True,
        description="Sentences a candidate making each key point might say, one list per key point in order (empty "
        "for a key point no sentence makes): for key points too abstract to match a concrete answer by meaning. The "
        "bank's scoring aid: neither stored with a session's plan nor sent to clients",
    )

    @model_validator(mode="after")
    def _one_example_list_per_key_point(self) -> "Question":
        if self.key_point_examples and len(self.key_point_examples) != len(self.key_points):
            raise ValueError(
                f"key_point_examples has {len(self.key_point_examples)} lists for {len(self.key_points)} key points"
            )
        return self


class SelectedQuestion(BaseModel):
    """A question chosen for a session, with the reason it was chosen."""

    question: Question
    reason: str


class KeyPointMatch(BaseModel):
    """Whether the answer covered one expected key point, and where."""

    key_point: str
    covered: bool
    similarity: float = Field(description="Best semantic similarity between the key point and a sentence of the answer")
    evidence: str | None = Field(None, description="The sentence of the answer that covered it")


class CriterionScore(BaseModel):
    """One rubric criterion, 1 to 10, with the evidence behind the score."""

    criterion: Criterion
    score: float = Field(ge=1, le=10)
    evidence: list[str] = Field(default=[], description="What raised the score")
    lowered_by: list[str] = Field(default=[], description="What lowered the score")


class StarPart(BaseModel):
    """One part of the STAR structure and the sentence that showed it."""

    part: str
    found: bool
    evidence: str | None = None


class Evaluation(BaseModel):
    """The evaluation of one answer: only criteria that apply to the question type count."""

    overall: float = Field(ge=1, le=10)
    criteria: list[CriterionScore]
    key_points: list[KeyPointMatch] = []
    star: list[StarPart] = []
    signals: dict[str, float | int | str] = Field(
        default={}, description="Measured signals: specificity, ownership, length fit..."
    )
    engine: Engine = "offline"
    engine_note: str | None = Field(None, description="Why another engine than the configured one scored this answer")


class Feedback(BaseModel):
    """Feedback specific to one question and one answer."""

    strengths: list[str]
    improvements: list[str]
    improved_answer_outline: list[str]
    pitfalls: list[str] = Field(default=[], description="Common mistakes on this question, each with its correction")


class FollowUp(BaseModel):
    """A targeted follow-up question, and what prompted it."""

    text: str
    reason: str


class FollowUpResult(BaseModel):
    """A follow-up question that was asked, and the candidate's answer to it."""

    question: str
    answer: str | None = Field(None, description="The answer; null when the candidate skipped the follow-up")
    overall: float | None = Field(None, description="The follow-up answer's own score")
    language_warning: str | None = Field(None, description="The speech did not sound like the session's language")
    delivery: dict[str, float | int] | None = None
    audio_key: str | None = None
    audio_url: str | None = Field(None, description="Time-limited link to the candidate's recorded answer")


class QuestionResult(BaseModel):
    """One row of the report's per-question table."""

    index: int
    question: str
    question_type: QuestionType
    answer: str
    overall: float | None
    criteria: dict[str, float] = {}
    feedback: Feedback | None = None
    follow_ups: list[str] = Field(default=[], description="The follow-up questions asked (see follow_up_answers)")
    follow_up_answers: list[FollowUpResult] = Field(
        default=[], description="Each follow-up asked, in order, with the answer given to it (or none: skipped)"
    )
    language_warning: str | None = Field(None, description="The speech did not sound like the session's language")
    delivery: dict[str, float | int] | None = None
    audio_key: str | None = None
    audio_url: str | None = Field(None, description="Time-limited link to the candidate's recorded answer")
    attempts: int = Field(
        1,
        description="Attempts answered (0: none; one more each time the question was asked again); the answer and "
        "scores are the latest attempt's",
    )
    earlier_overall: list[float] = Field(default=[], description="The overall score of each earlier attempt")
    answer_overall: float | None = Field(
        None,
        description="The answer's own overall score; ``overall`` is higher when answers to follow-ups raised it",
    )


class PracticeItem(BaseModel):
    """One thing to practice next, and why."""

    focus: str
    why: str
    exercise: str


class Report(BaseModel):
    """The final report of a session."""

    session_id: str
    role: str
    level: Level
    overall: float | None
    criteria: dict[str, float]
    questions: list[QuestionResult]
    strengths: list[str]
    improvements: list[str]
    delivery_summary: dict[str, float | int | str] | None = None
    practice_plan: list[PracticeItem]
    summary_text: str
    answered: int
    asked: int
    engine: Engine = "offline"
