"""China's official working-day calendar (with 调休) and working-time arithmetic.

Rules (see docs/DEADLINES.md):
- A day is a working day per the override table first, then the `chinese_calendar` package
  (years 2004-2026), then plain Monday-Friday. `known(year)` tells whether the year's official
  schedule is actually known (library or override rows) rather than the Mon-Fri fallback.
- `add_working_days`: the clock starts at the *effective start* - the given instant if it is on
  a working day within [day_start, day_end); 09:00 of that day if earlier; 09:00 of the next
  working day if later (after office hours) or if the day is not a working day. The deadline is the effective start's time of day on the
  N-th working day after the effective start's date (the first day is not counted, as in
  Chinese law: 期间开始的当日不计入).
- Working time for hours and for `fraction_elapsed` is [day_start, day_end) on working days.
"""
from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
_JUST_BELOW_ONE = math.nextafter(1.0, 0.0)
_TRUE = {"1", "true", "yes", "y", "workday", "work", "班", "上班"}
_FALSE = {"0", "false", "no", "n", "holiday", "off", "休", "休息"}


def load_overrides(path: str | Path) -> dict[date, bool]:
    """Read an override CSV (header `date,workday,note`; lines starting with # are comments)."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.lstrip().startswith("#")]
    table: dict[date, bool] = {}
    for lineno, row in enumerate(csv.DictReader(lines), start=2):
        raw_day, raw_flag = (row.get("date") or "").strip(), (row.get("workday") or "").strip()
        flag = raw_flag.lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"{path}: row {lineno}: workday must be 1/0 (got {raw_flag!r})")
        table[date.fromisoformat(raw_day)] = flag in _TRUE
    return table


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(SHANGHAI)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


class WorkCalendar:
    """Working days of mainland China; overrides win over the library and the Mon-Fri fallback."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides: dict[date, bool] = dict(overrides or {})
        self._override_years = frozenset(d.year for d in self._overrides)

    @classmethod
    def from_csv(cls, path: str | Path) -> WorkCalendar:
        """Build a calendar from an override CSV such as data/calendar/overrides.csv."""
        return cls(load_overrides(path))

    def known(self, year: int) -> bool:
        """True when the official schedule for `year` is known (not the Mon-Fri fallback)."""
        if year in self._override_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def is_workday(self, d: date) -> bool:
        """Whether `d` is an official working day (调休 Saturdays included)."""
        if isinstance(d, datetime):
            d = d.date()
        if d in self._overrides:
            return self._overrides[d]
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            return d.weekday() < 5

    def next_workday(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += timedelta(days=1)
        while not self.is_workday(d):
            d += timedelta(days=1)
        return d

    def effective_start(self, start: datetime, day_start: int = 9, day_end: int = 18) -> datetime:
        """When the clock of a case filed at `start` starts running (see module docstring)."""
        local = _local(start)
        day = local.date()
        if not self.is_workday(day) or local.hour >= day_end:
            # Filed on a rest day or after office hours: nobody is there until the next morning.
            return _at(self.next_workday(day), day_start)
        if local.hour < day_start:
            return _at(day, day_start)
        return local

    def add_working_days(self, start: datetime, days: int, day_start: int = 9) -> datetime:
        """Deadline `days` working days after `start`, keeping the effective start's clock time."""
        if days < 0:
            raise ValueError("days must be >= 0")
        begin = self.effective_start(start, day_start)
        day = begin.date()
        for _ in range(days):
            day = self.next_workday(day)
        return datetime.combine(day, begin.timetz())

    def add_working_hours(
        self, start: datetime, hours: float, day_start: int = 9, day_end: int = 18
    ) -> datetime:
        """Instant after `hours` of working time ([day_start, day_end) on working days)."""
        if hours < 0:
            raise ValueError("hours must be >= 0")
        if not 0 <= day_start < day_end <= 24:
            raise ValueError("need 0 <= day_start < day_end <= 24")
        current = self.effective_start(start, day_start)
        if current >= _at(current.date(), day_start) + timedelta(hours=day_end - day_start):
            current = _at(self.next_workday(current.date()), day_start)
        remaining = timedelta(hours=hours)
        while True:
            end_of_day = _at(current.date(), day_start) + timedelta(hours=day_end - day_start)
            if remaining <= end_of_day - current:
                return current + remaining
            remaining -= end_of_day - current
            current = _at(self.next_workday(current.date()), day_start)

    def working_days_between(self, a: date, b: date) -> int:
        """Working days d with a < d <= b (negative when b is before a)."""
        if b < a:
            return -self.working_days_between(b, a)
        count, d = 0, a
        while d < b:
            d += timedelta(days=1)
            count += self.is_workday(d)
        return count

    def working_time(
        self, a: datetime, b: datetime, day_start: int = 9, day_end: int = 18
    ) -> timedelta:
        """Working time between two instants (zero when b <= a)."""
        a, b = _local(a), _local(b)
        total, day = timedelta(0), a.date()
        while a < b and day <= b.date():
            if self.is_workday(day):
                lo = max(a, _at(day, day_start))
                hi = min(b, _at(day, day_start) + timedelta(hours=day_end - day_start))
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def fraction_elapsed(
        self, start: datetime, deadline: datetime, now: datetime,
        day_start: int = 9, day_end: int = 18,
    ) -> float:
        """Share of the start-to-deadline working time used by `now`: < 1.0 before the deadline."""
        overdue = _local(now) >= _local(deadline)
        total = self.working_time(start, deadline, day_start, day_end)
        if total <= timedelta(0):
            return 1.0 if overdue else 0.0
        share = self.working_time(start, now, day_start, day_end) / total
        # The contract for traffic lights: >= 1.0 exactly from the deadline on, < 1.0 before it.
        return max(share, 1.0) if overdue else min(share, _JUST_BELOW_ONE)
