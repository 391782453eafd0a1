"""China's working-day calendar (official, office-entered or estimated) and working-time arithmetic.

Rules (see docs/DEADLINES.md):
- A day is answered by the first source that has its year, in order of trust: the office's
  entries (the State Council notice as entered; rows for a year the package knows override
  single days), the `chinese_calendar` package (official data, 2004-2026), then an estimate:
  the statutory holidays by rule (domain/holiday_rules.py) on top of Monday-Friday, with no
  调休. `day(d)` says which source answered; `known(year)` is False for an estimated year.
- `add_working_days`: the clock starts at the *effective start* - the given instant if it is on
  a working day within [day_start, day_end); 09:00 of that day if earlier; 09:00 of the next
  working day if later (after office hours) or if the day is not a working day. The deadline is the effective start's time of day on the
  N-th working day after the effective start's date (the first day is not counted, as in
  Chinese law: 期间开始的当日不计入).
- Working time for hours and for `fraction_elapsed` is [day_start, day_end) on working days.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar

from domain.holiday_rules import statutory_holidays

SHANGHAI = ZoneInfo("Asia/Shanghai")
_JUST_BELOW_ONE = math.nextafter(1.0, 0.0)
OFFICE, OFFICIAL, ESTIMATED = "office", "official", "estimated"
# chinese_calendar names its holidays in English.
_OFFICIAL_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class Day:
    """One day as the calendar answers it, with the source that answered."""

    date: date
    workday: bool
    name: str
    source: str

    @property
    def ordinary(self) -> bool:
        """An unnamed Monday-Friday working day or an unnamed weekend."""
        return not self.name and self.workday == (self.date.weekday() < 5)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "workday": self.workday, "name": self.name,
                "source": self.source}


def estimated_years(calendar: "WorkCalendar", today: date) -> list[int]:
    """Years that run on the estimate and need the office: this year, and from 1 Nov the next."""
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [y for y in years if not calendar.known(y)]


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(SHANGHAI)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


class WorkCalendar:
    """Working days of mainland China: office entries, then official data, then the estimate."""

    def __init__(self, office: Mapping[date, bool] | None = None,
                 names: Mapping[date, str] | None = None) -> None:
        self._office: dict[date, bool] = dict(office or {})
        self._names: dict[date, str] = dict(names or {})
        self._office_years = frozenset(d.year for d in self._office)
        self._official_years: dict[int, bool] = {}
        self._estimates: dict[int, dict[date, str]] = {}

    def office_entries(self) -> dict[date, bool]:
        return dict(self._office)

    def office_names(self) -> dict[date, str]:
        return dict(self._names)

    def official(self, year: int) -> bool:
        """Whether the chinese_calendar package has the official schedule for `year`."""
        known = self._official_years.get(year)
        if known is None:
            try:
                chinese_calendar.is_workday(date(year, 6, 1))
                known = True
            except NotImplementedError:
                known = False
            self._official_years[year] = known
        return known

    def source(self, year: int) -> str:
        """Which source answers for `year` as a whole: office | official | estimated."""
        if year in self._office_years:
            return OFFICE
        return OFFICIAL if self.official(year) else ESTIMATED

    def known(self, year: int) -> bool:
        """True when `year` runs on an entered or official schedule, not on the estimate."""
        return self.source(year) != ESTIMATED

    def estimate(self, year: int) -> dict[date, str]:
        """The statutory holidays of `year` by rule (cached; no 调休)."""
        days = self._estimates.get(year)
        if days is None:
            days = self._estimates[year] = statutory_holidays(year)
        return days

    def is_workday(self, d: date) -> bool:
        """Whether `d` is a working day (调休 Saturdays included)."""
        if isinstance(d, datetime):
            d = d.date()
        if d in self._office:
            return self._office[d]
        if self.official(d.year):
            return bool(chinese_calendar.is_workday(d))
        if d.year in self._office_years:
            return d.weekday() < 5  # the notice names every exception: the rest is ordinary
        return d.weekday() < 5 and d not in self.estimate(d.year)

    def day(self, d: date) -> Day:
        """`d` with its name and the source that answered."""
        if d in self._office:
            return Day(d, self._office[d], self._names.get(d, ""), OFFICE)
        if self.official(d.year):
            workday = bool(chinese_calendar.is_workday(d))
            _, english = chinese_calendar.get_holiday_detail(d)
            name = _OFFICIAL_NAMES.get(english, english or "")
            if name and workday:
                name += "调休上班"
            return Day(d, workday, name, OFFICIAL)
        if d.year in self._office_years:
            return Day(d, d.weekday() < 5, "", OFFICE)
        name = self.estimate(d.year).get(d, "")
        return Day(d, d.weekday() < 5 and not name, name, ESTIMATED)

    def unusual_days(self, year: int) -> list[Day]:
        """Every day of `year` that is not an ordinary working day or weekend, in date order."""
        first, out = date(year, 1, 1), []
        for offset in range((date(year + 1, 1, 1) - first).days):
            day = self.day(first + timedelta(days=offset))
            if not day.ordinary:
                out.append(day)
        return out

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
