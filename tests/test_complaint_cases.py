"""Case life cycle: routing, deadlines, transitions with history, and what the reporter hears."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from config import TZ
from models import Cadre, Case, ExtensionRequest, OutboxMessage
from services import cases as cs
from services.units import unit_by_code
from tests.support.settings import deliver
from tests.support.complaints import SONGFENG, cases, file_report, jpeg

OFFICE = cs.Actor("office", "区分类办 王主任")
CADRE = cs.Actor("cadre", "绿洲物业 李师傅")


def act(runtime: Any, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a service function on case 1 in its own transaction, as the dashboard would."""
    with runtime.sessions.begin() as session:
        case = session.scalar(select(Case).order_by(Case.id))
        return fn(session, runtime.config, case, *args, now=runtime.clock(), **kwargs)


def statuses(runtime: Any) -> list[tuple[str, str | None]]:
    return [(e.action, e.to_status) for e in cases(runtime)[0].events]


def test_reporter_hears_back_at_each_step_and_survey_closes_the_loop(
        user: Any, runtime: Any, district: None, clock: Any) -> None:
    file_report(user, "1")
    deliver(runtime)
    assert user.pushes() == []  # the reply already said the unit and deadline
    act(runtime, cs.accept_case, CADRE)
    act(runtime, cs.mark_rectified, CADRE, note="已清理")
    assert any("已整改" in t for t in user.pushes())
    act(runtime, cs.verify_and_close, OFFICE)
    assert any("已办结" in t and "已解决" in t for t in user.pushes())
    assert "打分" in user.say("已解决")
    assert "感谢您的评价" in user.say("2")
    [case] = cases(runtime)
    assert case.status == "已办结" and case.fixed is True and case.satisfaction == 2
    assert [a for a, _ in statuses(runtime)] == [
        "submit", "dispatch", "accept", "rectify", "close", "survey", "survey"]
    assert all(e.at is not None and e.actor for e in case.events)
    # "1" is no longer a survey answer: it goes back to sorting questions.
    assert "感谢" not in (user.say("2") or "")


def test_not_fixed_reopens_as_rework(user: Any, runtime: Any, district: None,
                                     clock: Any) -> None:
    file_report(user, "1")
    act(runtime, cs.mark_rectified, CADRE)
    act(runtime, cs.verify_and_close, OFFICE)
    clock.advance(days=1)
    reply = user.say("没解决")
    assert "返工" in reply
    [case] = cases(runtime)
    assert case.status == "已派单" and case.rework_count == 1 and case.fixed is False
    assert case.deadline_at > clock.now
    assert statuses(runtime)[-1] == ("rework", "已派单")


