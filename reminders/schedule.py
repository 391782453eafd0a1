"""When a case's next reminder falls due, stored on the case so the scan can use an index.

A running case's clock has up to four stages: yellow (a share of the working time used),
red (the deadline), parent (the parent unit's leader, N working days late) and office
(督办, M working days late). `Case.next_reminder_at` is the next stage's moment and
`Case.reminder_stage` the last one reached. The case service calls `schedule_reminders`
whenever a case's clock or status changes; the scan calls `advance` after writing a stage's
reminders. So a scan reads only the cases that have something due.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from domain.workcal import WorkCalendar
from models.cases import DISPATCHED, EXTENDED, IN_PROGRESS, Case
from reminders.policy import CasePolicy

# Statuses in which the responsible unit's clock is running (not 待受理/退回: the office has it).
RUNNING = (DISPATCHED, IN_PROGRESS, EXTENDED)
NONE, YELLOW, RED, PARENT, OFFICE = "none", "yellow", "red", "parent", "office"
STAGES = (NONE, YELLOW, RED, PARENT, OFFICE)
_SECOND = timedelta(seconds=1)


def clock_start(case: Case) -> datetime:
    """Where the case's working time is counted from (as the yellow light counts it)."""
    return case.dispatched_at or case.created_at


def yellow_moment(calendar: WorkCalendar, start: datetime, deadline: datetime,
                  fraction: float) -> datetime | None:
    """The first whole second at which `fraction` of the working time is used (None: never)."""
    if fraction <= 0:
        return start if start < deadline else None
    total = calendar.working_time(start, deadline)
    if fraction >= 1 or total <= timedelta(0):
        return None  # fraction_elapsed stays below 1 before the deadline
    at = calendar.add_working_hours(start, total.total_seconds() * fraction / 3600)
    if at.microsecond:
        at = at.replace(microsecond=0) + _SECOND
    # Float rounding may land a hair early: step on until the scan would agree.
    while at < deadline and calendar.fraction_elapsed(start, deadline, at) < fraction:
        at += _SECOND
    return at if at < deadline else None


def stage_times(case: Case, calendar: WorkCalendar, policy: CasePolicy,
                with_yellow: bool = True) -> list[tuple[str, datetime]]:
    """Every stage of a running case's clock with its moment, in stage order."""
    deadline = case.deadline_at
    assert deadline is not None
    out: list[tuple[str, datetime]] = []
    yellow = (yellow_moment(calendar, clock_start(case), deadline, policy.yellow_fraction)
              if with_yellow else None)
    if yellow is not None:
        out.append((YELLOW, yellow))
    out.append((RED, deadline))
    out.append((PARENT, calendar.add_working_days(deadline, policy.parent_after_working_days)))
    out.append((OFFICE, calendar.add_working_days(deadline, policy.office_after_working_days)))
    return out


def is_running(case: Case) -> bool:
    return (case.status in RUNNING and case.deadline_at is not None
            and case.unit_id is not None)


def schedule_reminders(case: Case, calendar: WorkCalendar, policy: CasePolicy, *,
                       restart: bool = False) -> None:
    """Set when the scan next looks at `case`; `restart` when its clock starts anew.

    A case whose clock is not running (pending, returned, rectified, closed ...) is cleared.
    """
    if not is_running(case):
        case.next_reminder_at, case.reminder_stage = None, NONE
        return
    if restart or case.reminder_stage not in STAGES:
        case.reminder_stage = NONE
    reached = STAGES.index(case.reminder_stage)
    case.next_reminder_at = min((at for stage, at in stage_times(case, calendar, policy)
                                 if STAGES.index(stage) > reached), default=None)


def advance(case: Case, calendar: WorkCalendar, policy: CasePolicy, now: datetime) -> None:
    """After a scan at `now` has written what is due: the stage reached and the next moment."""
    if not is_running(case):
        case.next_reminder_at, case.reminder_stage = None, NONE
        return
    # Past the deadline the yellow moment matters no more (red outranks it): skip its sums.
    assert case.deadline_at is not None
    times = stage_times(case, calendar, policy, with_yellow=now < case.deadline_at)
    passed = [stage for stage, at in times if at <= now]
    if passed:
        case.reminder_stage = max(passed, key=STAGES.index)
    # Strictly later than now, so a scan never meets the same case twice.
    case.next_reminder_at = min((at for _, at in times if at > now), default=None)
