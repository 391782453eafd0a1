"""Monthly and quarterly bulletins: the figures, the Word document, the CLI and the download."""
from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from config import TZ
from models import Case, Plan, Task
from models.cases import CLOSED
from reminders.policy import RankingPolicy
from reports.figures import build_bulletin
from reports.period import parse_period, previous_month
from tests.support.dashboard import ADMIN, UNIT_USER, Seeded, seed, sign_in


def test_periods_are_months_or_quarters_in_local_time() -> None:
    nov = parse_period("2026-11")
    assert (nov.key, nov.title, nov.first, nov.after) == (
        "2026-11", "2026年11月", date(2026, 11, 1), date(2026, 12, 1))
    assert nov.start == datetime(2026, 11, 1, tzinfo=TZ)
    q4 = parse_period("2026-q4")
    assert (q4.key, q4.title, q4.first, q4.after, q4.kind) == (
        "2026-Q4", "2026年第四季度", date(2026, 10, 1), date(2027, 1, 1), "季度")
    assert previous_month(date(2027, 1, 15)).key == "2026-12"
    for bad in ("2026-13", "2026-Q5", "11/2026", ""):
        with pytest.raises(ValueError):
            parse_period(bad)


def _prepare(runtime: Any) -> Seeded:
    """One case closed on time and rated 3, one overdue; four tasks around November."""
    d = seed(runtime)
    now = runtime.clock()
    with runtime.sessions.begin() as s:
        own, other = s.get(Case, d.own_case), s.get(Case, d.other_case)
        own.status, own.closed_at, own.satisfaction = CLOSED, now, 3
        own.deadline_at = now + timedelta(days=1)
        other.deadline_at = now - timedelta(days=1)
        plan = Plan(title="整改方案", issued_on=date(2026, 10, 1), source_name="plan.docx",
                    imported_at=now)
        s.add(plan)
        s.flush()
        s.add_all([
            Task(plan_id=plan.id, number="1", title="桶站改造", due_dates=["2026-11-10"]),
            Task(plan_id=plan.id, number="2", title="培训督导员", due_dates=["2026-11-15"],
                 status="done", done_at=datetime(2026, 11, 14, 9, tzinfo=TZ)),
            Task(plan_id=plan.id, number="3", title="月底检查", due_dates=["2026-11-30"]),
            Task(plan_id=plan.id, number="4", title="年终总结", due_dates=["2026-12-05"]),
        ])
    return d


def test_figures_ranking_bottom_and_tasks(runtime: Any) -> None:
    _prepare(runtime)
    with runtime.sessions.begin() as s:
        b = build_bulletin(s, parse_period("2026-11"), runtime.clock(),
                           RankingPolicy(bottom=1))
        assert (b.cases, b.closed, b.on_time_rate, b.rework_rate) == (2, 1, 0.5, 0.0)
        assert (b.satisfaction, b.rated) == (3.0, 1)
        assert b.by_type == {"混投错投": 1, "垃圾满溢/外溢": 1}
        assert [(r.rank, r.name, r.volume, r.on_time_rate, r.bottom) for r in b.ranking] == [
            (1, "岭南社区", 1, 1.0, False), (2, "湖滨社区", 1, 0.0, True)]
        [(unit, overdue)] = b.bottom
        assert unit.name == "湖滨社区"
        assert [(c.address, c.deadline) for c in overdue] == [("湖滨路66号", "2026-11-22 10:00")]
        assert [(t.number, t.state) for t in b.tasks] == [
            ("1", "逾期"), ("2", "已完成"), ("3", "未到期")]


def _tables(data: bytes) -> list[list[list[str]]]:
    doc = Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_cli_writes_a_word_document_with_its_tables(app: Any, runtime: Any, tmp_path: Path,
                                                    monkeypatch: Any) -> None:
    _prepare(runtime)
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(args=["report", "bulletin", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "bulletin-2026-11.docx"
    assert result.output.startswith("bulletin-2026-11.docx: 2 cases, 2 units ranked, 3 tasks")
    doc = Document(str(out))
    assert doc.paragraphs[0].text == "2026年11月生活垃圾分类工作月度通报"
    assert len(doc.inline_shapes) == 1  # the chart
    figures, ranking, tasks = _tables(out.read_bytes())  # two units ranked: no bottom five
    assert figures == [["案件量", "已办结", "按时办结率", "返工率", "满意度"],
                       ["2", "1", "50.0%", "0.0%", "3.00"]]
    assert ranking == [["名次", "单位", "案件量", "按时办结率", "返工率", "末位"],
                       ["1", "岭南社区", "1", "100.0%", "0.0%", ""],
                       ["2", "湖滨社区", "1", "0.0%", "0.0%", ""]]
    assert tasks == [["编号", "任务", "期限", "状态"], ["1", "桶站改造", "2026-11-10", "逾期"],
                     ["2", "培训督导员", "2026-11-15", "已完成"],
                     ["3", "月底检查", "2026-11-30", "未到期"]]
    quarter = tmp_path / "q.docx"
    result = app.test_cli_runner().invoke(args=["report", "bulletin", "--quarter", "2026-Q4",
                                                "--out", str(quarter)])
    assert result.exit_code == 0, result.output
    assert Document(str(quarter)).paragraphs[0].text == "2026年第四季度生活垃圾分类工作季度通报"
    bad = app.test_cli_runner().invoke(args=["report", "bulletin", "--month", "2026-13"])
    assert bad.exit_code == 2 and "月份不正确" in bad.output


def test_dashboard_download_is_for_the_office(client: Any, runtime: Any) -> None:
    _prepare(runtime)
    sign_in(client, *UNIT_USER)
    assert client.get("/dashboard/bulletin/2026-11.docx").status_code == 403
    page_client = client.application.test_client()
    sign_in(page_client, *ADMIN)
    page = page_client.get("/dashboard/bulletin/").get_data(True)
    assert "下载上月通报（2026-10）" in page and "/dashboard/bulletin/2026-Q4.docx" in page
    resp = page_client.get("/dashboard/bulletin/2026-11.docx")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == "attachment; filename=bulletin-2026-11.docx"
    assert _tables(resp.data)[0][1] == ["2", "1", "50.0%", "0.0%", "3.00"]
    assert page_client.get("/dashboard/bulletin/2026-13.docx").status_code == 404
    assert page_client.get("/dashboard/bulletin/?period=2026-Q4").headers[
        "Location"].endswith("/dashboard/bulletin/2026-Q4.docx")
