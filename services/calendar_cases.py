"""Open cases whose deadline a calendar change would move (shown, never applied).

A case keeps the deadline it was promised. To show the office which promises a new calendar
touches, each running case's allowance is counted on the old calendar (working days from its
clock start to its deadline) and laid out again on the new one, at the deadline's time of day.
Only deadlines counted in working days are considered (clock-hour types without an extension
do not depend on the calendar).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from config import TZ, Config
from domain.calendar_notice import Notice
from domain.workcal import WorkCalendar
from services.calendar import build_calendar, enter_notice, with_notice
from services.cases import Actor, local_text, record
from models.case_settings import load_complaint_settings
from models.cases import Case, ExtensionRequest
from reminders.schedule import RUNNING, clock_start


@dataclass(frozen=True)
class Moved:
    """A running case whose deadline would differ under the new calendar."""

    case_id: int
    number: str
    unit: str
    status: str
    promised: datetime
    would_be: datetime

    def as_dict(self) -> dict[str, str]:
        return {"number": self.number, "unit": self.unit, "status": self.status,
                "deadline": local_text(self.promised), "new_calendar": local_text(self.would_be)}


def recount(start: datetime, deadline: datetime, old: WorkCalendar,
            new: WorkCalendar) -> datetime:
    """`deadline`'s working-day allowance from `start` on `old`, laid out again on `new`."""
    local = deadline.astimezone(TZ)
    days = old.working_days_between(old.effective_start(start).date(), local.date())
    if days <= 0:
        return deadline  # no working day inside the window: nothing to lay out again
    day = new.effective_start(start).date()
    for _ in range(days):
        day = new.next_workday(day)
    return datetime.combine(day, local.timetz())


def moved_cases(session: Session, config: Config, old: WorkCalendar, new: WorkCalendar,
                year: int) -> list[Moved]:
    """Running cases with a deadline in `year` or later that `new` would move, soonest first."""
    since = datetime(year, 1, 1, tzinfo=TZ)
    settings = load_complaint_settings(config)
    by_days = {t.name for t in settings.types if t.working_days is not None}
    extended = set(session.scalars(select(ExtensionRequest.case_id)
                                   .where(ExtensionRequest.status == "approved")))
    cases = session.scalars(select(Case).options(selectinload(Case.unit)).where(
        Case.status.in_(RUNNING), Case.deadline_at >= since)
        .order_by(Case.deadline_at, Case.id))
    out = []
    for case in cases:
        assert case.deadline_at is not None
        if case.problem_type not in by_days and case.id not in extended:
            continue
        would_be = recount(clock_start(case), case.deadline_at, old, new)
        if would_be != case.deadline_at:
            out.append(Moved(case.id, case.number, case.unit.name if case.unit else "-",
                             case.status, case.deadline_at, would_be))
    return out


def note_moved(session: Session, moved: list[Moved], who: str, year: int,
               now: datetime) -> None:
    """A history line on each listed case: its promise stands, the new calendar differs."""
    cases = {c.number: c for c in session.scalars(
        select(Case).where(Case.number.in_([m.number for m in moved])))}
    for m in moved:
        record(session, cases[m.number], None, action="calendar_changed",
               actor=Actor("office", who), now=now,
               note=f"录入{year}年节假日安排：办理时限仍为{local_text(m.promised)}，"
                    f"按新日历应为{local_text(m.would_be)}，如需延期请另行办理。")


def preview_notice(session: Session, config: Config, notice: Notice) -> list[Moved]:
    """The running cases whose deadline `notice` would move (nothing is written)."""
    return moved_cases(session, config, build_calendar(session),
                       with_notice(session, notice), notice.year)


def import_notice(session: Session, config: Config, notice: Notice, who: str, now: datetime,
                  source_name: str = "") -> list[Moved]:
    """Enter `notice` (replacing its year as a whole); open cases keep their deadlines.

    Returns the running cases whose deadline the new calendar would move; each gets a
    history line saying so, for the office to extend deliberately.
    """
    moved = preview_notice(session, config, notice)
    enter_notice(session, notice, who, now, source_name)
    note_moved(session, moved, who, notice.year, now)
    return moved
