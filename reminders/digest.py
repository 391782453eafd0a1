"""The daily digest to units and the monthly ranking (末位约谈, two months → main leader)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import TZ
from models.cases import OPEN_STATUSES, Case
from models.tasks import RankingEntry
from models.units import Unit
from reminders.notices import Notice
from reminders.setup import ScanSetup, main_leader_unit, office_unit


def digest_notices(session: Session, setup: ScanSetup, now: datetime) -> list[Notice]:
    """Today's digest (from the set hour, working days only) to units with open cases."""
    p = setup.policy.digest
    local_now = now.astimezone(TZ)
    today = local_now.date()
    if not setup.calendar.is_workday(today) or local_now.time() < time(p.hour, p.minute):
        return []
    day_start = datetime.combine(today, time(0), tzinfo=TZ)
    day_end = day_start + timedelta(days=1)
    rows = session.execute(
        select(Case.unit_id, func.count(),
               func.sum(sql_case(((Case.deadline_at >= day_start)
                                  & (Case.deadline_at < day_end), 1), else_=0)),
               func.sum(sql_case((Case.deadline_at < now, 1), else_=0)))
        .where(Case.status.in_(OPEN_STATUSES), Case.unit_id.is_not(None))
        .group_by(Case.unit_id)).all()
    out = []
    for unit_id, open_count, due_today, overdue in rows:
        if not open_count:
            continue
        text = (f"【每日提醒】{today:%m月%d日}，本单位在办案件{open_count}件，"
                f"今日到期{int(due_today or 0)}件，已超期{int(overdue or 0)}件。发“待办”查看。")
        out.append(Notice(f"digest:{today.isoformat()}:u{unit_id}", "digest", unit_id, p.to,
                          "每日案件提醒", text, ref=f"在办{open_count}件",
                          deadline=f"超期{int(overdue or 0)}件", level="每日提醒",
                          robot_once=True))
    return out


def previous_month(today: date) -> tuple[str, datetime, datetime]:
    """('YYYY-MM', start, end) of the month before `today`, as aware local instants."""
    first = today.replace(day=1)
    start_day = (first - timedelta(days=1)).replace(day=1)
    start = datetime.combine(start_day, time(0), tzinfo=TZ)
    end = datetime.combine(first, time(0), tzinfo=TZ)
    return start_day.strftime("%Y-%m"), start, end


def compute_ranking(session: Session, setup: ScanSetup, month: str, start: datetime,
                    end: datetime) -> list[RankingEntry]:
    """Rank units with cases filed in the month (once; kept in the rankings table)."""
    existing = list(session.scalars(select(RankingEntry).where(RankingEntry.month == month)
                                    .order_by(RankingEntry.rank)))
    if existing:
        return existing
    p = setup.policy.ranking
    # Judged: a case with a deadline that was done, or whose deadline fell inside the month.
    done_at = func.coalesce(Case.rectified_at, Case.closed_at)
    judged = Case.deadline_at.is_not(None) & (done_at.is_not(None) | (Case.deadline_at < end))
    on_time = Case.deadline_at.is_not(None) & done_at.is_not(None) & (done_at <= Case.deadline_at)
    rows = session.execute(
        select(Case.unit_id, func.count(), func.sum(sql_case((judged, 1), else_=0)),
               func.sum(sql_case((on_time, 1), else_=0)),
               func.sum(sql_case((Case.rework_count > 0, 1), else_=0)))
        .join(Unit, Unit.id == Case.unit_id)
        .where(Case.created_at >= start, Case.created_at < end, Unit.kind.in_(p.kinds))
        .group_by(Case.unit_id)).all()
    # unit → [volume, judged, on_time, reworked]
    stats = {int(u): [int(v), int(j or 0), int(o or 0), int(r or 0)] for u, v, j, o, r in rows}
    scored = sorted(stats.items(), key=lambda kv: (
        -(kv[1][2] / kv[1][1] if kv[1][1] else 1.0), kv[1][3] / kv[1][0], -kv[1][0], kv[0]))
    bottom = set(u for u, _ in scored[-p.bottom:]) if len(scored) > p.bottom else set()
    entries = []
    for rank, (unit_id, (volume, judged, on_time, reworked)) in enumerate(scored, start=1):
        entry = RankingEntry(month=month, unit_id=unit_id, rank=rank, volume=volume,
                             on_time_rate=on_time / judged if judged else None,
                             rework_rate=reworked / volume, bottom=unit_id in bottom)
        session.add(entry)
        entries.append(entry)
    session.flush()
    return entries


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def ranking_notices(session: Session, setup: ScanSetup, now: datetime,
                    dry_run: bool = False) -> list[Notice]:
    """From the set day and hour: last month's ranking to the office and every unit's leader."""
    p = setup.policy.ranking
    local_now = now.astimezone(TZ)
    if local_now.day < p.day or local_now.time() < time(p.hour):
        return []
    month, start, end = previous_month(local_now.date())
    if dry_run and not session.scalar(select(func.count()).select_from(RankingEntry)
                                      .where(RankingEntry.month == month)):
        with session.begin_nested() as nested:
            entries = compute_ranking(session, setup, month, start, end)
            notices = _ranking_notices(session, setup, month, entries)
            nested.rollback()
        return notices
    return _ranking_notices(session, setup, month, compute_ranking(session, setup, month,
                                                                   start, end))


