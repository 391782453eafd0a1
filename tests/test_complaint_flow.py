"""The complaint conversation, end to end through the webhook, as a resident would use it."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from config import TZ
from domain.geo import wgs84_to_gcj02
from models import CasePhoto, Conversation
from runtime import from_app
from tests.support.complaints import SONGFENG, SONGFENG_WGS, cases, file_report, jpeg

def test_full_report_gets_number_unit_and_deadline(user: Any, runtime: Any, district: None,
                                                   clock: Any) -> None:
    intro = user.click("COMPLAINT")
    assert intro and "照片" in intro and "1. 混投错投" in intro and "取消" in intro
    reply = user.image(jpeg())
    assert "第1张照片" in reply and "位置" in reply and "问题类型" in reply
    reply = user.location(*SONGFENG, label="松风路88弄")
    assert "松风路88弄" in reply and "位置" not in reply.split("还需要")[-1]
    reply = user.say("1")
    assert "混投错投" in reply and "提交" in reply
    assert "描述" in user.say("描述：垃圾桶边堆满了装修垃圾")
    reply = user.say("提交")
    assert "JC20261123" in reply and "松风苑（绿洲物业）" in reply
    assert "2026-11-26 10:00" in reply  # three working days
    [case] = cases(runtime)
    assert case.number == "JC202611230001"
    assert case.status == "已派单" and case.unit.code == "D01-S01-C02-P01"
    assert case.route_reason == "area"
    assert case.raw_crs == "gcj02" and case.raw_lat == pytest.approx(SONGFENG[0])
    assert case.lat == pytest.approx(SONGFENG_WGS[0], abs=1e-5)
    assert case.description == "垃圾桶边堆满了装修垃圾"
    assert case.deadline_at.astimezone(TZ).isoformat() == "2026-11-26T10:00:00+08:00"
    assert [e.action for e in case.events] == ["submit", "dispatch"]
    with runtime.sessions.begin() as session:
        assert session.get(Conversation, user.openid) is None


def test_photo_outside_a_conversation_asks_whether_it_is_a_report(user: Any, runtime: Any,
                                                                   district: None) -> None:
    reply = user.image(jpeg())
    assert "是要反映" in reply and "取消" in reply
    user.say("长乐路210弄门口")  # typed address, no location
    reply = user.say("提交")
    assert "JC" in reply
    [case] = cases(runtime)
    assert case.problem_type == "其他" and case.lat is None
    assert case.unit.code == "D01-S01-C03-P01" and case.route_reason == "keyword"


def test_says_what_is_missing_and_refuses_early_submit(user: Any, runtime: Any,
                                                       district: None) -> None:
    user.say("投诉")
    reply = user.say("提交")
    assert "还不能提交" in reply and "现场照片" in reply and "位置" in reply
    user.image(jpeg())
    reply = user.say("确认")
    assert "位置" in reply and "现场照片" not in reply
    assert cases(runtime) == []


def test_cancel_and_help_work_mid_flow(user: Any, runtime: Any, district: None) -> None:
    user.say("随手拍")
    user.image(jpeg())
    assert "纠错投诉" in user.say("帮助")
    assert "第2张" in user.image(jpeg())  # still in the flow after help
    assert "已取消" in user.say("取消")
    reply = user.say("提交")
    assert "JC" not in (reply or "")
    assert cases(runtime) == []


def test_at_most_nine_photos(user: Any, runtime: Any, district: None) -> None:
    user.say("举报")
    for _ in range(9):
        user.image(jpeg())
    assert "最多9张" in user.image(jpeg())
    user.location(*SONGFENG)
    user.say("提交")
    [case] = cases(runtime)
    assert len(case.photos) == 9


def test_idle_conversation_expires_and_says_so(user: Any, runtime: Any, district: None,
                                               clock: Any) -> None:
    user.say("纠错")
    user.image(jpeg())
    clock.advance(minutes=31)
    reply = user.location(*SONGFENG)
    assert "超过30分钟" in reply and "已自动取消" in reply
    reply = user.say("提交")
    assert "JC" not in (reply or "")
    assert cases(runtime) == []


class TestShorterIdleTime:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"CONVERSATION_IDLE_MIN": 10}

    def test_the_notice_names_the_configured_idle_time(self, user: Any, district: None,
                                                       clock: Any) -> None:
        user.say("纠错")
        clock.advance(minutes=11)
        reply = user.location(*SONGFENG)
        assert reply.startswith("上次的投诉填写超过10分钟未操作，已自动取消。")


def test_state_survives_a_restart(user: Any, runtime: Any, district: None, config: Any,
                                  clock: Any, make_user: Any) -> None:
    from bot.app import create_app

    user.say("纠错")
    user.image(jpeg())
    other = create_app(config, clock=clock)  # another worker, no memory shared
    try:
        from tests.support.wechat_user import WeChatUser

        same = WeChatUser(other.test_client(), user.server, from_app(other),
                          user.fake, user.openid)
        same.location(*SONGFENG)
        assert "JC" in same.say("提交")
    finally:
        from_app(other).close()
    [case] = cases(runtime)
    assert len(case.photos) == 1


def test_retried_delivery_never_creates_two_cases(user: Any, runtime: Any,
                                                  district: None) -> None:
    user.say("纠错")
    user.image(jpeg())
    user.location(*SONGFENG)
    first = user.deliver("text", msg_id="777000111", Content="提交")
    again = user.deliver("text", msg_id="777000111", Content="提交")
    assert first == again and "JC" in first
    later = user.say("提交")  # a second, separate 提交 after the case exists
    assert "JC2026" not in (later or "")
    assert len(cases(runtime)) == 1


def test_daily_limit(user: Any, runtime: Any, district: None, clock: Any,
                     config_overrides: dict[str, Any]) -> None:
    limit = runtime.config.COMPLAINT_DAILY_LIMIT
    for i in range(limit):
        clock.advance(minutes=1)
        spot = (SONGFENG[0] + 0.003 * i, SONGFENG[1])  # far apart: no duplicates
        assert "JC" in file_report(user, "1", spot)
    reply = user.say("纠错")
    assert "每日上限" in reply and str(limit) in reply
    assert "每日上限" in user.image(jpeg())
    assert len(cases(runtime)) == limit
    clock.advance(days=1)
    assert "照片" in user.say("纠错")


@pytest.mark.parametrize("config_overrides", [{"COMPLAINT_DAILY_LIMIT": 2}])
def test_daily_limit_is_configurable(user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1", SONGFENG)
    file_report(user, "2", SONGFENG)
    assert "达到每日上限（2条）" in user.say("投诉")


def test_duplicate_within_100m_and_24h_is_linked(make_user: Any, runtime: Any, district: None,
                                                 clock: Any) -> None:
    first = make_user("o_first")
    second = make_user("o_second")
    third = make_user("o_third")
    file_report(first, "2")
    clock.advance(hours=3)
    near = wgs84_to_gcj02(SONGFENG_WGS[0] + 0.0005, SONGFENG_WGS[1])  # about 55 m north
    reply = file_report(second, "2", near)
    assert "已有同类问题" in reply and "JC202611230001" in reply
    file_report(third, "1", near)  # another type: its own case
    clock.advance(hours=22)
    fourth = make_user("o_fourth")
    file_report(fourth, "2", near)  # more than 24 h after the first: new case
    rows = cases(runtime)
    assert [c.status for c in rows] == ["已派单", "重复", "已派单", "已派单"]
    assert rows[1].duplicate_of_id == rows[0].id
    assert "duplicate_linked" in [e.action for e in rows[0].events]
    with runtime.sessions.begin() as session:
        assert session.scalar(select(func.count(CasePhoto.id))) == 4


def test_my_cases_and_lookup_only_show_own_cases(make_user: Any, runtime: Any,
                                                 district: None) -> None:
    alice, bob = make_user("o_alice"), make_user("o_bob")
    assert "还没有提交过" in alice.say("我的投诉")
    file_report(alice)
    listing = alice.say("我的投诉")
    assert "JC202611230001" in listing and "已派单" in listing
    detail = alice.say("jc202611230001")
    assert "松风苑" in detail and "办理时限" in detail and "派单" in detail
    assert "没有找到" in bob.say("JC202611230001")
