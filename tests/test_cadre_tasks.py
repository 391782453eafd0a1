"""Plan import from the seeds' formats, task reminders before/on/after deadlines, 完成 from chat."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from config import TZ
from models import Task, TaskUnit
from tests.support.district import run_at, said, setup_district

FIXTURES = Path(__file__).resolve().parent / "domain" / "fixtures"
STREETS = {"D01-S01": [("赵街", "leader", "o_s1")], "D01-S02": [("周街", "member", "o_s2")],
           "D01-CG": [("吴局", "leader", "o_cg")]}


def _import(app, name: str, issued: str, *extra: str) -> str:
    result = app.test_cli_runner().invoke(
        args=["plan", "import", str(FIXTURES / name), "--issued", issued, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_seed_000_tasks_and_units(app, runtime) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
    data = json.loads(_import(app, "plan_000_excerpt.txt", "2024-01-11", "--json"))
    tasks = {t["number"]: t for t in data["tasks"]}
    assert tasks["1"]["deadlines"] == ["2024-01-20"] and not tasks["1"]["ongoing"]
    assert tasks["1"]["lead_units"] == ["区政府办公室"]
    assert tasks["1"]["deadline_source"] == "2024年1月20日前"
    assert tasks["2"]["ongoing"] and tasks["2"]["deadlines"] == []
    assert tasks["12"]["ongoing"] and tasks["12"]["deadline_source"] == "限期整改、长期坚持"
    assert tasks["13"]["deadlines"] == ["2024-01-31"]
    # 各街道办事处 is every street; 区执法局 is the district's 城管执法局; 区政府办公室 is unknown.
    assert sorted(tasks["1"]["resolved_responsible"])[:1] == ["东湖街道"]
    assert len([n for n in tasks["1"]["resolved_responsible"] if n.endswith("街道")]) == 4
    assert tasks["2"]["resolved_lead"] == ["示范区城管执法局"]
    assert "区政府办公室" in tasks["1"]["unresolved_units"]
    with runtime.sessions.begin() as s:
        task = s.scalar(select(Task).where(Task.number == "1"))
        assert task is not None and task.unresolved_units == ["区政府办公室"]
        assert len(s.scalars(select(TaskUnit).where(TaskUnit.task_id == task.id)).all()) == 6
    again = _import(app, "plan_000_excerpt.txt", "2024-01-11")  # re-import refreshes in place
    assert "imported 4 task(s)" in again and "区政府办公室" in again
    with runtime.sessions.begin() as s:
        assert len(s.scalars(select(Task)).all()) == 4


def test_seed_003_table_deadlines_and_dry_run(app, runtime) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
    out = _import(app, "plan_003_table_excerpt.txt", "2023-05-12", "--dry-run")
    assert "would import" in out and "规建办" in out
    with runtime.sessions.begin() as s:
        assert s.scalars(select(Task)).all() == []
    tasks = {t["number"]: t for t in json.loads(
        _import(app, "plan_003_table_excerpt.txt", "2023-05-12", "--json"))["tasks"]}
    assert tasks["1"]["deadlines"] == ["2023-05-20"]  # 5月中旬前
    assert tasks["2-1"]["deadlines"] == ["2023-03-31"]
    assert tasks["2-2"]["ongoing"]  # 常态坚持
    assert tasks["3-1"]["deadlines"] == ["2023-08-31"]
    assert tasks["3-1"]["deadline_source"] == "8月底前出台激励机制"
    assert tasks["10-1"]["deadlines"] == ["2023-06-30"]  # 4月-6月
    assert tasks["11-2"]["needs_review"] and tasks["11-2"]["deadlines"] == []
    assert tasks["10-1"]["unresolved_units"] == ["规建办"]
    assert len(tasks["10-1"]["resolved_responsible"]) == 12  # 各社区


def test_task_reminders_before_on_and_after(app, runtime, fake_wechat, make_user, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, STREETS)
    _import(app, "plan_000_excerpt.txt", "2024-01-11")
    with runtime.sessions.begin() as s:
        task_id = s.scalar(select(Task.id).where(Task.number == "1"))
    run_at(app, "2024-01-13 08:00")
    assert said(fake_wechat, "o_s1", "任务") == 0
    run_at(app, "2024-01-13 09:00")  # 7 days before 1月20日
    assert said(fake_wechat, "o_s1", "任务") == 1 and said(fake_wechat, "o_s2", "任务") == 1
    assert "0 new" in run_at(app, "2024-01-13 18:00")
    # 北岭 reports done from chat; only 东湖 is reminded the day before, on the day and after.
    clock.set(datetime(2024, 1, 15, 10, 0, tzinfo=TZ))
    cadre = make_user("o_s1")
    assert "已记录" in cadre.say(f"完成 T{task_id} 已组织专题学习")
    for at in ("2024-01-19 09:00", "2024-01-20 09:00", "2024-01-21 09:00", "2024-01-21 12:00"):
        run_at(app, at)
    assert said(fake_wechat, "o_s1", "任务") == 1
    assert said(fake_wechat, "o_s2", "任务") == 4
    assert said(fake_wechat, "o_s2", "超期") >= 1
    # The ongoing duties (长期坚持) get a monthly check-in before the month ends.
    run_at(app, "2024-01-28 09:00")
    assert said(fake_wechat, "o_s1", "报送") >= 1 and said(fake_wechat, "o_cg", "报送") >= 1
    assert "0 new" in run_at(app, "2024-01-28 09:30")
    resident = make_user("o_nobody")
    assert "仅限已绑定" in resident.say(f"完成 T{task_id} 我也做了")


def test_demo_loader_is_idempotent(app, runtime) -> None:
    from models import Cadre
    from cli.demo import load_cadres_and_plan

    with runtime.sessions.begin() as s:
        setup_district(s, {})
        first = load_cadres_and_plan(s, runtime)
        second = load_cadres_and_plan(s, runtime)
        assert "9 created" in first and "9 updated" in second
        assert s.scalar(select(Cadre.name).where(Cadre.openid == "cadre-demo")) == "王敏"
        tasks = s.scalars(select(Task)).all()
        assert len(tasks) == 3 and tasks[0].due_dates == ["2026-12-15"]
        assert tasks[1].due_dates == ["2026-12-31"] and tasks[2].ongoing
