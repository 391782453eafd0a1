"""The reminder policy at the right times, through `reminders run --at`, once each."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from config import TZ
from models import OutboxMessage, RankingEntry, Unit
from models.cases import CLOSED
from services.units import unit_by_code
from tests.support.district import CADRES, make_case, run_at, said, setup_district

def test_case_left_alone_gets_each_reminder_once(app, runtime, fake_wechat, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230001")
    # Filed Mon 10:00, 3 working days → Thu 26 Nov 10:00; 80 % of 27 working hours ≈ Wed 13:36.
    assert "case_yellow" not in run_at(app, "2026-11-25 13:30")
    assert said(fake_wechat, "o_member", "黄灯") == 0
    run_at(app, "2026-11-25 13:40")
    assert said(fake_wechat, "o_member", "黄灯") == 1
    assert said(fake_wechat, "o_leader", "黄灯") == 0  # yellow is for members only
    run_at(app, "2026-11-26 09:59")
    assert said(fake_wechat, "o_member", "催办") == 0
    run_at(app, "2026-11-26 10:00")
    assert said(fake_wechat, "o_member", "催办") == 1 and said(fake_wechat, "o_leader", "催办") == 1
    assert said(fake_wechat, "o_parent", "超期上报") == 0
    run_at(app, "2026-11-27 10:00")  # one working day more: the street's leader
    assert said(fake_wechat, "o_parent", "超期上报") == 1
    run_at(app, "2026-11-30 10:00")  # Mon: two working days, office not yet
    assert said(fake_wechat, "o_office", "督办") == 0
    run_at(app, "2026-12-01 10:00")  # three working days: the district office (督办)
    assert said(fake_wechat, "o_office", "督办") == 1 and said(fake_wechat, "o_main", "督办") == 1
    before = len(fake_wechat.calls)
    for at in ("2026-11-25 13:40", "2026-11-26 10:00", "2026-12-01 10:00", "2026-12-01 10:00"):
        assert "0 new" in run_at(app, at)
    assert len(fake_wechat.calls) == before
    for openid, word in (("o_member", "黄灯"), ("o_member", "催办"), ("o_leader", "催办"),
                         ("o_parent", "超期上报"), ("o_office", "督办")):
        assert said(fake_wechat, openid, word) == 1


def test_late_scan_catches_up_without_stale_yellow(app, runtime, fake_wechat, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230002")
    out = run_at(app, "2026-12-02 11:00")  # the scheduler was down for a week
    assert "case_red" in out and "case_escalate" in out and "case_supervise" in out
    assert said(fake_wechat, "o_member", "黄灯") == 0
    assert said(fake_wechat, "o_member", "催办") == 1
    assert said(fake_wechat, "o_parent", "超期上报") == 1
    assert said(fake_wechat, "o_office", "督办") == 1


def test_closed_or_rectified_cases_are_not_chased(app, runtime, fake_wechat, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        case = make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230003")
        case.status = CLOSED
    assert "0 new" in run_at(app, "2026-12-02 08:00")


def test_dry_run_writes_nothing(app, runtime, fake_wechat, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230004")
        count = len(s.scalars(select(OutboxMessage)).all())
    result = app.test_cli_runner().invoke(
        args=["reminders", "run", "--at", "2026-11-26 10:00", "--dry-run"])
    assert result.exit_code == 0 and "would send case_red" in result.output
    with runtime.sessions.begin() as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == count
    assert "case_red" in run_at(app, "2026-11-26 10:00")


def test_daily_digest_on_working_days_to_units_with_open_cases(app, runtime, fake_wechat,
                                                                 clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230005")
    run_at(app, "2026-11-24 08:59")
    assert said(fake_wechat, "o_member", "每日提醒") == 0
    run_at(app, "2026-11-24 09:00")
    assert said(fake_wechat, "o_member", "每日提醒") == 1
    assert said(fake_wechat, "o_leader", "每日提醒") == 1
    assert said(fake_wechat, "o_parent", "每日提醒") == 0  # nothing open at the street
    run_at(app, "2026-11-24 15:00")
    run_at(app, "2026-11-28 09:30")  # Saturday: no digest
    assert said(fake_wechat, "o_member", "每日提醒") == 1
    run_at(app, "2026-11-30 09:30")
    assert said(fake_wechat, "o_member", "每日提醒") == 2


def test_monthly_ranking_bottom_five_and_two_months_running(app, runtime, fake_wechat,
                                                            clock) -> None:
    october = datetime(2026, 10, 12, 10, 0, tzinfo=TZ)
    communities = ["D01-S01-C01", "D01-S01-C02", "D01-S01-C03", "D01-S02-C01", "D01-S02-C02",
                   "D01-S02-C03", "D01-S03-C01"]
    with runtime.sessions.begin() as s:
        setup_district(s, {**CADRES, "D01-S02": [("周街", "leader", "o_parent2")]})
        for i, code in enumerate(communities):
            case = make_case(s, runtime.config, code, october, f"JC20261012{i:04d}")
            # The first two were rectified on time; the others late or never.
            case.rectified_at = october if i < 2 else None
            case.status = CLOSED if i < 2 else case.status
        worst = unit_by_code(s, "D01-S03-C01")
        assert worst is not None
        s.add(RankingEntry(month="2026-09", unit_id=worst.id, rank=9, volume=1,
                           on_time_rate=0.0, rework_rate=0.0, bottom=True))
    run_at(app, "2026-11-01 08:00")
    assert said(fake_wechat, "o_office", "月度排名") == 0
    run_at(app, "2026-11-01 09:00")
    assert said(fake_wechat, "o_office", "月度排名") == 1
    assert said(fake_wechat, "o_leader", "月度排名") == 1  # every unit's leader
    assert said(fake_wechat, "o_parent", "末位约谈") == 1  # C03 of 北岭 is in the bottom five
    assert said(fake_wechat, "o_parent2", "末位约谈") == 3  # all three of 东湖
    assert said(fake_wechat, "o_main", "主要领导约谈") == 1  # 西河 C01 two months running
    with runtime.sessions.begin() as s:
        entries = s.scalars(select(RankingEntry).where(RankingEntry.month == "2026-10")).all()
        assert len(entries) == 7 and sum(e.bottom for e in entries) == 5
        top = {s.get(Unit, e.unit_id).code for e in entries if e.rank <= 2}  # type: ignore
        assert top == {"D01-S01-C01", "D01-S01-C02"}
    assert "0 new" in run_at(app, "2026-11-02 09:00")