def _ranking_notices(session: Session, setup: ScanSetup, month: str,
                     entries: list[RankingEntry]) -> list[Notice]:
    if not entries:
        return []
    units = {u.id: u for u in session.scalars(select(Unit))}
    lines = [f"{e.rank}. {units[e.unit_id].name} 按时率{_pct(e.on_time_rate)} "
             f"返工率{_pct(e.rework_rate)} 件数{e.volume}" for e in entries]
    bottom = [e for e in entries if e.bottom]
    summary = (f"【{month}月度排名】\n" + "\n".join(lines) + (
        "\n末位：" + "、".join(units[e.unit_id].name for e in bottom) if bottom else ""))
    title = f"{month}垃圾分类案件排名"
    out: list[Notice] = []
    office = office_unit(session)
    if office is not None:
        out.append(Notice(f"ranking:{month}:office", "ranking", office.id, ("member", "leader"),
                          title, summary, ref=month, level="月度排名"))
    for unit in units.values():
        if unit.active and (office is None or unit.id != office.id):
            out.append(Notice(f"ranking:{month}:leader", "ranking", unit.id, ("leader",), title,
                              summary, ref=month, level="月度排名"))
    prev = _month_before(month)
    prev_bottom = set(session.scalars(select(RankingEntry.unit_id).where(
        RankingEntry.month == prev, RankingEntry.bottom.is_(True))))
    main = main_leader_unit(session)
    for e in bottom:
        unit = units[e.unit_id]
        text = (f"【末位约谈】{unit.name}在{month}案件排名第{e.rank}位（倒数五名），"
                f"按时率{_pct(e.on_time_rate)}，返工率{_pct(e.rework_rate)}，请约谈督促整改。")
        if unit.parent_id:
            out.append(Notice(f"ranking:{month}:bottom:u{unit.id}", "ranking_bottom",
                              unit.parent_id, ("leader",), "末位约谈", text, ref=unit.name,
                              level="末位约谈"))
        if e.unit_id in prev_bottom and main is not None:
            out.append(Notice(f"ranking:{month}:twice:u{unit.id}", "ranking_escalate", main.id,
                              ("leader",), "连续两月末位",
                              f"【连续两月末位】{unit.name}在{prev}和{month}连续两个月排名"
                              f"倒数五名，请主要领导约谈。", ref=unit.name, level="主要领导约谈"))
    return out


def _month_before(month: str) -> str:
    y, m = map(int, month.split("-"))
    return f"{y - 1}-12" if m == 1 else f"{y}-{m - 1:02d}"
