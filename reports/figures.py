"""What a bulletin says: the period's figures, ranking, bottom units' overdue cases, tasks.

The ranking follows the monthly ranking's rules (scheduler/digest.py): units of the ranked
kinds with cases filed in the period, ordered by on-time rate, then rework rate, then volume.
It is computed afresh for any period and never stored.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import TZ
from models.cases import CLOSED, DUPLICATE, OPEN_STATUSES, REJECTED, Case
from reminders.policy import RankingPolicy
from models.tasks import Task
from models.units import Unit
from reports.period import Period


@dataclass(frozen=True)
class UnitRank:
    rank: int
    unit_id: int
    name: str
    volume: int
    on_time_rate: float | None
    rework_rate: float
    bottom: bool


@dataclass(frozen=True)
class OverdueCase:
    number: str
    unit: str
    problem_type: str
    address: str
    deadline: str  # local "YYYY-MM-DD HH:MM"
    status: str


@dataclass(frozen=True)
class TaskLine:
    number: str
    title: str
    due: date
    state: str  # 已完成 | 逾期 | 未到期


@dataclass(frozen=True)
class Bulletin:
    period: Period
    generated_at: datetime
    cases: int
    closed: int
    on_time_rate: float | None
    rework_rate: float | None
    satisfaction: float | None  # 1–3
    rated: int
    by_type: dict[str, int]
    ranking: list[UnitRank]
    bottom: list[tuple[UnitRank, list[OverdueCase]]]
    tasks: list[TaskLine] = field(default_factory=list)

    def tasks_in(self, state: str) -> list[TaskLine]:
        return [t for t in self.tasks if t.state == state]


def _done_at(case: Case) -> datetime | None:
    return case.rectified_at or case.closed_at


def _judged(case: Case, end: datetime) -> bool:
    return case.deadline_at is not None and (_done_at(case) is not None or case.deadline_at < end)


def _on_time(case: Case) -> bool:
    done = _done_at(case)
    return case.deadline_at is not None and done is not None and done <= case.deadline_at


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _overdue(case: Case, now: datetime) -> bool:
    if case.deadline_at is None:
        return False
    done = _done_at(case)
    return done > case.deadline_at if done is not None else (
        case.status in OPEN_STATUSES and case.deadline_at < now)


def _local(value: datetime) -> str:
    return value.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def rank_units(cases: list[Case], units: dict[int, Unit], end: datetime,
               policy: RankingPolicy) -> list[UnitRank]:
    """The period's ranking over units of the ranked kinds; the last `policy.bottom` flagged."""
    stats: dict[int, list[int]] = {}  # unit → [volume, judged, on_time, reworked]
    for case in cases:
        unit = units.get(case.unit_id or 0)
        if unit is None or unit.kind not in policy.kinds:
            continue
        s = stats.setdefault(unit.id, [0, 0, 0, 0])
        s[0] += 1
        s[1] += _judged(case, end)
        s[2] += _on_time(case)
        s[3] += case.rework_count > 0
    scored = sorted(stats.items(), key=lambda kv: (
        -(kv[1][2] / kv[1][1] if kv[1][1] else 1.0), kv[1][3] / kv[1][0], -kv[1][0], kv[0]))
    bottom = {u for u, _ in scored[-policy.bottom:]} if len(scored) > policy.bottom else set()
    return [UnitRank(rank, u, units[u].name, v, _rate(o, j), r / v, u in bottom)
            for rank, (u, (v, j, o, r)) in enumerate(scored, start=1)]


def _tasks(session: Session, period: Period, now: datetime) -> list[TaskLine]:
    today = now.astimezone(TZ).date()
    lines = []
    for task in session.scalars(select(Task).order_by(Task.plan_id, Task.id)):
        for iso in task.due_dates or []:
            due = date.fromisoformat(iso)
            if not period.first <= due < period.after:
                continue
            done = task.status == "done"
            late = (not done and due < today) or (
                done and task.done_at is not None and task.done_at.astimezone(TZ).date() > due)
            state = "逾期" if late else "已完成" if done else "未到期"
            lines.append(TaskLine(task.number, task.title, due, state))
    return sorted(lines, key=lambda t: (t.due, t.number))


def build_bulletin(session: Session, period: Period, now: datetime,
                   policy: RankingPolicy | None = None) -> Bulletin:
    """Every figure and table of one period's bulletin, over all units."""
    policy = policy or RankingPolicy()
    start, end = period.start, period.end
    cases = [c for c in session.scalars(select(Case).where(
        Case.created_at >= start, Case.created_at < end).order_by(Case.id))
        if c.status not in (DUPLICATE, REJECTED)]
    units = {u.id: u for u in session.scalars(select(Unit))}
    judged = [c for c in cases if _judged(c, end)]
    rated = [c.satisfaction for c in session.scalars(select(Case).where(
        Case.closed_at >= start, Case.closed_at < end, Case.satisfaction.is_not(None)))
        if c.satisfaction is not None]
    ranking = rank_units(cases, units, end, policy)
    overdue: dict[int, list[OverdueCase]] = {}
    for c in cases:
        unit = units.get(c.unit_id or 0)
        if unit is not None and c.deadline_at is not None and _overdue(c, now):
            overdue.setdefault(unit.id, []).append(OverdueCase(
                c.number, unit.name, c.problem_type, c.address, _local(c.deadline_at), c.status))
    return Bulletin(
        period=period, generated_at=now, cases=len(cases),
        closed=sum(1 for c in cases if c.status == CLOSED),
        on_time_rate=_rate(sum(1 for c in judged if _on_time(c)), len(judged)),
        rework_rate=_rate(sum(1 for c in cases if c.rework_count > 0), len(cases)),
        satisfaction=sum(rated) / len(rated) if rated else None, rated=len(rated),
        by_type=dict(Counter(c.problem_type for c in cases).most_common()),
        ranking=ranking,
        bottom=[(r, overdue.get(r.unit_id, [])) for r in ranking if r.bottom],
        tasks=_tasks(session, period, now))
