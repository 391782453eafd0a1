"""The reminder scan: what is due by `now` and not yet sent, for cases, units and tasks.

Cases are picked by their stored next reminder moment (`Case.next_reminder_at`, indexed with
the status; see reminders/schedule.py), so a scan reads only the cases with something
due, not every open case. For each it derives the reminders due by now, writes those whose
idempotency key is new, and moves the case on to its next stage in the same transaction. So
a scan run late catches up, a scan run twice sends nothing new, and a crash before commit
leaves nothing half-sent.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from config import TZ, Config
from models.cases import Case
from models.units import Unit
from reminders import digest, task_reminders
from reminders.notices import Notice, Planned, write_notices
from reminders.schedule import OFFICE, PARENT, RED, RUNNING, YELLOW, advance, stage_times
from reminders.setup import ScanSetup, load_setup, office_unit

BATCH = 500  # cases read per query


def local(dt: datetime) -> str:
    return dt.astimezone(TZ).strftime("%m月%d日%H:%M")


def _stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y%m%d%H%M")


def due_cases(session: Session, now: datetime, after: tuple[datetime, int] | None = None,
              limit: int = BATCH) -> list[Case]:
    """Running cases whose next reminder is due by `now`, oldest first, after a (time, id)."""
    query = select(Case).where(Case.status.in_(RUNNING), Case.next_reminder_at <= now)
    if after is not None:
        query = query.where(or_(Case.next_reminder_at > after[0],
                                and_(Case.next_reminder_at == after[0], Case.id > after[1])))
    return list(session.scalars(query.options(selectinload(Case.unit))
                                .order_by(Case.next_reminder_at, Case.id).limit(limit)))


def case_notices(session: Session, setup: ScanSetup, now: datetime, dry_run: bool = False,
                 batch_size: int = BATCH) -> list[Notice]:
    """Yellow, red and escalation notices for the running cases with a reminder due.

    Each case is moved on to its next stage (not in a dry run). The new-case notice is not
    here: services/cases.dispatch_case writes it in the same transaction as the dispatch,
    so it goes out at once.
    """
    office = office_unit(session)
    out: list[Notice] = []
    after: tuple[datetime, int] | None = None
    while batch := due_cases(session, now, after, batch_size):
        for case in batch:
            if case.deadline_at is not None and case.unit_id is not None:
                out += _deadline_notices(case, setup, now, office)
        last = batch[-1]
        assert last.next_reminder_at is not None
        after = (last.next_reminder_at, last.id)
        if not dry_run:
            for case in batch:
                advance(case, setup.calendar, setup.policy.case, now)
            session.flush()
    return out


def _deadline_notices(case: Case, setup: ScanSetup, now: datetime,
                      office: Unit | None) -> list[Notice]:
    """The notices of every stage due by `now`; when a stage falls due is schedule.py's call."""
    p, cal = setup.policy.case, setup.calendar
    deadline = case.deadline_at
    assert deadline is not None and case.unit_id is not None
    # Past the deadline the yellow light is outranked by red: not computed, not sent.
    due = {stage for stage, at in stage_times(case, cal, p, with_yellow=now < deadline)
           if at <= now}
    unit, dl = case.unit, local(deadline)
    base = f"case:{case.number}:{{}}:{_stamp(deadline)}"
    common = dict(ref=case.number, deadline=dl)
    out: list[Notice] = []
    if YELLOW in due:
        text = (f"【黄灯提醒】案件{case.number}（{case.problem_type}）处置时限已用去"
                f"{round(p.yellow_fraction * 100)}%，请于{dl}前整改，回复“办结 {case.number}”上传整改照片。")
        out.append(Notice(base.format("yellow"), "case_yellow", case.unit_id, p.yellow_to,
                          "案件即将到期", text, level="黄灯", **common))
    if RED in due:
        out.append(Notice(base.format("red"), "case_red", case.unit_id, p.red_to, "案件已超期催办",
                          f"【催办】案件{case.number}（{case.problem_type}）已超过处置时限{dl}，"
                          f"请立即处置并回复“办结 {case.number}”。", level="红灯催办", **common))
    if PARENT in due and unit is not None and unit.parent_id:
        out.append(Notice(base.format("parent"), "case_escalate", unit.parent_id, ("leader",),
                          "下级案件超期", f"【超期上报】{unit.name}的案件{case.number}（"
                          f"{case.problem_type}）已超期{p.parent_after_working_days}个工作日"
                          f"（时限{dl}），请督促处置。", level="超期上报", **common))
    if OFFICE in due and office is not None:
        name = unit.name if unit is not None else ""
        out.append(Notice(base.format("office"), "case_supervise", office.id,
                          ("member", "leader"), "案件超期督办",
                          f"【督办】{name}的案件{case.number}（{case.problem_type}）已超期"
                          f"{p.office_after_working_days}个工作日（时限{dl}），请区分类办督办。",
                          level="督办", **common))
    return out


def scan(session: Session, config: Config, now: datetime, *, dry_run: bool = False,
         setup: ScanSetup | None = None) -> list[Planned]:
    """One scan as of `now`: writes (or, dry run, lists) every reminder due and not yet sent."""
    setup = setup or load_setup(session, config)
    notices = case_notices(session, setup, now, dry_run=dry_run)
    notices += digest.digest_notices(session, setup, now)
    notices += digest.ranking_notices(session, setup, now, dry_run=dry_run)
    notices += task_reminders.task_notices(session, setup, now)
    return write_notices(session, config, notices, now, dry_run=dry_run)
