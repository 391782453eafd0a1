"""The plain-question fast path (bot/fastpath.py): exactly-once, and the fall back to the
full path whenever a conversation row exists or the message is anything but plain."""
from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

import bot.fastpath as fastpath
from bot.simulator import WeChatServer, message_xml, new_msg_id
from handlers.routes import plain_question
from handlers.types import Incoming
from models import Conversation, InboundMessage, KbMiss
from tests.support.concurrency import run_together


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """How each delivery that reached the fast path left it: "fast" or "full"."""
    seen: list[str] = []
    real = fastpath.answer_plain

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            result = real(*args, **kwargs)
        except fastpath.NotPlain:
            seen.append("full")
            raise
        seen.append("fast")
        return result

    monkeypatch.setattr("bot.webhook.answer_plain", spy)
    return seen


def _inbound(runtime: Any) -> list[tuple[str, str | None]]:
    with runtime.sessions.begin() as s:
        return [(r.dedupe_key, r.reply) for r in s.scalars(select(InboundMessage))]


@pytest.mark.parametrize("text,plain", [
    ("塑料瓶", True), ("香蕉皮是什么垃圾", True), ("dianchi", True),
    ("纠错", False), ("帮助", False), ("取消", False), ("答题", False), ("待办", False),
    ("绑定 abcd1234", False), ("办结 jc202611230001", False), ("我的投诉", False),
    ("jc202611230001", False), ("满意", False), ("已解决", False), ("", False),
])
def test_which_texts_are_plain_questions(text: str, plain: bool) -> None:
    assert plain_question(Incoming(msg_type="text", openid="o_x", content=text)) is plain


def test_only_text_and_voice_can_be_plain() -> None:
    assert plain_question(Incoming(msg_type="voice", openid="o_x", content="电池"))
    for kind in ("image", "location", "event", "link"):
        assert not plain_question(Incoming(msg_type=kind, openid="o_x", content="电池"))


def test_question_takes_the_fast_path_and_a_repeat_gets_the_same_reply(
        user: Any, runtime: Any, taken: list[str]) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    again = user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    assert first and again == first
    assert taken == ["fast", "fast"]
    assert [reply for _, reply in _inbound(runtime)] == [first]
    with runtime.sessions.begin() as s:
        assert s.scalar(select(KbMiss.count)) == 1  # the repeat is not counted again


def test_concurrent_repeats_get_one_stored_reply(app: Any, runtime: Any,
                                                 wechat: WeChatServer, taken: list[str]) -> None:
    xml = message_xml("o_repeat", "gh", "text", int(time.time()), new_msg_id(),
                      Content="量子纠缠发生器")

    def deliver() -> tuple[int, bytes]:
        d = wechat.deliver(xml)  # a fresh nonce each time, as WeChat's retries carry
        r = app.test_client().post("/wechat", query_string=d.params, data=d.body)
        return r.status_code, r.data

    results = run_together([deliver for _ in range(4)])
    assert {status for status, _ in results} == {200}
    assert len({body.split(b"<CreateTime>")[0] for _, body in results}) == 1
    assert len(_inbound(runtime)) == 1
    assert taken == ["fast"] * 4
    with runtime.sessions.begin() as s:
        assert s.scalar(select(KbMiss.count)) == 1


def test_open_conversation_sends_text_to_the_full_path(user: Any, runtime: Any,
                                                       taken: list[str]) -> None:
    user.say("纠错")  # a command: never offered to the fast path
    assert taken == []
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid) is not None
    reply = user.say("塑料瓶")  # inside the complaint flow: a step, not a sorting answer
    assert taken == ["full"]
    assert "可回收物" not in (reply or "")
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid) is not None
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_expired_conversation_is_noticed_on_the_full_path(user: Any, clock: Any,
                                                          config: Any,
                                                          taken: list[str]) -> None:
    user.say("纠错")
    clock.advance(minutes=config.CONVERSATION_IDLE_MIN + 1)
    reply = user.say("塑料瓶")
    assert taken == ["full"]
    assert reply and "可回收" in reply  # answered, after the expiry notice
    user.say("香蕉皮")
    assert taken[-1] == "fast"  # the row is gone: the next question is plain again


def test_retry_after_a_conversation_opened_gets_the_stored_answer(
        user: Any, runtime: Any, taken: list[str]) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="塑料瓶")
    user.say("纠错")
    with runtime.sessions.begin() as s:
        before = s.get(Conversation, user.openid)
        assert before is not None
        state = dict(before.state)
    again = user.deliver("text", msg_id=msg_id, Content="塑料瓶")
    assert again == first
    assert taken == ["fast", "full"]
    with runtime.sessions.begin() as s:
        conv = s.get(Conversation, user.openid)
        assert conv is not None and conv.flow == "complaint" and conv.state == state
