"""The candidate's own questions: typed from their wording and given a rubric.

A question the candidate wrote has no key points of its own. When it asks what a bank question asks (its
similarity to that question's text is at least ``SAME_QUESTION_AT`` and clearly more, by ``SAME_QUESTION_MARGIN``,
than to any other bank question; candidates paste common questions in their own words), it is graded with that
question's rubric: key points with their example sentences, misconceptions, topics, type and competency
(``Question.rubric_from`` names it). Otherwise it gets generic key points for its type, which judge the answer's
form more than its content. The thresholds were chosen on ``bench/data/user_questions.yaml`` (``make bench``).
"""

import re
from collections.abc import Iterable, Sequence

import numpy as np

from interview.engine.bank import QuestionBank
from interview.engine.selection import LEVELS
from interview.engine.semantic import similarity
from interview.engine.skills import DISPLAY, SYNONYMS, find_topics
from practice_shared.models.common import QuestionType
from practice_shared.models.interview import Question, SelectedQuestion

SAME_QUESTION_AT = 0.66
SAME_QUESTION_MARGIN = 0.03  # two bank questions as near: which one the candidate means is unclear

_GENERAL = re.compile(
    r"\b(tell me about yourself|introduce yourself|why do you want|why (this|our|the) (company|role|job|team)|"
    r"where do you see yourself|(greatest |biggest )?(strengths?|weakness(es)?)\b|what motivates you|"
    r"why should we hire|career goals?|what are you looking for)",
    re.IGNORECASE,
)
_BEHAVIORAL = re.compile(
    r"\b(tell me about (a|an|the) (time|situation|occasion|project|moment)|describe a (time|situation|moment)|"
    r"give (me |us )?an example|have you ever|a time when|when did you|how did you (handle|deal|manage|resolve)|"
    r"what did you do when|walk me through a (time|situation)|(biggest|hardest) (mistake|failure|challenge)|"
    r"conflict|disagree)",
    re.IGNORECASE,
)
_COMPETENCIES = (
    (re.compile(r"conflict|disagree", re.I), "conflict resolution"),
    (re.compile(r"mistake|fail", re.I), "failure and learning"),
    (re.compile(r"deadline|pressure", re.I), "delivering under pressure"),
    (re.compile(r"stakeholder|customer|client", re.I), "stakeholder management"),
    (re.compile(r"priorit", re.I), "prioritization"),
    (re.compile(r"\blead|mentor|coach", re.I), "leadership"),
)
_KEY_POINTS = {
    "behavioral": [
        "Describes one specific situation with its context and what was at stake",
        "Explains what they personally did and why, not only what the team did",
        "Gives a measurable result or a concrete outcome",
        "Reflects on what they learned or would do differently next time",
    ],
    "technical": [
        "Explains the core idea accurately in plain words",
        "Gives a concrete example from their own work or a realistic scenario",
        "Discusses trade-offs, limits or alternatives",
        "Says how they would test, verify or measure it",
    ],
    "general": [
        "Answers the question directly in the first sentences",
        "Backs the answer with a specific example from their experience",
        "Connects the answer to the role they are applying for",
    ],
}


def infer_type(text: str) -> QuestionType:
    """Behavioral, technical or general, from the question's wording."""
    if _GENERAL.search(text):
        return "general"
    if _BEHAVIORAL.search(text):
        return "behavioral"
    return "technical"


def custom_question(
    text: str, index: int, vocabulary: Iterable[str] | None = None, question_type: QuestionType | None = None
) -> Question:
    """A question the candidate wrote, typed from its wording (unless given), with generic key points for that type."""
    question_type = question_type or infer_type(text)
    competency = None
    if question_type == "behavioral":
        competency = next((name for pattern, name in _COMPETENCIES if pattern.search(text)), None)
    words = frozenset(vocabulary) if vocabulary is not None else frozenset(DISPLAY) | frozenset(SYNONYMS.values())
    return Question(
        id=f"custom-{index}",
        text=text.strip(),
        type=question_type,
        roles=["any"],
        levels=list(LEVELS),
        competency=competency,
        key_points=_KEY_POINTS[question_type],
        topics=sorted(find_topics(text, words)),
    )


def same_question(texts: Sequence[str], bank: QuestionBank) -> list[Question | None]:
    """For each text, the bank question that asks the same thing: the most similar one, if similar enough and clearly
    more similar than the next."""
    if not texts:
        return []
    sims = similarity(list(texts), [q.text for q in bank.questions])
    order = np.argsort(sims, axis=1)[:, ::-1]
    twins: list[Question | None] = []
    for row, (best, second) in enumerate(order[:, :2]):
        clear = sims[row, best] >= SAME_QUESTION_AT and sims[row, best] - sims[row, second] >= SAME_QUESTION_MARGIN
        twins.append(bank.questions[best] if clear else None)
    return twins


def own_questions(texts: Sequence[str], bank: QuestionBank) -> list[SelectedQuestion]:
    """The candidate's questions in their order, each graded with the rubric of the bank question asking the same
    thing, or with generic key points when no bank question does."""
    vocabulary = bank.topics()
    selected = []
    for index, (text, twin) in enumerate(zip(texts, same_question(texts, bank), strict=True)):
        question = custom_question(text, index, vocabulary)
        if twin is None:
            selected.append(SelectedQuestion(question=question, reason="Your own question"))
            continue
        question = question.model_copy(
            update={
                "type": twin.type,
                "competency": twin.competency,
                "key_points": twin.key_points,
                "topics": sorted(set(question.topics) | set(twin.topics)),
                "misconceptions": twin.misconceptions,
                "rubric_from": twin.id,
            }
        )
        reason = f"Your own question, graded like our question “{twin.text}”"
        selected.append(SelectedQuestion(question=question, reason=reason))
    return selected
