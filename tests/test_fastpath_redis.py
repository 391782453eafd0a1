"""With REDIS_URL: plain questions de-duplicated in Redis (bot/dedupe.py), no database write;
state-changing messages still claimed in the database too; Redis down falls back."""
from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import Conversation, InboundMessage, KbMiss
from tests.support.concurrency import run_together

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis at " + REDIS_URL)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"REDIS_URL": REDIS_URL}


def _rows(runtime: Any) -> int:
    with runtime.sessions.begin() as s:
        return int(s.scalar(select(func.count()).select_from(InboundMessage)) or 0)


def test_question_writes_no_row_and_a_repeat_gets_the_same_reply(user: Any,
                                                                 runtime: Any) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    assert first and user.deliver("text", msg_id=msg_id, Content="量子纠缠发生器") == first
    assert _rows(runtime) == 0
    with runtime.sessions.begin() as s:
        assert s.scalar(select(KbMiss.count)) == 1


def test_concurrent_repeats_answered_once(app: Any, runtime: Any, wechat: WeChatServer) -> None:
    xml = message_xml("o_redis_repeat", "gh", "text", int(time.time()), new_msg_id(),
                      Content="量子纠缠发生器")

    def deliver() -> tuple[int, bytes]:
        d = wechat.deliver(xml)
        r = app.test_client().post("/wechat", query_string=d.params, data=d.body)
        return r.status_code, r.data

    results = run_together([deliver for _ in range(4)])
    assert {status for status, _ in results} == {200}
    assert len({body.split(b"<CreateTime>")[0] for _, body in results}) == 1
    with runtime.sessions.begin() as s:
        assert s.scalar(select(KbMiss.count)) == 1


def test_state_changing_messages_are_claimed_in_the_database_too(user: Any,
                                                                 runtime: Any) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="纠错")
    with runtime.sessions.begin() as s:
        conv = s.get(Conversation, user.openid)
        assert conv is not None
        state = dict(conv.state)
    assert _rows(runtime) == 1
    assert user.deliver("text", msg_id=msg_id, Content="纠错") == first
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid).state == state  # type: ignore[union-attr]
    step = user.say("塑料瓶")  # a step of the open flow, not a sorting answer
    assert step and "可回收" not in step
    assert _rows(runtime) == 2
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid) is not None


def test_retry_after_a_conversation_opened_gets_the_stored_answer(user: Any,
                                                                  runtime: Any) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="塑料瓶")
    user.say("纠错")
    with runtime.sessions.begin() as s:
        state = dict(s.get(Conversation, user.openid).state)  # type: ignore[union-attr]
    assert user.deliver("text", msg_id=msg_id, Content="塑料瓶") == first
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, user.openid).state == state  # type: ignore[union-attr]


class TestRedisDown:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"REDIS_URL": "redis://127.0.0.1:1/0"}

    def test_questions_fall_back_to_the_database(self, user: Any, runtime: Any) -> None:
        msg_id = new_msg_id()
        first = user.deliver("text", msg_id=msg_id, Content="塑料瓶")
        assert first and "可回收" in first
        assert user.deliver("text", msg_id=msg_id, Content="塑料瓶") == first
        assert _rows(runtime) == 1
