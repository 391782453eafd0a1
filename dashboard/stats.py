"""Figures for the overview: open, due, overdue, closed, on-time rate, satisfaction, trend."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from config import TZ
from dashboard.scope import Scoped, scoped_cases
from models import Case, Unit
from models.cases import CLOSED, OPEN_STATUSES

TREND_WEEKS = 8


@dataclass(frozen=True)
class Overview:
    open: int
    due_today: int
    overdue: int
    closed_month: int
    on_time_rate: float | None
    satisfaction: float | None
    rated: int
    weeks: list[str]
    trend: dict[str, list[int]]  # problem type -> cases per week
    worst_units: list[tuple[str, int]]


def _count(session: Session, staff: Scoped, query: Select[Any]) -> int:
    return int(session.scalar(scoped_cases(query, staff)) or 0)


def day_start(now: datetime) -> datetime:
    local = now.astimezone(TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def overview(session: Session, staff: Scoped, now: datetime) -> Overview:
    """Every figure on the overview page, scoped to what the user may see."""
    count = select(func.count(Case.id))
    is_open = Case.status.in_(OPEN_STATUSES)
    today = day_start(now)
    month = today.replace(day=1)
    closed = list(session.execute(scoped_cases(
        select(Case.closed_at, Case.deadline_at, Case.rectified_at)
        .where(Case.status == CLOSED, Case.closed_at >= month), staff)))
    timed = [(c, d, r) for c, d, r in closed if d is not None]
    on_time = sum(1 for c, d, r in timed if (r or c) <= d)
    rated = list(session.scalars(scoped_cases(
        select(Case.satisfaction).where(Case.satisfaction.is_not(None)), staff)))
    return Overview(
        open=_count(session, staff, count.where(is_open)),
        due_today=_count(session, staff, count.where(
            is_open, Case.deadline_at >= now, Case.deadline_at < today + timedelta(days=1))),
        overdue=_count(session, staff, count.where(is_open, Case.deadline_at < now)),
        closed_month=len(closed),
        on_time_rate=on_time / len(timed) if timed else None,
        satisfaction=sum(rated) / len(rated) if rated else None,
        rated=len(rated),
        **_trend(session, staff, today),
        worst_units=_worst_units(session, staff, now),
    )


def _trend(session: Session, staff: Scoped, today: datetime) -> dict[str, Any]:
    monday = today - timedelta(days=today.weekday())
    start = monday - timedelta(weeks=TREND_WEEKS - 1)
    weeks = [(start + timedelta(weeks=i)).strftime("%m-%d") for i in range(TREND_WEEKS)]
    counts: Counter[tuple[str, int]] = Counter()
    for created, kind in session.execute(scoped_cases(
            select(Case.created_at, Case.problem_type).where(Case.created_at >= start), staff)):
        counts[(kind, (created.astimezone(TZ) - start).days // 7)] += 1
    kinds = sorted({k for k, _ in counts})
    trend = {k: [counts[(k, i)] for i in range(TREND_WEEKS)] for k in kinds}
    return {"weeks": weeks, "trend": trend}


def _worst_units(session: Session, staff: Scoped, now: datetime,
                 limit: int = 5) -> list[tuple[str, int]]:
    query = (select(Unit.name, func.count(Case.id)).join(Unit, Case.unit_id == Unit.id)
             .where(Case.status.in_(OPEN_STATUSES), Case.deadline_at < now)
             .group_by(Unit.name).order_by(func.count(Case.id).desc(), Unit.name).limit(limit))
    return [(name, int(n)) for name, n in session.execute(scoped_cases(query, staff))]