def test_verify_failure_sends_back_to_work(user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1")
    act(runtime, cs.mark_rectified, CADRE)
    act(runtime, cs.verify_and_close, OFFICE, passed=False, note="仍有堆放")
    [case] = cases(runtime)
    assert case.status == "处置中" and case.rework_count == 1


def test_illegal_transition_is_refused(user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1")
    with pytest.raises(cs.CaseTransitionError) as err:
        act(runtime, cs.verify_and_close, OFFICE)
    assert "已派单" in err.value.message_zh
    with pytest.raises(cs.CaseTransitionError):
        act(runtime, cs.reject_case, OFFICE, reason="  ")


def test_return_to_triage_then_reroute_keeps_history(user: Any, runtime: Any, district: None,
                                                    clock: Any) -> None:
    file_report(user, "1")
    act(runtime, cs.return_case, CADRE, reason="不属于本小区")
    [case] = cases(runtime)
    assert case.status == "退回" and case.unit.code == "D01"
    clock.advance(days=2)
    with runtime.sessions.begin() as session:
        target = unit_by_code(session, "D01-S01-C03")
    act(runtime, cs.reroute_case, target, OFFICE, note="改派长乐社区")
    [case] = cases(runtime)
    assert case.status == "已派单" and case.unit.code == "D01-S01-C03"
    assert case.deadline_at.astimezone(TZ) > clock.now  # fresh deadline for the new unit
    units = [e.unit_id for e in case.events if e.action in ("dispatch", "return", "reroute")]
    assert len(set(units)) == 2  # history shows both units
    assert [a for a, _ in statuses(runtime)][-2:] == ["return", "reroute"]
    assert any("长乐社区" in t for t in user.pushes())


def test_extension_approved_moves_deadline_by_working_days(user: Any, runtime: Any,
                                                           district: None) -> None:
    file_report(user, "1")
    before = cases(runtime)[0].deadline_at
    req = act(runtime, cs.request_extension, CADRE, days=2, reason="需要采购新桶")
    with pytest.raises(cs.CaseTransitionError):
        act(runtime, cs.request_extension, CADRE, days=1, reason="again")
    with runtime.sessions.begin() as session:
        request = session.get(ExtensionRequest, req.id)
        cs.decide_extension(session, runtime.config, request, True, OFFICE, runtime.clock())
    [case] = cases(runtime)
    assert case.status == "延期"
    # Thursday 10:00 + 2 working days = Monday 10:00 (the weekend does not count).
    assert before.astimezone(TZ) == datetime(2026, 11, 26, 10, tzinfo=TZ)
    assert case.deadline_at.astimezone(TZ) == datetime(2026, 11, 30, 10, tzinfo=TZ)
    assert any("延至" in t for t in user.pushes())


def test_extension_refused_keeps_deadline(user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1")
    before = cases(runtime)[0].deadline_at
    req = act(runtime, cs.request_extension, CADRE, days=3, reason="人手不足")
    with runtime.sessions.begin() as session:
        request = session.get(ExtensionRequest, req.id)
        cs.decide_extension(session, runtime.config, request, False, OFFICE, runtime.clock())
    [case] = cases(runtime)
    assert case.status == "已派单" and case.deadline_at == before
    assert "extension_refused" in [e.action for e in case.events]


def test_reject_tells_the_reporter_why(user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1")
    act(runtime, cs.reject_case, OFFICE, reason="照片与垃圾分类无关")
    [case] = cases(runtime)
    assert case.status == "不予受理" and case.reject_reason == "照片与垃圾分类无关"
    assert any("照片与垃圾分类无关" in t for t in user.pushes())
    assert "不予受理原因" in user.say(case.number)


def test_type_routes_to_department_and_hours_deadline(user: Any, runtime: Any,
                                                      district: None) -> None:
    file_report(user, "4")  # 混装混运 → the enforcement department
    file_report(user, "2", (SONGFENG[0] + 0.01, SONGFENG[1]))  # 垃圾满溢: 24 clock hours
    first, second = cases(runtime)
    assert first.unit.code == "D01-CG" and first.route_reason == "department"
    assert second.deadline_at.astimezone(TZ) == datetime(2026, 11, 24, 10, tzinfo=TZ)


def test_working_days_skip_national_day_with_adjusted_saturday(user: Any, runtime: Any,
                                                                district: None,
                                                                clock: Any) -> None:
    clock.set(datetime(2026, 9, 30, 10, tzinfo=TZ))
    file_report(user, "1")
    # Oct 1-7 are holidays; Oct 10 (a Saturday) is an official working day (调休).
    assert cases(runtime)[0].deadline_at.astimezone(TZ) == datetime(2026, 10, 10, 10, tzinfo=TZ)


def test_unroutable_goes_to_triage_then_office_dispatches(user: Any, runtime: Any,
                                                         district: None) -> None:
    file_report(user, "1", (39.9, 116.4), "北京")  # far from every area, no keyword
    [case] = cases(runtime)
    assert case.status == "待受理" and case.unit.code == "D01" and case.route_reason == "triage"
    with runtime.sessions.begin() as session:
        target = unit_by_code(session, "D01-S02")
    act(runtime, cs.dispatch_case, target, OFFICE)
    assert any("已派给东湖街道" in t for t in user.pushes())


def test_outside_48_hours_the_reporter_gets_a_template(user: Any, runtime: Any, district: None,
                                                       clock: Any, fake_wechat: Any) -> None:
    file_report(user, "1")
    clock.advance(hours=49)
    act(runtime, cs.mark_rectified, CADRE)
    user.pushes()
    [call] = [c for c in fake_wechat.sent("/cgi-bin/message/template/send")
              if c.body["touser"] == user.openid]
    assert call.body["data"]["keyword1"]["value"] == "JC202611230001"
    assert not [c for c in fake_wechat.sent("/cgi-bin/message/custom/send")
                if c.body["touser"] == user.openid]


def test_45015_falls_back_to_template(user: Any, runtime: Any, district: None,
                                      fake_wechat: Any) -> None:
    file_report(user, "1")
    fake_wechat.fail("/cgi-bin/message/custom/send", 45015)
    act(runtime, cs.mark_rectified, CADRE)
    user.pushes()
    assert [c for c in fake_wechat.sent("/cgi-bin/message/template/send")
            if c.body["touser"] == user.openid]
    with runtime.sessions.begin() as session:
        row = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == user.openid))
        assert row.status == "sent" and row.channel_used == "wechat_template"


def test_reporter_never_shown_to_the_unit(user: Any, runtime: Any, district: None,
                                          fake_wechat: Any) -> None:
    with runtime.sessions.begin() as session:
        unit = unit_by_code(session, "D01-S01-C02-P01")
        unit.wecom_robot_key = "robot-key-1"
        session.add(Cadre(unit_id=unit.id, name="李师傅", openid="o_cadre_li",
                          wecom_userid="li", active=True))
    user.say("纠错")
    user.image(jpeg())
    user.location(*SONGFENG, label="松风路88弄")
    user.say("描述 桶满了")
    user.say("提交")
    deliver(runtime)
    cadre_texts = fake_wechat.messages_to("o_cadre_li")
    assert cadre_texts and "JC202611230001" in " ".join(cadre_texts)
    with runtime.sessions.begin() as session:
        unit_rows = session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient != user.openid)).all()
        assert unit_rows
        for row in unit_rows:
            assert user.openid not in row.text and "桶满了" in row.text
            assert user.openid not in str(row.routes)
    [case] = cases(runtime)
    assert all(user.openid not in e.actor + e.note for e in case.events)


