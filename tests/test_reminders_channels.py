"""A reminder falls back template → WeCom app → group robot; a busy API leaves it for retry."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from outbound.delivery import deliver_due
from models import Cadre, OutboxMessage
from services.units import unit_by_code
from tests.support.district import make_case, run_at, setup_district

TEMPLATE, APP, ROBOT = ("/cgi-bin/message/template/send", "/cgi-bin/message/send",
                        "/cgi-bin/webhook/send")


def _setup(runtime, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s, {})
        unit = unit_by_code(s, "D01-S01-C01")
        assert unit is not None
        unit.wecom_robot_key = "robot-key-1"
        s.add(Cadre(unit_id=unit.id, name="王敏", role="member", openid="o_m",
                    wecom_userid="wangmin"))
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230401")
    deliver_due(runtime)  # the dispatch notice


def _red(fake) -> list:
    return [c for c in fake.calls if c.path in (TEMPLATE, APP, ROBOT) and "催办" in str(c.body)]


def test_template_fails_then_wecom_app(app, runtime, fake_wechat, clock) -> None:
    _setup(runtime, clock)
    fake_wechat.fail(TEMPLATE, 40003)  # invalid openid: permanent for this channel
    run_at(app, "2026-11-26 10:00")
    assert [c.path for c in _red(fake_wechat)] == [TEMPLATE, APP]
    with runtime.sessions.begin() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "case_red"))
        assert row is not None and (row.status, row.channel_used) == ("sent", "wecom_app")


def test_template_and_app_fail_then_robot(app, runtime, fake_wechat, clock) -> None:
    _setup(runtime, clock)
    fake_wechat.fail(TEMPLATE, 40003)
    fake_wechat.fail(APP, 60111)  # user id not found
    run_at(app, "2026-11-26 10:00")
    assert [c.path for c in _red(fake_wechat)] == [TEMPLATE, APP, ROBOT]
    assert _red(fake_wechat)[-1].args["key"] == "robot-key-1"


def test_busy_api_leaves_reminder_in_outbox_for_retry(app, runtime, fake_wechat, clock) -> None:
    _setup(runtime, clock)
    fake_wechat.fail(TEMPLATE, -1, times=1)  # system busy: retry later, same channel
    out = run_at(app, "2026-11-26 10:00")
    assert "case_red" in out
    with runtime.sessions.begin() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "case_red"))
        assert row is not None and (row.status, row.attempts) == ("pending", 1)
        retry_at = row.next_attempt_at
    assert "0 new" in run_at(app, "2026-11-26 10:00")  # the scan does not add a second row
    clock.set(retry_at + timedelta(seconds=1))
    assert deliver_due(runtime) == 1
    assert [c.path for c in _red(fake_wechat)] == [TEMPLATE, TEMPLATE]
    with runtime.sessions.begin() as s:
        row = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "case_red"))
        assert row is not None and row.status == "sent"
