"""The working-day calendar end to end: `calendar show`, `calendar import`, new and open cases."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from config import TZ
from models import CalendarDay, Case, CaseEvent
from services.calendar import CalendarCache, work_calendar
from services.intake import Intake, create_case
from tests.support.calendar import NOTICE, enter
from tests.support.district import make_case, setup_district

# A made-up 2027 notice for tests (NOT the official one): 5-11 Feb off, 13-14 Feb worked.
def sh(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=TZ)


def show(app: Any, year: int) -> list[dict[str, Any]]:
    result = app.test_cli_runner().invoke(args=["calendar", "show", str(year)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def file_case(runtime: Any, at: datetime, ptype: str = "混投错投") -> datetime:
    with runtime.sessions.begin() as s:
        case = create_case(s, runtime.config, Intake("o_r1", ptype, address="某路1号"), at).case
        assert case.deadline_at is not None
        return case.deadline_at.astimezone(TZ)


def test_show_2027_spring_festival_estimated(app: Any) -> None:
    days = show(app, 2027)
    assert {"date": "2027-02-08", "workday": False, "name": "春节",
            "source": "estimated"} in days
    assert [d["date"] for d in days if d["name"] == "春节"] == [
        "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08"]
    assert all(set(d) == {"date", "workday", "name", "source"} for d in days)
    assert len(days) == 13


def test_show_official_year_lists_worked_weekends(app: Any) -> None:
    days = {d["date"]: d for d in show(app, 2026)}
    assert days["2026-02-14"] == {"date": "2026-02-14", "workday": True,
                                  "name": "春节调休上班", "source": "official"}
    assert days["2026-10-01"]["source"] == "official" and "2026-03-09" not in days


def test_case_filed_on_2027_spring_festival_eve_is_due_after_the_holiday(runtime: Any) -> None:
    assert file_case(runtime, sh(2027, 2, 5, 10)) == sh(2027, 2, 12, 9)


def test_import_makes_days_office_and_new_deadlines_follow(app: Any, runtime: Any,
                                                           tmp_path: Path) -> None:
    result = enter(app, tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "2027: 9 days entered by 张三 (7 holiday, 2 working weekend)"]
    days = {d["date"]: d for d in show(app, 2027)}
    assert days["2027-02-10"] == {"date": "2027-02-10", "workday": False, "name": "春节",
                                  "source": "office"}
    assert days["2027-02-13"]["workday"] is True and days["2027-02-13"]["source"] == "office"
    assert "2027-10-01" not in days  # the year is replaced as a whole: no estimate left
    # Off 5-11 Feb; the clock starts Fri 12 Feb; 13 and 14 Feb are worked.
    assert file_case(runtime, sh(2027, 2, 5, 10)) == sh(2027, 2, 15, 9)
    with runtime.sessions.begin() as s:
        rows = s.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
        assert [(r.entered_by, r.source_name, r.year) for r in rows][:1] == [
            ("张三", "notice.csv", 2027)]
        assert len(rows) == 9


def test_open_cases_keep_their_deadline_and_are_listed(app: Any, runtime: Any,
                                                       tmp_path: Path) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        moved = make_case(s, runtime.config, "D01-S01-C01", sh(2027, 2, 1, 10), "JC202702010001",
                          ptype="其他")  # 5 working days: 2-4 Feb, then 9-10 Feb (estimate)
        before = moved.deadline_at
        make_case(s, runtime.config, "D01-S01-C01", sh(2027, 3, 1, 10), "JC202703010001")
    assert before is not None and before.astimezone(TZ) == sh(2027, 2, 10, 10)
    result = enter(app, tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "1 open case(s) keep a deadline the new calendar would move:"
    assert json.loads(lines[2]) == {"number": "JC202702010001", "unit": "岭南社区",
                                    "status": "已派单", "deadline": "2027-02-10 10:00",
                                    "new_calendar": "2027-02-13 10:00"}
    with runtime.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.number == "JC202702010001"))
        assert case.deadline_at == before
        note = s.scalar(select(CaseEvent.note).where(CaseEvent.case_id == case.id,
                                                     CaseEvent.action == "calendar_changed"))
        assert note == ("录入2027年节假日安排：办理时限仍为2027-02-10 10:00，"
                        "按新日历应为2027-02-13 10:00，如需延期请另行办理。")


def test_xlsx_import_and_reimport_replaces_the_year(app: Any, runtime: Any,
                                                    tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["date", "workday", "name"])
    ws.append([datetime(2027, 10, 1), 0, "国庆节"])
    buf = io.BytesIO()
    wb.save(buf)
    assert enter(app, tmp_path).exit_code == 0
    (tmp_path / "n.xlsx").write_bytes(buf.getvalue())
    result = app.test_cli_runner().invoke(args=["calendar", "import", str(tmp_path / "n.xlsx")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2027: 1 days entered by 命令行 ")
    assert show(app, 2027) == [{"date": "2027-10-01", "workday": False, "name": "国庆节",
                                "source": "office"}]


def test_bad_row_names_the_row_and_writes_nothing(app: Any, runtime: Any,
                                                  tmp_path: Path) -> None:
    result = enter(app, tmp_path, NOTICE + "2027-02-30,0,春节\n")
    assert result.exit_code == 1
    assert "notice.csv: 第11行：日期“2027-02-30”无效" in result.output
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(CalendarDay)) == 0
    assert show(app, 2027)[1]["source"] == "estimated"


def test_cache_checks_the_stamp_only_after_its_ttl(runtime: Any) -> None:
    ticks = [0.0]
    cache = CalendarCache(ttl_s=2.0, monotonic=lambda: ticks[0])
    with runtime.sessions.begin() as s:
        first = cache.calendar(s)
        assert cache.calendar(s) is first
    # Another process enters a notice: this one sees it after the TTL, not before.
    with runtime.engine.begin() as conn:
        conn.execute(CalendarDay.__table__.insert().values(
            day=datetime(2027, 3, 1).date(), year=2027, workday=False, name="测试",
            entered_by="x", entered_at=sh(2026, 11, 23), source_name=""))
        conn.exec_driver_sql("INSERT INTO counters (name, value) VALUES ('calendar:entries', 1)")
    with runtime.sessions.begin() as s:
        assert cache.calendar(s) is first
        ticks[0] = 2.5
        assert cache.calendar(s).source(2027) == "office"
        assert work_calendar(s).source(2027) == "office"


@pytest.mark.parametrize("year", ["1899", "abc"])
def test_show_rejects_bad_years(app: Any, year: str) -> None:
    assert app.test_cli_runner().invoke(args=["calendar", "show", year]).exit_code == 2
