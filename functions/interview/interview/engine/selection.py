"""Choosing a session's questions: by role, level and interview type, tailored to the job description and resume.

Each slot of the plan is filled greedily with the best-scoring question:

* level: questions of the chosen level first, then an adjacent level, then any level;
* tailoring: +2 per topic the job description names, +1.5 per topic only the resume names (a topic already
  covered by an earlier pick counts +0.5), so tailored questions come first without all being about one thing;
* variety: -1.5 for a competency already assessed, -0.5 per topic already asked about;
* history: a question in ``avoid_ids`` is taken only when nothing else fits;
* a seeded jitter in [0, 1) breaks ties, so the same seed (the session id) always gives the same plan.

Mixed interviews start with a warm-up (a general or behavioral question) and then alternate technical and
behavioral questions; behavioral interviews start with a warm-up too when they have three questions or more.
The candidate's own questions replace the bank's (``own_questions``).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from interview.engine.bank import QuestionBank
from interview.engine.skills import display, find_topics, join_words
from practice_shared.models.common import ROLE_TITLES
from practice_shared.models.interview import Question, SelectedQuestion
from practice_shared.models.session import SessionConfig

LEVELS = ("junior", "mid", "senior")
JD_WEIGHT, CV_WEIGHT, COVERED_WEIGHT = 2.0, 1.5, 0.5
REPEAT_COMPETENCY, REPEAT_TOPIC = 1.5, 0.5
ROLE_SPECIFIC = 0.5
OFF_LEVEL = {1: 2.0, 2: 4.0}
AVOIDED = 100.0


@dataclass(frozen=True)
class _Context:
    role: str
    level: str
    jd: dict[str, int]
    cv: dict[str, int]
    avoid: frozenset[str]
    seed: str


def _jitter(seed: str, question_id: str) -> float:
    digest = hashlib.sha256(f"{seed}:{question_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _level_distance(question: Question, level: str) -> int:
    wanted = LEVELS.index(level)
    return min(abs(LEVELS.index(lv) - wanted) for lv in question.levels)


def _slots(interview_type: str, count: int) -> list[str]:
    if count <= 0:
        return []
    if interview_type == "technical":
        return ["technical"] * count
    if interview_type == "behavioral":
        return (["warmup"] + ["behavioral"] * (count - 1)) if count >= 3 else ["behavioral"] * count
    return ["warmup"] + ["technical" if i % 2 == 0 else "behavioral" for i in range(count - 1)]


def _fits(question: Question, slot: str) -> bool:
    if slot == "technical":
        return question.type == "technical"
    return question.type in ("behavioral", "general")


def _standing(question: Question, ctx: _Context) -> float:
    """The part of a question's score that no slot or earlier pick changes: jitter, role, level and history."""
    score = _jitter(ctx.seed, question.id)
    if ctx.role in question.roles:
        score += ROLE_SPECIFIC
    score -= OFF_LEVEL.get(_level_distance(question, ctx.level), 0.0)
    if question.id in ctx.avoid:
        score -= AVOIDED
    return score


def _fit(question: Question, slot: str, ctx: _Context, covered: set[str], competencies: set[str]) -> float:
    """How well ``question`` fits ``slot``, given the topics and competencies the questions picked so far cover."""
    score = 0.0
    if slot == "warmup" and question.type == "general":
        score += 3.0
    if slot == "behavioral" and question.type == "general":
        score -= 3.0
    for topic in question.topics:
        weight = JD_WEIGHT * (topic in ctx.jd) + CV_WEIGHT * (topic in ctx.cv and topic not in ctx.jd)
        score += weight if topic not in covered else COVERED_WEIGHT * (weight > 0)
        score -= REPEAT_TOPIC * (topic in covered)
    if question.competency and question.competency in competencies:
        score -= REPEAT_COMPETENCY
    return score


def _reason(question: Question, slot: str, ctx: _Context) -> str:
    role_title = ROLE_TITLES.get(ctx.role, ctx.role.replace("_", " "))
    in_jd = [display(t) for t in question.topics if t in ctx.jd]
    in_cv = [display(t) for t in question.topics if t in ctx.cv and t not in ctx.jd]
    if in_jd and in_cv:
        reason = f"Your job description mentions {join_words(in_jd)} and your resume mentions {join_words(in_cv)}"
    elif in_jd:
        both = [t for t in question.topics if t in ctx.jd and t in ctx.cv]
        source = "job description and resume mention" if len(both) == len(in_jd) else "job description mentions"
        reason = f"Your {source} {join_words(in_jd)}"
    elif in_cv:
        reason = f"Your resume mentions {join_words(in_cv)}"
    elif question.type == "technical":
        topics = join_words([display(t) for t in question.topics[:3]])
        reason = f"Core {ctx.level} {role_title} topic" + (f": {topics}" if topics else "")
    elif question.type == "behavioral":
        reason = f"Behavioral: {question.competency}" if question.competency else "Behavioral question"
    else:
        reason = "General question about your experience and motivation"
    if slot == "warmup" and not (in_jd or in_cv):
        reason = f"Warm-up. {reason}"
    distance = _level_distance(question, ctx.level)
    if distance:
        reason += f" (a {'/'.join(question.levels)}-level question: the bank has no more at {ctx.level} level)"
    if question.id in ctx.avoid:
        reason += " (asked in a recent session: no other question fits)"
    return reason


def select_questions(
    bank: QuestionBank, config: SessionConfig, avoid_ids: Iterable[str] = (), *, seed: str = ""
) -> list[SelectedQuestion]:
    """The session's questions in the order they are asked, each with the reason it was chosen."""
    vocabulary = bank.topics()
    ctx = _Context(
        role=config.role,
        level=config.level,
        jd=find_topics(config.job_description, vocabulary),
        cv=find_topics(config.resume_text, vocabulary),
        avoid=frozenset(avoid_ids),
        seed=seed,
    )
    pool = bank.for_role(config.role)
    standing = {q.id: _standing(q, ctx) for q in pool}
    picked: list[Question] = []
    selected: list[SelectedQuestion] = []
    for slot in _slots(config.interview_type, config.num_questions):
        picked_ids = {q.id for q in picked}
        candidates = [q for q in pool if _fits(q, slot) and q.id not in picked_ids]
        if not candidates:
            continue
        covered = {t for q in picked for t in q.topics}
        competencies = {q.competency for q in picked if q.competency}
        best = max(candidates, key=lambda q: (standing[q.id] + _fit(q, slot, ctx, covered, competencies), q.id))
        picked.append(best)
        selected.append(SelectedQuestion(question=best, reason=_reason(best, slot, ctx)))
    return selected
