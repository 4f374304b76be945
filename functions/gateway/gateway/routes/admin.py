"""``/api/admin``: aggregate usage statistics for the administrators' Cognito group, and nothing else.

The numbers come from daily counters kept from the table's stream (:mod:`practice_shared.store.stats`); no
session, answer, audio or identity of any user is read or returned.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from gateway.identity import current_admin
from practice_shared.auth import Identity
from practice_shared.store import stats

router = APIRouter(prefix="/api/admin", tags=["admin"])
Admin = Annotated[Identity, Depends(current_admin)]


class DayStats(BaseModel):
    """One UTC day's totals."""

    date: str
    sessions_created: int
    sessions_completed: int
    answers: int
    mean_score: float | None = None


class Stats(BaseModel):
    """Daily totals, oldest first, and their sum over the period."""

    days: list[DayStats]
    total: DayStats


def _summary(label: str, rows: list[dict[str, float]]) -> DayStats:
    scored = sum(r["scored_sessions"] for r in rows)
    return DayStats(
        date=label,
        sessions_created=int(sum(r["sessions_created"] for r in rows)),
        sessions_completed=int(sum(r["sessions_completed"] for r in rows)),
        answers=int(sum(r["answers"] for r in rows)),
        mean_score=round(sum(r["score_total"] for r in rows) / scored, 2) if scored else None,
    )


@router.get("/stats", response_model=Stats, summary="Aggregate usage statistics (administrators only)")
async def usage_stats(_: Admin, days: Annotated[int, Query(ge=1, le=90)] = 7) -> Any:
    """Sessions created and completed, answers recorded and the mean overall score, per UTC day."""
    rows = stats.daily(days)
    return Stats(days=[_summary(r["date"], [r]) for r in rows], total=_summary(f"last {days} days", rows))
