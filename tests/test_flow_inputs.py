"""Issue 12, inputs that broke a flow: bad coordinates, photos refused after the reply,
提交 after submission, a bounded unanswered-questions list, pruning."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from outbound.photos import fetch_pending
from models import InboundMessage, KbMiss, SeenNonce, SharedCount
from tests.support.complaints import SONGFENG, cases, jpeg


@pytest.mark.parametrize("lat, lng", [(999, 121.46), ("nan", "nan"), ("inf", 121.46),
                                      (31.2, "-inf"), (31.2, 181)])
def test_an_impossible_location_is_refused_and_the_report_kept(
        lat: Any, lng: Any, user: Any, runtime: Any, district: None) -> None:
    user.say("纠错")
    assert "第1张照片" in (user.image(jpeg()) or "")
    user.say("1")
    refused = user.location(lat, lng, label="火星")
    assert refused is not None and "坐标无效" in refused and "已填写的内容都保留着" in refused
    assert "还需要：位置" in refused
    assert "位置" in (user.say("提交") or "")  # still asks for a place, not 系统繁忙
    user.location(*SONGFENG, label="松风路88弄")
    reply = user.say("提交")
    assert reply is not None and "投诉已提交" in reply
    [case] = cases(runtime)
    assert case.problem_type and len(case.photos) == 1 and case.address == "松风路88弄"


def test_a_photo_refused_after_its_receipt_is_followed_by_a_push(
        user: Any, runtime: Any, district: None) -> None:
    user.say("纠错")
    assert "已收到第1张照片" in (user.image(jpeg()) or "")
    assert "已收到第2张照片" in (user.image(b"MZ\x90\x00 not an image") or "")
    user.location(*SONGFENG, label="松风路88弄")
    user.say("1")
    number = cases(runtime)[0].number if cases(runtime) else None
    assert number is None
    assert "投诉已提交" in (user.say("提交") or "")
    runtime.drain()
    fetch_pending(runtime)
    [case] = cases(runtime)
    pushes = [p for p in user.pushes() if "照片未能收录" in p or "未能收录" in p]
    assert pushes == [f"您为投诉{case.number}发送的第2张照片未能收录（无法识别为图片或已失效），"
                      "投诉本身已正常受理，不受影响。"]


def test_submit_again_says_it_was_already_submitted(user: Any, runtime: Any,
                                                   district: None) -> None:
    assert "当前没有填写中的投诉" in (user.say("提交") or "")
    user.say("纠错")
    user.image(jpeg())
    user.location(*SONGFENG, label="松风路88弄")
    assert "投诉已提交" in (user.say("提交") or "")
    again = user.say("提交")
    assert again == ("您的投诉已经提交过了，无需重复提交。发“我的投诉”可查看进度；"
                     "如要反映新的问题，请发送“纠错”。")
    assert len(cases(runtime)) == 1


class TestMissQuota:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"KB_MISS_DAILY_PER_SENDER": 3}

    def test_one_sender_adds_a_bounded_number_of_questions_a_day(
            self, make_user: Any, runtime: Any, clock: Any) -> None:
        spammer = make_user("o_spam")
        for i in range(10):
            spammer.say(f"zzqx无此物品{i}号")
        make_user("o_other").say("zzqx无此物品其他")
        with runtime.sessions.begin() as s:
            queries = set(s.scalars(select(KbMiss.query)))
        assert len([q for q in queries if q.startswith("zzqx无此物品") and q[-1] == "号"]) == 3
        assert "zzqx无此物品其他" in queries
        clock.advance(days=1)
        spammer.say("zzqx无此物品明天")
        with runtime.sessions.begin() as s:
            assert s.scalar(select(KbMiss).where(KbMiss.query == "zzqx无此物品明天"))


def test_scheduler_prunes_old_deliveries_nonces_and_counters(make_user: Any, runtime: Any,
                                                              clock: Any) -> None:
    from scheduler.runner import JOBS, prune_job

    assert JOBS["prune"][0] is prune_job
    make_user("o_old").say("帮助")
    clock.advance(days=runtime.config.INBOUND_RETENTION_DAYS, minutes=1)
    make_user("o_new").say("帮助")
    removed = prune_job(runtime)
    assert removed >= 1
    with runtime.sessions.begin() as s:
        assert list(s.scalars(select(InboundMessage.openid))) == ["o_new"]
        assert s.scalar(select(func.count()).select_from(SeenNonce)) == 1
        stale = runtime.clock() - timedelta(seconds=1)
        assert s.scalar(select(func.count()).select_from(SharedCount)
                        .where(SharedCount.expires_at < stale)) == 0
