"""Optional evaluation by a model on Amazon Bedrock (Converse API), with the offline evaluator as fallback.

With ``LLM_ENGINE=bedrock`` the answer is first measured offline (similarities, delivery and other signals),
then the model is asked to score the criteria that apply, say which key points were covered and find the
STAR parts, as strict JSON. The JSON is validated with Pydantic; the overall is recomputed from the model's
criterion scores with the evaluator's weights, so both engines weigh criteria the same way. On any failure
(client error, throttling, timeout, bad JSON, a reply that does not validate) the offline evaluation is
returned, with ``engine="offline"`` and ``engine_note`` saying why Bedrock was not used: a score is never
made up.
"""

import json
import re
from typing import Literal

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, Field, ValidationError

from interview.engine import evaluator
from interview.engine.evaluator import WEIGHTS, weighted_overall
from practice_shared.aws import client
from practice_shared.config import Settings, get_settings
from practice_shared.models.common import Criterion
from practice_shared.models.interview import CriterionScore, Evaluation, KeyPointMatch, Question, StarPart
from practice_shared.models.voice import DeliveryMetrics
from practice_shared.observability import logger

MAX_TOKENS = 1500


class _LlmCriterion(BaseModel):
    criterion: Criterion
    score: float = Field(ge=1, le=10)
    evidence: list[str] = Field(default=[], max_length=6)
    lowered_by: list[str] = Field(default=[], max_length=6)


class _LlmKeyPoint(BaseModel):
    index: int = Field(ge=0)
    covered: bool
    evidence: str | None = None


class _LlmStar(BaseModel):
    part: Literal["situation", "task", "action", "result", "reflection"]
    found: bool
    evidence: str | None = None


class _LlmReply(BaseModel):
    """The JSON the model must return."""

    criteria: list[_LlmCriterion]
    key_points: list[_LlmKeyPoint]
    star: list[_LlmStar] = []


class BedrockFailure(Exception):
    """Bedrock could not give a valid evaluation; the message says why, in plain words."""


def _prompt(question: Question, answer: str, role: str, level: str, delivery: DeliveryMetrics | None) -> str:
    criteria = list(WEIGHTS[question.type])
    lines = [
        f"Role: {role}, level: {level}. Question type: {question.type}.",
        f"Question: {question.text}",
        "Key points a strong answer covers (by index):",
        *[f"{i}. {point}" for i, point in enumerate(question.key_points)],
        *(
            ["Known misconceptions about this question (an answer that states one is technically wrong):"]
            + [f"- Wrong: {m.wrong} Correct: {m.right}" for m in question.misconceptions]
            if question.misconceptions
            else []
        ),
        f"Score only these criteria, 1 to 10: {', '.join(criteria)}.",
        "Judge meaning, not keywords: jargon and STAR labels without substance score low; a concise correct "
        "answer is not penalized for brevity; a fluent but technically wrong answer scores low on technical_depth; "
        "an answer told only with 'we' scores low on star_structure and role_relevance.",
    ]
    if delivery is not None:
        pace = f"at {delivery.words_per_minute:.0f} words per minute " if delivery.words_per_minute else ""
        lines.append(
            f"It was spoken {pace}with "
            f"{delivery.fillers_per_100_words:.1f} fillers per 100 words; the longest pause was "
            f"{delivery.longest_pause_seconds:.1f} seconds. Let this inform clarity and communication."
        )
    star = ', "star": [{"part": "situation|task|action|result|reflection", "found": true, "evidence": "quote"}]'
    lines += [
        "Reply with JSON only, no prose, exactly this shape:",
        '{"criteria": [{"criterion": "name", "score": 7, "evidence": ["..."], "lowered_by": ["..."]}], '
        '"key_points": [{"index": 0, "covered": true, "evidence": "quote from the answer or null"}]'
        + (star if question.type == "behavioral" else "")
        + "}",
        "Answer to evaluate:",
        answer,
    ]
    return "\n".join(lines)


def _reply_text(response: dict) -> str:
    content = response.get("output", {}).get("message", {}).get("content", [])
    text = "".join(block.get("text", "") for block in content)
    if not text.strip():
        raise BedrockFailure("Bedrock returned an empty reply.")
    return text


