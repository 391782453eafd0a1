"""The reminder scan: what is due by `now` and not yet sent, for cases, units and tasks.

A scan looks at open work only (indexed on status/deadline), derives every reminder that is
due by now, and writes those whose idempotency key is new. So a scan run late catches up, a
scan run twice sends nothing new, and a crash before commit leaves nothing half-sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import TZ, Config
from domain.workcal import WorkCalendar
from models.case_settings import work_calendar
from models.cases import DISPATCHED, EXTENDED, IN_PROGRESS, Case
from models.units import Unit
from scheduler.notices import Notice, Planned, write_notices
from scheduler.policy import Policy, load_policy, policy_path

# Statuses in which the responsible unit's clock is running (not 待受理/退回: the office has it).
RUNNING = (DISPATCHED, IN_PROGRESS, EXTENDED)


@dataclass(frozen=True)
class ScanSetup:
    policy: Policy
    calendar: WorkCalendar


def load_setup(config: Config) -> ScanSetup:
    """The policy file and the working-day calendar (read at each scan: cheap, and live)."""
    return ScanSetup(load_policy(policy_path(config.DATA_DIR)), work_calendar(config))


def local(dt: datetime) -> str:
    return dt.astimezone(TZ).strftime("%m月%d日%H:%M")


def _stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y%m%d%H%M")


def office_unit(session: Session) -> Unit | None:
    """The district sorting office: kind office, else the triage unit, else the district."""
    for cond in (Unit.kind == "office", Unit.is_triage.is_(True), Unit.kind == "district"):
        unit = session.scalar(select(Unit).where(cond, Unit.active.is_(True)).order_by(Unit.id))
        if unit is not None:
            return unit
    return None


def main_leader_unit(session: Session) -> Unit | None:
    """Where the main leader sits: the district unit."""
    return session.scalar(select(Unit).where(Unit.kind == "district").order_by(Unit.id))


def case_notices(session: Session, setup: ScanSetup, now: datetime) -> list[Notice]:
    """Yellow, red and escalation notices for open cases whose clock is running.

    The new-case notice is not here: models/case_service.dispatch_case writes it in the
    same transaction as the dispatch, so it goes out at once.
    """
    office = office_unit(session)
    running = session.scalars(select(Case).where(
        Case.status.in_(RUNNING), Case.deadline_at.is_not(None), Case.unit_id.is_not(None)
    ).order_by(Case.deadline_at))
    return [n for case in running for n in _deadline_notices(case, setup, now, office)]


def _deadline_notices(case: Case, setup: ScanSetup, now: datetime,
                      office: Unit | None) -> list[Notice]:
    p, cal = setup.policy.case, setup.calendar
    deadline = case.deadline_at
    assert deadline is not None and case.unit_id is not None
    unit, dl = case.unit, local(deadline)
    base = f"case:{case.number}:{{}}:{_stamp(deadline)}"
    common = dict(ref=case.number, deadline=dl)
    if now < deadline:
        start = case.dispatched_at or case.created_at
        if cal.fraction_elapsed(start, deadline, now) < p.yellow_fraction:
            return []
        text = (f"【黄灯提醒】案件{case.number}（{case.problem_type}）处置时限已用去"
                f"{round(p.yellow_fraction * 100)}%，请于{dl}前整改，回复“办结 {case.number}”上传整改照片。")
        return [Notice(base.format("yellow"), "case_yellow", case.unit_id, p.yellow_to,
                       "案件即将到期", text, level="黄灯", **common)]
    out = [Notice(base.format("red"), "case_red", case.unit_id, p.red_to, "案件已超期催办",
                  f"【催办】案件{case.number}（{case.problem_type}）已超过处置时限{dl}，"
                  f"请立即处置并回复“办结 {case.number}”。", level="红灯催办", **common)]
    if unit is not None and unit.parent_id and now >= cal.add_working_days(
            deadline, p.parent_after_working_days):
        out.append(Notice(base.format("parent"), "case_escalate", unit.parent_id, ("leader",),
                          "下级案件超期", f"【超期上报】{unit.name}的案件{case.number}（"
                          f"{case.problem_type}）已超期{p.parent_after_working_days}个工作日"
                          f"（时限{dl}），请督促处置。", level="超期上报", **common))
    if office is not None and now >= cal.add_working_days(deadline, p.office_after_working_days):
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
    from scheduler import digest, task_reminders

    setup = setup or load_setup(config)
    notices = case_notices(session, setup, now)
    notices += digest.digest_notices(session, setup, now)
    notices += digest.ranking_notices(session, setup, now, dry_run=dry_run)
    notices += task_reminders.task_notices(session, setup, now)
    return write_notices(session, config, notices, now, dry_run=dry_run)
