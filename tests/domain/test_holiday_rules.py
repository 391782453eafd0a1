"""The statutory-holiday estimate (domain.holiday_rules) against the official data."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from domain.holiday_rules import statutory_holidays
from domain.workcal import WorkCalendar


@pytest.mark.parametrize("year", [2025, 2026])
def test_every_estimated_day_is_an_official_holiday(year: int) -> None:
    days = statutory_holidays(year)
    assert len(days) == 13
    for day, name in days.items():
        assert chinese_calendar.is_holiday(day), (day, name)
        assert WorkCalendar().day(day).name.startswith(name[:2]), (day, name)


def test_2027_by_rule() -> None:
    days = statutory_holidays(2027)
    assert {d.isoformat(): n for d, n in days.items()} == {
        "2027-01-01": "元旦", "2027-02-05": "春节", "2027-02-06": "春节", "2027-02-07": "春节",
        "2027-02-08": "春节", "2027-04-05": "清明节", "2027-05-01": "劳动节",
        "2027-05-02": "劳动节", "2027-06-09": "端午节", "2027-09-15": "中秋节",
        "2027-10-01": "国庆节", "2027-10-02": "国庆节", "2027-10-03": "国庆节"}


def test_mid_autumn_inside_national_day_is_one_day_with_both_names() -> None:
    days = statutory_holidays(2028)
    assert days[date(2028, 10, 3)] == "中秋节、国庆节" and len(days) == 12


def test_lunar_dates_agree_with_the_official_years() -> None:
    # Spring Festival's first day (初一) is an official holiday in every year the package knows.
    for year in range(2004, 2027):
        first_day = min(d for d, n in statutory_holidays(year).items() if n == "春节")
        assert chinese_calendar.is_holiday(first_day + timedelta(days=1)), year


def test_outside_the_lunar_tables_nothing_is_guessed() -> None:
    assert statutory_holidays(2100) == {} and statutory_holidays(1900) == {}
