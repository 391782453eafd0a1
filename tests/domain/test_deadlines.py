"""Tests for the deadline grammar (domain.deadlines)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.deadlines import DeadlineSpec, Recurrence, next_due, occurrences, parse_deadline

ISSUED_000 = date(2024, 1, 11)  # seed 000
ISSUED_003 = date(2023, 5, 12)  # seed 003
D = date.fromisoformat


@pytest.mark.parametrize(
    ("text", "issued", "due", "window"),
    [
        ("2024年1月20日前", ISSUED_000, ["2024-01-20"], None),
        ("2024年1月底前", ISSUED_000, ["2024-01-31"], None),
        ("2024年3月底", ISSUED_000, ["2024-03-31"], None),
        ("2024年11月底前", ISSUED_000, ["2024-11-30"], None),
        ("2024年12月15日前", ISSUED_000, ["2024-12-15"], None),
        ("3月底", ISSUED_003, ["2023-03-31"], None),
        ("5月中旬前", ISSUED_003, ["2023-05-20"], None),
        ("5月上旬", ISSUED_003, ["2023-05-10"], None),
        ("2月下旬", ISSUED_000, ["2024-02-29"], None),
        ("4月-6月", ISSUED_003, ["2023-06-30"], "2023-04-01"),
        ("4-6月", ISSUED_003, ["2023-06-30"], "2023-04-01"),
        ("11月-2月", ISSUED_003, ["2024-02-29"], "2023-11-01"),
        ("5月22日-5月28日", ISSUED_003, ["2023-05-28"], "2023-05-22"),
        ("5月22日至28日", ISSUED_003, ["2023-05-28"], "2023-05-22"),
        ("6月6日前、9月6日前", ISSUED_003, ["2023-06-06", "2023-09-06"], None),
        ("年底前", ISSUED_003, ["2023-12-31"], None),
        ("年内", ISSUED_003, ["2023-12-31"], None),
        ("2023年底前", ISSUED_000, ["2023-12-31"], None),
        ("第一季度", ISSUED_000, ["2024-03-31"], "2024-01-01"),
        ("2024年第3季度", ISSUED_003, ["2024-09-30"], "2024-07-01"),
        ("上半年", ISSUED_003, ["2023-06-30"], "2023-01-01"),
        ("下半年", ISSUED_003, ["2023-12-31"], "2023-07-01"),
        ("9月", ISSUED_003, ["2023-09-30"], None),
        ("十二月底前", ISSUED_003, ["2023-12-31"], None),
        ("二〇二四年", ISSUED_003, ["2024-12-31"], "2024-01-01"),
        ("二〇二四年三月二十日前", ISSUED_003, ["2024-03-20"], None),
        ("明年3月底前", ISSUED_003, ["2024-03-31"], None),
        ("2024-03-05", ISSUED_003, ["2024-03-05"], None),
        ("３月１５日前", ISSUED_003, ["2023-03-15"], None),  # full-width digits
        ("3个月内", ISSUED_003, ["2023-08-12"], None),
        ("10日内", ISSUED_003, ["2023-05-22"], None),
    ],
)
def test_fixed_dates(text: str, issued: date, due: list[str], window: str | None) -> None:
    spec = parse_deadline(text, issued)
    assert spec.source == text
    assert [d.isoformat() for d in spec.due_dates] == due
    assert spec.window_start == (D(window) if window else None)
    assert not spec.needs_review, spec.note
    assert not spec.ongoing and spec.recurrence is None and spec.checkin is None


@pytest.mark.parametrize(
    ("text", "due", "ignored"),
    [
        ("8月底前出台激励机制", "2023-08-31", "出台激励机制"),
        ("逐步推广，10月底前全面落实", "2023-10-31", "逐步推广 / 全面落实"),
        ("结合纠错行动，5月底全面规范完善", "2023-05-31", "结合纠错行动 / 全面规范完善"),
        ("6月底前完成自查整改。", "2023-06-30", "完成自查整改"),
    ],
)
def test_text_around_date_goes_to_note(text: str, due: str, ignored: str) -> None:
    spec = parse_deadline(text, ISSUED_003)
    assert spec.due_dates == (D(due),)
    assert not spec.needs_review
    assert spec.note == f"ignored: {ignored}"


@pytest.mark.parametrize("text", ["长期坚持", "常态坚持", "常态推进", "常态落实", "持续推进", "常态化"])
def test_ongoing(text: str) -> None:
    spec = parse_deadline(text, ISSUED_003)
    assert spec.ongoing and spec.checkin == "monthly"
    assert spec.due_dates == () and spec.recurrence is None and not spec.needs_review


def test_limit_and_ongoing() -> None:
    spec = parse_deadline("限期整改、长期坚持", ISSUED_000)
    assert spec.ongoing and not spec.needs_review and spec.due_dates == ()
    assert "限期整改" in spec.note
    alone = parse_deadline("限期整改", ISSUED_000)
    assert alone.needs_review and not alone.ongoing


def test_checkin_can_be_chosen() -> None:
    assert parse_deadline("长期坚持", ISSUED_000, checkin="quarterly").checkin == "quarterly"


@pytest.mark.parametrize(
    ("text", "recurrence"),
    [
        ("每月19日前", Recurrence("monthly", day=19)),
        ("每年3月、6月、9月、12月10日前", Recurrence("quarterly", (3, 6, 9, 12), 10)),
        ("每年3月、9月", Recurrence("yearly", (3, 9))),
        ("每季度", Recurrence("quarterly", (3, 6, 9, 12))),
        ("每季度至少召开1次", Recurrence("quarterly", (3, 6, 9, 12), min_count=1)),
        ("每月至少1次", Recurrence("monthly", min_count=1)),
        ("每月至少一次", Recurrence("monthly", min_count=1)),
        ("每周", Recurrence("weekly")),
        ("每周五前", Recurrence("weekly", weekday=4)),
        ("每年", Recurrence("yearly", (12,))),
        ("每半年", Recurrence("yearly", (6, 12))),
    ],
)
def test_recurrences(text: str, recurrence: Recurrence) -> None:
    spec = parse_deadline(text, ISSUED_003)
    assert spec.recurrence == recurrence
    assert not spec.needs_review and spec.due_dates == () and not spec.ongoing


@pytest.mark.parametrize(
    "text",
    ["", "  ", "5月初", "限期整改", "2月30日前", "建立月调度机制", "二十日前", "15个工作日内",
     "尽快", "13月底前", "1000年底前",
     "每月19日前填报。每年3月、6月、9月、12月10日前报送"],
)
def test_needs_review_keeps_source(text: str) -> None:
    spec = parse_deadline(text, ISSUED_003)
    assert spec.needs_review
    assert spec.source == text
    assert spec.note


def test_as_dict_is_iso() -> None:
    data = parse_deadline("4月-6月", ISSUED_003).as_dict()
    assert data["due_dates"] == ["2023-06-30"] and data["window_start"] == "2023-04-01"
    rec = parse_deadline("每月19日前", ISSUED_003).as_dict()["recurrence"]
    assert rec == {"kind": "monthly", "months": [], "day": 19, "weekday": None, "min_count": None}


def test_next_due_fixed() -> None:
    spec = parse_deadline("6月6日前、9月6日前", ISSUED_003)
    assert next_due(spec, D("2023-05-01")) == D("2023-06-06")
    assert next_due(spec, D("2023-06-06")) == D("2023-06-06")
    assert next_due(spec, D("2023-06-07")) == D("2023-09-06")
    assert next_due(spec, D("2023-09-07")) is None


def test_next_due_recurring() -> None:
    monthly = parse_deadline("每月19日前", ISSUED_003)
    assert next_due(monthly, D("2023-05-12")) == D("2023-05-19")
    assert next_due(monthly, D("2023-05-20")) == D("2023-06-19")
    quarterly = parse_deadline("每年3月、6月、9月、12月10日前", ISSUED_003)
    assert next_due(quarterly, D("2023-06-11")) == D("2023-09-10")
    assert next_due(quarterly, D("2023-12-11")) == D("2024-03-10")
    assert next_due(parse_deadline("每季度", ISSUED_003), D("2023-05-12")) == D("2023-06-30")
    weekly = parse_deadline("每周", ISSUED_003)  # Friday
    assert next_due(weekly, D("2023-05-13")) == D("2023-05-19")
    day31 = DeadlineSpec("x", recurrence=Recurrence("monthly", day=31))
    assert next_due(day31, D("2023-06-01")) == D("2023-06-30")


def test_next_due_ongoing_is_month_end() -> None:
    spec = parse_deadline("常态坚持", ISSUED_003)
    assert next_due(spec, D("2023-05-12")) == D("2023-05-31")
    assert next_due(spec, D("2024-02-01")) == D("2024-02-29")
    assert next_due(parse_deadline("尽快", ISSUED_003), D("2023-05-12")) is None


def test_occurrences() -> None:
    monthly = parse_deadline("每月19日前", ISSUED_003)
    assert occurrences(monthly, D("2023-05-20"), D("2023-08-19")) == [
        D("2023-06-19"), D("2023-07-19"), D("2023-08-19")]
    quarterly = parse_deadline("每季度", ISSUED_003)
    assert occurrences(quarterly, D("2023-01-01"), D("2023-12-31")) == [
        D("2023-03-31"), D("2023-06-30"), D("2023-09-30"), D("2023-12-31")]
    fixed = parse_deadline("6月6日前、9月6日前", ISSUED_003)
    assert occurrences(fixed, D("2023-06-07"), D("2023-12-31")) == [D("2023-09-06")]
    assert occurrences(fixed, D("2023-12-31"), D("2023-01-01")) == []
    weekly = parse_deadline("每周一前", ISSUED_003)
    assert occurrences(weekly, D("2023-05-01"), D("2023-05-15")) == [
        D("2023-05-01"), D("2023-05-08"), D("2023-05-15")]


# ------------------------------------------------------------------ properties
deadline_words = st.sampled_from(
    ["年", "月", "日", "号", "底", "前", "中旬", "上旬", "下旬", "每", "季度", "至少", "次", "-", "、",
     "，", "长期坚持", "限期整改", "第", "上半年", "内", "个月", "周", "〇", "二", "十", "0", "1", "2",
     "9", "12", "31", "2024", "每年", "至", "全面落实"]
)
deadline_like = st.lists(deadline_words, max_size=12).map("".join)
issued_dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(st.text(max_size=40), deadline_like), issued=issued_dates)
def test_parse_never_raises_and_is_deterministic(text: str, issued: date) -> None:
    spec = parse_deadline(text, issued)
    assert spec == parse_deadline(text, issued)
    assert spec.source == text
    assert all(isinstance(d, date) for d in spec.due_dates)
    assert list(spec.due_dates) == sorted(set(spec.due_dates))
    if spec.window_start is not None:
        assert spec.due_dates and spec.window_start <= spec.due_dates[-1]
    if spec.recurrence is not None:
        assert all(1 <= m <= 12 for m in spec.recurrence.months)
        assert spec.recurrence.day is None or 1 <= spec.recurrence.day <= 31
    if not (spec.due_dates or spec.ongoing or spec.recurrence):
        assert spec.needs_review
    nd = next_due(spec, issued)
    assert nd is None or nd >= issued


@settings(max_examples=200, deadline=None)
@given(text=deadline_like, issued=issued_dates, start=issued_dates, span=st.integers(0, 800))
def test_occurrences_within_range_and_consistent_with_next_due(
    text: str, issued: date, start: date, span: int
) -> None:
    spec = parse_deadline(text, issued)
    end = date.fromordinal(start.toordinal() + span)
    found = occurrences(spec, start, end)
    assert found == sorted(set(found))
    assert all(start <= d <= end for d in found)
    if found:
        assert next_due(spec, start) == found[0]
