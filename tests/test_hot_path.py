"""The webhook's hot path: one-statement resident touch, misses counted by upsert, KB stamp cache."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select, text

from services.kb_matcher import KbService
from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import InboundMessage, KbItem, KbMiss, Resident
from tests.support.concurrency import run_together


def _all_at_once(app: Any, wechat: WeChatServer, xmls: list[str]) -> list[int]:
    """Deliver every message from its own thread at the same moment; the status codes."""
    def deliver(xml: str) -> int:
        d = wechat.deliver(xml)
        return app.test_client().post("/wechat", query_string=d.params, data=d.body).status_code

    return run_together([lambda x=x: deliver(x) for x in xmls])


def _text(openid: str, content: str) -> str:
    return message_xml(openid, "gh", "text", int(time.time()), new_msg_id(), Content=content)


def test_two_first_messages_of_a_new_resident_both_answered(app: Any, runtime: Any,
                                                            wechat: WeChatServer) -> None:
    statuses = _all_at_once(app, wechat, [_text("o_brand_new", "塑料瓶"),
                                          _text("o_brand_new", "香蕉皮")])
    assert statuses == [200, 200]
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(Resident)) == 1
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_concurrent_asks_of_one_unknown_item_are_all_counted(app: Any, runtime: Any,
                                                             wechat: WeChatServer) -> None:
    xmls = [_text(f"o_asker_{n}", "量子纠缠发生器") for n in range(4)]
    assert _all_at_once(app, wechat, xmls) == [200] * 4
    with runtime.sessions.begin() as s:
        misses = s.scalars(select(KbMiss)).all()
        assert [(m.count, m.status) for m in misses] == [(4, "not_found")]


def test_retry_does_not_count_the_miss_twice(user: Any, runtime: Any) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    assert user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器") == first
    with runtime.sessions.begin() as s:
        assert s.scalar(select(KbMiss.count)) == 1


def _last_message_at(runtime: Any, openid: str) -> Any:
    with runtime.sessions.begin() as s:
        resident = s.get(Resident, openid)
        assert resident is not None
        return resident.last_message_at


def test_last_message_is_rewritten_only_when_a_few_minutes_old(user: Any, runtime: Any,
                                                               clock: Any) -> None:
    user.say("塑料瓶")
    first = _last_message_at(runtime, user.openid)
    assert first == clock.now
    clock.advance(minutes=2)
    user.say("香蕉皮")
    assert _last_message_at(runtime, user.openid) == first
    clock.advance(minutes=4)
    user.say("香蕉皮")
    assert _last_message_at(runtime, user.openid) == clock.now


def test_wechat_reports_do_not_open_the_service_window(make_user: Any, runtime: Any) -> None:
    quiet = make_user("o_only_reports")
    assert quiet.deliver("event", Event="TEMPLATESENDJOBFINISH", Status="success") is None
    assert _last_message_at(runtime, quiet.openid) is None
    quiet.say("塑料瓶")
    assert _last_message_at(runtime, quiet.openid) is not None


class _Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _kb_service(config: Any, ticks: Callable[[], float]) -> KbService:
    return KbService(Path(config.DATA_DIR) / "kb", config.CITY_PROFILE, ttl_s=2.0,
                     monotonic=ticks)


def test_edit_from_another_process_is_seen_after_the_stamp_ttl(runtime: Any, config: Any,
                                                                 clock: Any) -> None:
    ticks = _Ticks()
    service = _kb_service(config, ticks)
    with runtime.sessions.begin() as s:
        assert "星际罗盘" not in service.matcher(s).kb.items
    # Written without this process's ORM session, as another worker's commit looks to us.
    with runtime.engine.begin() as conn:
        conn.execute(KbItem.__table__.insert().values(
            name="星际罗盘", category="有害垃圾", aliases="", tip="", deleted=False,
            updated_at=clock.now, updated_by="admin"))
    with runtime.sessions.begin() as s:
        assert "星际罗盘" not in service.matcher(s).kb.items
    ticks.now += 2.5
    with runtime.sessions.begin() as s:
        assert service.matcher(s).kb.items["星际罗盘"].category == "有害垃圾"


def test_edit_committed_in_this_process_is_seen_at_once(runtime: Any, config: Any,
                                                       clock: Any) -> None:
    service = _kb_service(config, _Ticks())  # the clock never moves: only the event helps
    with runtime.sessions.begin() as s:
        assert "星际罗盘" not in service.matcher(s).kb.items
    with runtime.sessions.begin() as s:
        s.add(KbItem(name="星际罗盘", category="有害垃圾", aliases="", tip="",
                     updated_at=clock.now, updated_by="admin"))
    with runtime.sessions.begin() as s:
        assert "星际罗盘" in service.matcher(s).kb.items


def test_rolled_back_edit_changes_nothing(runtime: Any, config: Any, clock: Any) -> None:
    service = _kb_service(config, _Ticks())
    with runtime.sessions.begin() as s:
        before = service.matcher(s)
    with runtime.sessions() as s:
        s.add(KbItem(name="星际罗盘", category="有害垃圾", aliases="", tip="",
                     updated_at=clock.now, updated_by="admin"))
        s.flush()
        s.rollback()
    with runtime.sessions.begin() as s:
        assert service.matcher(s) is before
        assert s.execute(text("SELECT count(*) FROM kb_items")).scalar() == 0
