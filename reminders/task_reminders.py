"""Reminders for rectification-plan tasks: before, on and after each deadline or check-in."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from config import TZ
from domain.deadlines import occurrences
from reminders.policy import TaskPolicy
from models.tasks import Task, TaskReport
from services.tasks import task_spec
from reminders.notices import Notice
from reminders.setup import ScanSetup

TITLES = {"day": "整改任务今日到期", "overdue": "整改任务已超期", "checkin": "常态化任务进展报送"}


def _levels(kind: str, occ: date, p: TaskPolicy) -> list[tuple[str, date, date]]:
    """(level, first day it fires, last day it is still worth sending) for one occurrence."""
    before = p.before_days if kind == "fixed" else p.recurring_before_days
    if kind == "checkin":
        return [("checkin", occ - timedelta(days=p.checkin_before_days), occ)]
    out = [(f"before{d}", occ - timedelta(days=d), occ - timedelta(days=1)) for d in before]
    if p.on_the_day and kind == "fixed":
        out.append(("day", occ, occ))
    if p.overdue:
        out.append(("overdue", occ + timedelta(days=1), occ + timedelta(days=p.catchup_days)))
    return out


def due_level(kind: str, occ: date, now: datetime, p: TaskPolicy) -> str | None:
    """The latest reminder level for this occurrence that is due at `now` and not stale."""
    local_now = now.astimezone(TZ)
    today = local_now.date()
    best = None
    for level, first, last in _levels(kind, occ, p):
        fire = datetime.combine(first, time(p.hour), tzinfo=TZ)
        if fire <= local_now and today <= last and (best is None or first >= best[1]):
            best = (level, first)
    return best[0] if best else None


def _text(task: Task, level: str, occ: date) -> str:
    title = task.title if len(task.title) <= 30 else task.title[:29] + "…"
    ref = f"T{task.id}"
    when = f"{occ:%Y年%m月%d日}"
    if level == "checkin":
        return (f"【任务报送】常态化任务{ref}（{title}）请于{when}前报送本期进展，"
                f"回复“完成 {ref} 进展说明”。")
    if level == "day":
        head = f"今天（{when}）到期"
    elif level == "overdue":
        head = f"已于{when}到期，尚未报告完成，已超期"
    else:
        head = f"将于{when}到期（还有{level.removeprefix('before')}天）"
    return (f"【任务提醒】整改任务{ref}（{title}）{head}。完成时限：{task.deadline_text}。"
            f"完成后回复“完成 {ref} 完成情况”。")


def task_notices(session: Session, setup: ScanSetup, now: datetime) -> list[Notice]:
    """Notices for every open task's lead and responsible units that are due by `now`."""
    p = setup.policy.task
    today = now.astimezone(TZ).date()
    ahead = max([*p.before_days, *p.recurring_before_days, p.checkin_before_days, 0])
    tasks = session.scalars(select(Task).where(Task.status == "open")
                            .options(selectinload(Task.links)).order_by(Task.id))
    out: list[Notice] = []
    for task in tasks:
        if not task.links:
            continue
        spec = task_spec(task)
        reported = {(r.unit_id, r.period) for r in session.scalars(
            select(TaskReport).where(TaskReport.task_id == task.id))}
        fixed = set(spec.due_dates)
        for occ in occurrences(spec, today - timedelta(days=p.catchup_days + 1),
                               today + timedelta(days=ahead)):
            kind = "fixed" if occ in fixed else ("checkin" if spec.ongoing and not
                                                 spec.recurrence else "recurring")
            level = due_level(kind, occ, now, p)
            if level is None:
                continue
            for link in task.links:
                if (link.unit_id, occ.isoformat()) in reported:
                    continue
                role = "牵头" if link.role == "lead" else "责任"
                out.append(Notice(f"task:{task.id}:{occ.isoformat()}:{level}", f"task_{level}",
                                  link.unit_id, p.to, TITLES.get(level, "整改任务即将到期"),
                                  _text(task, level, occ), ref=f"T{task.id} {task.number}",
                                  deadline=occ.isoformat(), level=f"{role}单位"))
    return out