def test_duplicate_reporter_hears_progress_of_the_merged_case(make_user: Any, runtime: Any,
                                                              district: None) -> None:
    first, second = make_user("o_first"), make_user("o_second")
    file_report(first, "2")
    file_report(second, "2")
    act(runtime, cs.mark_rectified, CADRE)
    assert any("JC202611230001" in t and "已整改" in t for t in second.pushes())


def test_cadre_push_has_the_address_and_a_gcj02_map_link(user: Any, runtime: Any,
                                                         district: None,
                                                         fake_wechat: Any) -> None:
    with runtime.sessions.begin() as session:
        unit = unit_by_code(session, "D01-S01-C02-P01")
        session.add(Cadre(unit_id=unit.id, name="李师傅", openid="o_cadre_li", active=True))
    user.say("纠错")
    user.image(jpeg())
    user.location(*SONGFENG, label="松风路88弄")  # GCJ-02, as WeChat sends it
    user.say("提交")
    deliver(runtime)
    with runtime.sessions.begin() as session:  # the full text; a template shows 20 characters
        text = session.scalar(select(OutboxMessage.text).where(
            OutboxMessage.recipient == "o_cadre_li"))
    lat, lng = SONGFENG
    assert "地点：松风路88弄\n" in text
    assert (f"地图（高德，GCJ-02 {lat:.6f},{lng:.6f}）：https://uri.amap.com/marker?position="
            f"{lng:.6f},{lat:.6f}&name=%E6%9D%BE%E9%A3%8E%E8%B7%AF88%E5%BC%84&coordinate=gaode"
            ) in text
    assert "坐标：" not in text


def _closed(user: Any, runtime: Any) -> None:
    file_report(user, "1")
    act(runtime, cs.accept_case, CADRE)
    act(runtime, cs.mark_rectified, CADRE, note="已清理")
    act(runtime, cs.verify_and_close, OFFICE)
    deliver(runtime)
    assert any("问题解决了吗？请回复 1 已解决、2 未解决。" in t for t in user.pushes())


@pytest.mark.parametrize("fixed_reply, score_reply, score", [
    ("1", "1", 1), ("解决了", "满意", 1), ("已解决", "一般", 2), ("1", "不满意", 3),
    ("是", "3", 3), ("已解决。", "基本满意", 2),
])
def test_survey_takes_digits_and_words_at_each_step(user: Any, runtime: Any, district: None,
                                                    fixed_reply: str, score_reply: str,
                                                    score: int) -> None:
    _closed(user, runtime)
    assert user.say(fixed_reply) == "感谢反馈！请为本次处理打分：回复 1 满意、2 基本满意、3 不满意。"
    assert user.say(score_reply) == "感谢您的评价！投诉JC202611230001已完成回访。"
    [case] = cases(runtime)
    assert (case.fixed, case.satisfaction, case.status) == (True, score, "已办结")


@pytest.mark.parametrize("reply", ["2", "没解决", "未解决", "没有"])
def test_not_fixed_by_digit_or_word_sends_it_back(user: Any, runtime: Any, district: None,
                                                  reply: str) -> None:
    _closed(user, runtime)
    assert "返工" in user.say(reply)
    [case] = cases(runtime)
    assert (case.fixed, case.rework_count, case.status) == (False, 1, "已派单")


def test_a_score_first_still_asks_whether_it_was_fixed(user: Any, runtime: Any,
                                                       district: None) -> None:
    _closed(user, runtime)
    assert user.say("满意") == "感谢您的评价！问题解决了吗？请回复 1 已解决、2 未解决。"
    assert user.say("1") == "感谢您的评价！投诉JC202611230001已完成回访。"
    [case] = cases(runtime)
    assert (case.fixed, case.satisfaction) == (True, 1)
