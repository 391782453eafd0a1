"""Tests for the working-day calendar (domain.workcal)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.workcal import ESTIMATED, OFFICE, OFFICIAL, SHANGHAI, Day, WorkCalendar


def sh(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2024-02-04", True),   # Sunday, 春节调休 working day
        ("2024-02-10", False),  # 春节
        ("2024-02-16", False),  # Friday inside 春节
        ("2024-02-18", True),   # Sunday, 调休
        ("2024-10-01", False),  # 国庆
        ("2024-10-07", False),  # Monday inside 国庆
        ("2024-10-12", True),   # Saturday, 调休
        ("2024-10-13", False),  # ordinary Sunday
        ("2024-10-14", True),   # ordinary Monday
        ("2026-02-14", True),   # Saturday, 2026 春节调休
    ],
)
def test_official_calendar(cal: WorkCalendar, day: str, workday: bool) -> None:
    assert cal.is_workday(date.fromisoformat(day)) is workday


def test_unknown_year_runs_on_the_estimate(cal: WorkCalendar) -> None:
    assert not cal.known(2027) and cal.source(2027) == ESTIMATED
    assert cal.known(2024) and cal.known(2026) and cal.source(2026) == OFFICIAL
    assert not cal.is_workday(date(2027, 1, 1))  # a Friday: 元旦 by rule
    assert cal.day(date(2027, 1, 1)) == Day(date(2027, 1, 1), False, "元旦", ESTIMATED)
    assert cal.is_workday(date(2027, 1, 4))  # an ordinary Monday
    assert not cal.is_workday(date(2027, 1, 2))  # Saturday
    assert cal.day(date(2027, 2, 13)) == Day(date(2027, 2, 13), False, "", ESTIMATED)  # no 调休


def test_spring_festival_2027_case_falls_due_after_the_holiday(cal: WorkCalendar) -> None:
    # Filed on 除夕 (Fri 5 Feb 2027), 3 working days: the clock starts Tue 9 Feb 09:00.
    assert cal.add_working_days(sh(2027, 2, 5, 10), 3) == sh(2027, 2, 12, 9)


def test_office_entries_win_and_replace_the_estimate_of_their_year() -> None:
    cal = WorkCalendar({date(2027, 2, 9): False, date(2024, 10, 13): True},
                       {date(2027, 2, 9): "春节"})
    assert cal.day(date(2027, 2, 9)) == Day(date(2027, 2, 9), False, "春节", OFFICE)
    assert cal.is_workday(date(2024, 10, 13))
    assert cal.day(date(2024, 10, 13)).source == OFFICE
    assert cal.day(date(2024, 10, 14)).source == OFFICIAL  # the package still answers the rest
    assert cal.known(2027) and cal.source(2027) == OFFICE
    # The entered year answers every other day as ordinary: 元旦 was not entered here.
    assert cal.day(date(2027, 1, 1)) == Day(date(2027, 1, 1), True, "", OFFICE)
    assert not cal.known(2028)


def test_unusual_days_official_year(cal: WorkCalendar) -> None:
    days = {d.date.isoformat(): d for d in cal.unusual_days(2026)}
    assert days["2026-02-17"] == Day(date(2026, 2, 17), False, "春节", OFFICIAL)
    assert days["2026-02-14"] == Day(date(2026, 2, 14), True, "春节调休上班", OFFICIAL)
    assert "2026-03-07" not in days and "2026-03-09" not in days  # ordinary weekend / Monday
    assert days["2026-02-17"].as_dict() == {"date": "2026-02-17", "workday": False,
                                            "name": "春节", "source": "official"}


def test_unusual_days_estimated_year(cal: WorkCalendar) -> None:
    days = cal.unusual_days(2027)
    assert [d.date.isoformat() for d in days if d.name == "春节"] == [
        "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]
    assert all(d.source == ESTIMATED and not d.workday for d in days)
    assert len(days) == 13  # the statutory days only, weekends included


def test_add_working_days_across_national_day(cal: WorkCalendar) -> None:
    # Filed Monday 30 Sep 2024 14:30; 1-7 Oct are holidays; 8 Oct is the 1st working day.
    assert cal.add_working_days(sh(2024, 9, 30, 14, 30), 1) == sh(2024, 10, 8, 14, 30)
    assert cal.add_working_days(sh(2024, 9, 30, 14, 30), 5) == sh(2024, 10, 12, 14, 30)


def test_add_working_days_counts_adjusted_weekend(cal: WorkCalendar) -> None:
    # Friday 9 Feb 2024 (除夕, a working day) + 1 => Sunday 18 Feb (调休) after the holiday.
    assert cal.add_working_days(sh(2024, 2, 9, 10), 1) == sh(2024, 2, 18, 10)


def test_filed_after_office_hours_starts_next_working_morning(cal: WorkCalendar) -> None:
    # Friday 18 Oct 2024 22:30 -> clock starts Monday 21 Oct 09:00 -> +3 working days = Thu 09:00.
    assert cal.effective_start(sh(2024, 10, 18, 22, 30)) == sh(2024, 10, 21, 9)
    assert cal.add_working_days(sh(2024, 10, 18, 22, 30), 3) == sh(2024, 10, 24, 9)
    # 17:59 is still inside office hours.
    assert cal.add_working_days(sh(2024, 10, 18, 17, 59), 1) == sh(2024, 10, 21, 17, 59)


def test_add_working_days_filed_on_holiday_starts_next_working_day(cal: WorkCalendar) -> None:
    # Filed Saturday 12:00 -> clock starts Monday 09:00 -> 1 working day later is Tuesday 09:00.
    assert cal.effective_start(sh(2024, 10, 19, 12)) == sh(2024, 10, 21, 9)
    assert cal.add_working_days(sh(2024, 10, 19, 12), 1) == sh(2024, 10, 22, 9)
    assert cal.add_working_days(sh(2024, 10, 19, 12), 0) == sh(2024, 10, 21, 9)
    # Before office hours on a working day the clock starts at 09:00 the same day.
    assert cal.add_working_days(sh(2024, 10, 21, 7), 2) == sh(2024, 10, 23, 9)


def test_add_working_days_converts_timezone(cal: WorkCalendar) -> None:
    utc_start = datetime(2024, 10, 21, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    result = cal.add_working_days(utc_start, 1)
    assert result == sh(2024, 10, 22, 10)
    assert result.utcoffset() == timedelta(hours=8)


def test_naive_and_negative_rejected(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError):
        cal.add_working_days(datetime(2024, 1, 2, 10), 1)
    with pytest.raises(ValueError):
        cal.add_working_days(sh(2024, 1, 2, 10), -1)
    with pytest.raises(ValueError):
        cal.add_working_hours(sh(2024, 1, 2, 10), 1, day_start=18, day_end=9)


def test_add_working_hours(cal: WorkCalendar) -> None:
    assert cal.add_working_hours(sh(2024, 10, 21, 10), 3) == sh(2024, 10, 21, 13)
    assert cal.add_working_hours(sh(2024, 10, 21, 16), 2) == sh(2024, 10, 21, 18)
    assert cal.add_working_hours(sh(2024, 10, 21, 16), 3) == sh(2024, 10, 22, 10)
    # Friday afternoon over the weekend.
    assert cal.add_working_hours(sh(2024, 10, 25, 17), 2) == sh(2024, 10, 28, 10)
    # After hours and on holidays the clock waits for the next working morning.
    assert cal.add_working_hours(sh(2024, 10, 21, 20), 1) == sh(2024, 10, 22, 10)
    assert cal.add_working_hours(sh(2024, 9, 30, 17), 4) == sh(2024, 10, 8, 12)
    assert cal.add_working_hours(sh(2024, 10, 21, 10), 2, day_start=8, day_end=11) == sh(
        2024, 10, 22, 9
    )


def test_working_days_between(cal: WorkCalendar) -> None:
    assert cal.working_days_between(date(2024, 9, 30), date(2024, 10, 8)) == 1
    assert cal.working_days_between(date(2024, 10, 8), date(2024, 9, 30)) == -1
    assert cal.working_days_between(date(2024, 10, 14), date(2024, 10, 14)) == 0
    assert cal.working_days_between(date(2024, 10, 14), date(2024, 10, 21)) == 5


def test_fraction_elapsed(cal: WorkCalendar) -> None:
    start, deadline = sh(2024, 10, 21, 9), sh(2024, 10, 23, 9)  # two working days = 18 h
    assert cal.fraction_elapsed(start, deadline, start) == 0.0
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 21, 18)) == pytest.approx(0.5)
    # The evening does not count: still half.
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 21, 23)) == pytest.approx(0.5)
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 22, 16, 12)) == pytest.approx(0.9)
    assert cal.fraction_elapsed(start, deadline, deadline) == 1.0
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 23, 18)) == pytest.approx(1.5)
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 20, 9)) == 0.0


def test_fraction_elapsed_over_holiday(cal: WorkCalendar) -> None:
    start = sh(2024, 9, 30, 9)
    deadline = cal.add_working_days(start, 1)
    assert deadline == sh(2024, 10, 8, 9)
    # The whole holiday week passes without using time; 30 Sep 18:00 is already 100 % of it.
    during_holiday = cal.fraction_elapsed(start, deadline, sh(2024, 10, 5, 12))
    assert 0.99 < during_holiday < 1.0
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 8, 9)) >= 1.0


def test_fraction_below_one_before_deadline_outside_hours(cal: WorkCalendar) -> None:
    start, deadline = sh(2024, 10, 21, 20), sh(2024, 10, 22, 20)
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 22, 19)) < 1.0
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 22, 20)) >= 1.0


def test_zero_length_working_window(cal: WorkCalendar) -> None:
    start, deadline = sh(2024, 10, 19, 10), sh(2024, 10, 20, 10)  # a weekend
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 19, 12)) == 0.0
    assert cal.fraction_elapsed(start, deadline, sh(2024, 10, 20, 11)) == 1.0


moments = st.datetimes(
    min_value=datetime(2004, 1, 1), max_value=datetime(2028, 12, 1), timezones=st.just(SHANGHAI)
)


@settings(max_examples=200, deadline=None)
@given(a=moments, b=moments, days=st.integers(min_value=0, max_value=40))
def test_add_working_days_monotonic_and_on_workday(a: datetime, b: datetime, days: int) -> None:
    cal = WorkCalendar()
    early, late = sorted((a, b))
    r_early, r_late = cal.add_working_days(early, days), cal.add_working_days(late, days)
    assert r_early <= r_late
    assert cal.is_workday(r_early.date()) and cal.is_workday(r_late.date())
    assert r_early >= early
    if days:
        assert cal.working_days_between(cal.effective_start(early).date(), r_early.date()) == days


@settings(max_examples=100, deadline=None)
@given(start=moments, days=st.integers(min_value=0, max_value=20))
def test_more_days_never_earlier(start: datetime, days: int) -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(start, days) < cal.add_working_days(start, days + 1)


@settings(max_examples=100, deadline=None)
@given(start=moments, hours=st.integers(min_value=0, max_value=60))
def test_add_working_hours_consumes_exact_working_time(start: datetime, hours: int) -> None:
    cal = WorkCalendar()
    end = cal.add_working_hours(start, hours)
    assert end >= start
    assert cal.working_time(start, end) == timedelta(hours=hours)
