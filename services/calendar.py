"""The working-day calendar as every process sees it: the office's entries over the domain's.

`work_calendar(session)` returns a cached `WorkCalendar` and checks a cheap stamp (one
counter row, bumped by every entry) at most once every STAMP_TTL_S seconds, so deadline and
reminder code gets a calendar without a database round trip per case. An entry committed in
this process is noticed at once (a session event); other processes (web workers, the
scheduler) pick it up within STAMP_TTL_S.
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Engine, delete, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.calendar_notice import Notice
from domain.workcal import WorkCalendar
from models.calendar import CalendarDay
from models.messaging import Counter
from services.stamped import StampedCache

STAMP = "calendar:entries"  # the counters row bumped by every entry
STAMP_TTL_S = 2.0
_CHANGED = "calendar_changed"  # Session.info flag between the entry and its commit
_caches: "weakref.WeakKeyDictionary[Engine, CalendarCache]" = weakref.WeakKeyDictionary()
_guard = threading.Lock()


class CalendarCache(StampedCache[WorkCalendar]):
    """One process's calendar for one database."""

    def __init__(self, ttl_s: float = STAMP_TTL_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        super().__init__(ttl_s, monotonic)

    def calendar(self, session: Session) -> WorkCalendar:
        return self.get(session, _stamp, build_calendar)


def _stamp(session: Session) -> int | None:
    return session.scalar(select(Counter.value).where(Counter.name == STAMP))


def build_calendar(session: Session, without_year: int | None = None) -> WorkCalendar:
    """A fresh calendar from the office's entries (optionally leaving one year's out)."""
    query = select(CalendarDay.day, CalendarDay.workday, CalendarDay.name)
    if without_year is not None:
        query = query.where(CalendarDay.year != without_year)
    rows = session.execute(query).all()
    return WorkCalendar({r.day: r.workday for r in rows}, {r.day: r.name for r in rows})


def work_calendar(session: Session) -> WorkCalendar:
    """The current calendar (cached per process and database; see the module docstring)."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with _guard:
        if not event.contains(Session, "after_commit", _after_commit):
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_rollback", _after_rollback)
        cache = _caches.get(engine)
        if cache is None:
            cache = _caches[engine] = CalendarCache()
    return cache.calendar(session)


def with_notice(session: Session, notice: Notice) -> WorkCalendar:
    """The calendar as it would be once `notice` is entered (for previews)."""
    current = build_calendar(session, without_year=notice.year)
    office = {**current.office_entries(), **{d.date: d.workday for d in notice.days}}
    names = {**current.office_names(), **{d.date: d.name for d in notice.days}}
    return WorkCalendar(office, names)


def enter_notice(session: Session, notice: Notice, entered_by: str, now: datetime,
                 source_name: str = "") -> int:
    """Replace the year's entries with `notice` as a whole; returns the days entered."""
    session.execute(delete(CalendarDay).where(CalendarDay.year == notice.year))
    session.add_all(CalendarDay(day=d.date, year=notice.year, workday=d.workday, name=d.name,
                                entered_by=entered_by[:64], entered_at=now,
                                source_name=source_name[:200]) for d in notice.days)
    _bump_stamp(session)
    session.flush()
    session.info[_CHANGED] = True
    return len(notice.days)


def _bump_stamp(session: Session) -> None:
    bumped = session.execute(update(Counter).where(Counter.name == STAMP)
                             .values(value=Counter.value + 1)
                             .execution_options(synchronize_session=False))
    if bumped.rowcount == 1:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(Counter(name=STAMP, value=1))
    except IntegrityError:  # another entry created the row first
        session.execute(update(Counter).where(Counter.name == STAMP)
                        .values(value=Counter.value + 1)
                        .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class Entry:
    """Who entered a year's notice, and when."""

    year: int
    days: int
    entered_by: str
    entered_at: datetime
    source_name: str


def entries(session: Session) -> list[Entry]:
    """One line per entered year, newest year first."""
    rows = session.execute(
        select(CalendarDay.year, func.count(CalendarDay.day), func.max(CalendarDay.entered_by),
               func.max(CalendarDay.entered_at), func.max(CalendarDay.source_name))
        .group_by(CalendarDay.year).order_by(CalendarDay.year.desc())).all()
    return [Entry(*row) for row in rows]


def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        for cache in list(_caches.values()):
            cache.changed()


def _after_rollback(session: Session, *_: Any) -> None:
    session.info.pop(_CHANGED, None)
