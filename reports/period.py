"""A bulletin's period: one month (YYYY-MM) or one quarter (YYYY-Qn), in local time."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from config import TZ

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")


@dataclass(frozen=True)
class Period:
    key: str  # "2026-11" or "2026-Q4"
    title: str  # "2026年11月" or "2026年第四季度"
    first: date  # first day
    after: date  # the day after the last

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=TZ)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.after, time(0), tzinfo=TZ)

    @property
    def kind(self) -> str:
        return "季度" if "Q" in self.key else "月度"


def _next_month(year: int, month: int) -> date:
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def month_period(year: int, month: int) -> Period:
    return Period(f"{year}-{month:02d}", f"{year}年{month}月", date(year, month, 1),
                  _next_month(year, month))


def quarter_period(year: int, quarter: int) -> Period:
    first_month = 3 * quarter - 2
    names = "一二三四"
    return Period(f"{year}-Q{quarter}", f"{year}年第{names[quarter - 1]}季度",
                  date(year, first_month, 1), _next_month(year, first_month + 2))


def parse_period(text: str) -> Period:
    """'2026-11' or '2026-Q4'; ValueError with a readable message otherwise."""
    text = text.strip()
    if m := MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12 or year < 2000:
            raise ValueError(f"月份不正确：{text}")
        return month_period(year, month)
    if m := QUARTER.match(text):
        if int(m[1]) < 2000:
            raise ValueError(f"季度不正确：{text}")
        return quarter_period(int(m[1]), int(m[2]))
    raise ValueError(f"期间应写作 YYYY-MM 或 YYYY-Qn：{text}")


def previous_month(today: date) -> Period:
    first = today.replace(day=1)
    return month_period(first.year - 1, 12) if first.month == 1 else month_period(
        first.year, first.month - 1)