def _parse(text: str, question: Question) -> _LlmReply:
    match = re.search(r"\{.*\}", text, re.DOTALL)
    if match is None:
        raise BedrockFailure("Bedrock's reply was not JSON.")
    try:
        reply = _LlmReply.model_validate(json.loads(match.group(0)))
    except json.JSONDecodeError as exc:
        raise BedrockFailure(f"Bedrock's reply was not valid JSON ({exc.msg}).") from exc
    except ValidationError as exc:
        raise BedrockFailure(
            f"Bedrock's reply did not match the evaluation shape ({exc.error_count()} errors)."
        ) from exc
    expected = set(WEIGHTS[question.type])
    got = {c.criterion for c in reply.criteria}
    if got != expected or len(reply.criteria) != len(expected):
        raise BedrockFailure(f"Bedrock scored {sorted(got)} instead of {sorted(expected)}.")
    if any(k.index >= len(question.key_points) for k in reply.key_points):
        raise BedrockFailure("Bedrock referred to a key point that does not exist.")
    return reply


def _merge(question: Question, reply: _LlmReply, offline: Evaluation, model_id: str) -> Evaluation:
    covered = {k.index: k for k in reply.key_points}
    key_points = [
        KeyPointMatch(
            key_point=match.key_point,
            covered=covered[i].covered if i in covered else False,
            similarity=match.similarity,
            evidence=covered[i].evidence if i in covered and covered[i].covered else None,
        )
        for i, match in enumerate(offline.key_points)
    ]
    order = list(WEIGHTS[question.type])
    criteria = sorted(
        (
            CriterionScore(criterion=c.criterion, score=round(c.score, 1), evidence=c.evidence, lowered_by=c.lowered_by)
            for c in reply.criteria
        ),
        key=lambda c: order.index(c.criterion),
    )
    return Evaluation(
        overall=weighted_overall(question.type, {c.criterion: c.score for c in criteria}),
        criteria=criteria,
        key_points=key_points,
        star=[StarPart(part=s.part, found=s.found, evidence=s.evidence if s.found else None) for s in reply.star]
        if question.type == "behavioral"
        else [],
        signals=offline.signals | {"llm_model": model_id},
        engine="bedrock",
    )


def bedrock_evaluate(
    question: Question,
    answer: str,
    *,
    role: str,
    level: str,
    delivery: DeliveryMetrics | None,
    offline: Evaluation,
    model_id: str,
) -> Evaluation:
    """Ask Bedrock for the evaluation; raise :class:`BedrockFailure` when it cannot give a valid one."""
    try:
        response = client("bedrock-runtime").converse(
            modelId=model_id,
            system=[{"text": "You are a strict, fair senior interviewer. You reply with JSON only."}],
            messages=[{"role": "user", "content": [{"text": _prompt(question, answer, role, level, delivery)}]}],
            inferenceConfig={"maxTokens": MAX_TOKENS, "temperature": 0.0},
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise BedrockFailure(f"Bedrock refused the request ({code}).") from exc
    except BotoCoreError as exc:
        raise BedrockFailure(f"Bedrock could not be reached ({type(exc).__name__}).") from exc
    if response.get("stopReason") == "max_tokens":
        raise BedrockFailure("Bedrock's reply was cut off at the token limit.")
    return _merge(question, _parse(_reply_text(response), question), offline, model_id)


def evaluate(
    question: Question,
    answer: str,
    *,
    role: str,
    level: str,
    delivery: DeliveryMetrics | None = None,
    settings: Settings | None = None,
) -> Evaluation:
    """Evaluate with the configured engine: offline, or Bedrock with the offline evaluator as fallback."""
    settings = settings or get_settings()
    offline = evaluator.evaluate(question, answer, role=role, level=level, delivery=delivery)
    if settings.llm_engine != "bedrock" or not answer.strip():
        return offline
    try:
        return bedrock_evaluate(
            question,
            answer,
            role=role,
            level=level,
            delivery=delivery,
            offline=offline,
            model_id=settings.bedrock_model_id,
        )
    except BedrockFailure as exc:
        logger.warning("Bedrock evaluation failed, using the offline evaluator", extra={"reason": str(exc)})
        return offline.model_copy(update={"engine_note": f"Bedrock evaluation failed: {exc} Scored offline."})
