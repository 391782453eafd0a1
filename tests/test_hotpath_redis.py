"""With REDIS_URL, a plain question from a sender Redis knows to be free is one Redis script
and no database work (bot/hotpath.py); the conversation facts never hide an open
conversation; Redis failing sends everything back to the database."""
from __future__ import annotations

import secrets
from typing import Any, Iterator

import pytest
import redis as redis_lib
from sqlalchemy import event, func, select

import bot.fastpath as fastpath
from bot.dedupe import Claimed, RedisInbox
from bot.hotpath import fact_keys
from models import Conversation, InboundMessage, KbMiss
from runtime import Runtime
from tests.support.redis import REDIS_URL, redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis at " + REDIS_URL)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    return {"REDIS_URL": REDIS_URL}


@pytest.fixture
def r() -> Any:
    return redis_lib.Redis.from_url(REDIS_URL)


@pytest.fixture
def resident(make_user: Any, r: Any) -> Iterator[Any]:
    """A resident of this test alone (Redis is shared with other tests and runs)."""
    person = make_user("o_hot_" + secrets.token_hex(6))
    yield person
    r.delete(*fact_keys(person.openid))


@pytest.fixture
def database_work(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every use of the database by the app: pool check-outs (ORM or raw) and fast-path asks."""
    seen: list[str] = []
    runtime.kb._cache.ttl_s = 3600  # no knowledge-base stamp check during the test
    engines = [runtime.engine] + ([runtime.relaxed] if runtime.relaxed is not None else [])
    for engine in engines:
        event.listen(engine, "checkout", lambda *a: seen.append("checkout"))
    real = fastpath.FastPath.ask

    def ask(self: Any, a: Any) -> Any:
        seen.append("ask")
        return real(self, a)

    monkeypatch.setattr(fastpath.FastPath, "ask", ask)
    return seen


def _rows(runtime: Runtime) -> int:
    with runtime.sessions.begin() as s:
        return int(s.scalar(select(func.count()).select_from(InboundMessage)) or 0)


def test_a_known_sender_is_answered_without_the_database(resident: Any, runtime: Runtime,
                                                         database_work: list[str],
                                                         r: Any) -> None:
    first = resident.say("塑料瓶")  # Redis does not know the sender yet: the database reads
    assert first and "可回收" in first
    assert "ask" in database_work
    assert r.exists(fact_keys(resident.openid)[0])  # now known free
    database_work.clear()
    again = resident.say("塑料瓶")
    assert again == first
    assert resident.say("香蕉皮") and database_work == []
    assert _rows(runtime) == 0


def test_a_repeat_is_answered_once_with_the_same_reply(resident: Any, runtime: Runtime,
                                                       database_work: list[str]) -> None:
    from bot.simulator import new_msg_id

    resident.say("电池")  # the sender becomes known
    database_work.clear()
    msg_id = new_msg_id()
    first = resident.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    again = resident.deliver("text", msg_id=msg_id, Content="量子纠缠发生器")
    assert first and again == first
    assert "ask" not in database_work
    with runtime.sessions.begin() as s:  # the unanswered question is counted once
        assert s.scalar(select(KbMiss.count).where(KbMiss.query == "量子纠缠发生器")) == 1


def test_an_open_conversation_is_never_taken_even_when_redis_forgot(
        resident: Any, runtime: Runtime, database_work: list[str], r: Any) -> None:
    resident.say("塑料瓶")
    assert r.exists(fact_keys(resident.openid)[0])
    resident.say("纠错")  # opens a complaint: the fact is dropped before the transaction
    assert not r.exists(fact_keys(resident.openid)[0])
    r.delete(*fact_keys(resident.openid))  # Redis lost everything it knew about the sender
    step = resident.say("塑料瓶")  # a step of the open flow, not a sorting answer
    assert step and "可回收" not in step
    assert not r.exists(fact_keys(resident.openid)[0])
    with runtime.sessions.begin() as s:
        assert s.get(Conversation, resident.openid) is not None


def test_a_fact_is_not_set_when_a_conversation_may_have_opened_meanwhile(
        runtime: Runtime, r: Any) -> None:
    inbox = RedisInbox(REDIS_URL)
    hot = inbox.hot_path(0, 0, 60, 60)
    openid = "o_hot_race_" + secrets.token_hex(4)
    free = fact_keys(openid)[0]
    try:
        def ask(key: str) -> Any:
            return hot.ask(ip="-", nonce_key=key, digest="d", openid=openid, key=key,
                           reply="答", now_s=0.0, misses=False, quota="q:" + openid)

        unknown = ask("k1:" + openid)
        assert unknown is not None and unknown.kind == "unknown"
        # While this question's database read runs, a full-path message of the same sender
        # is claimed (it may open a conversation): the read may be stale, so no fact.
        assert isinstance(inbox.claim("k2:" + openid, openid), Claimed)
        hot.settle("k1:" + openid, "答", openid, unknown.gen, False, "q:" + openid)
        assert not r.exists(free)
        # Its transaction ended (committed or not): a later read settles normally.
        inbox.answered("k2:" + openid, "好的", openid)
        again = ask("k3:" + openid)
        assert again is not None and again.kind == "unknown"
        hot.settle("k3:" + openid, "答", openid, again.gen, False, "q:" + openid)
        assert r.exists(free)
        assert ask("k4:" + openid).kind == "done"  # type: ignore[union-attr]
    finally:
        r.delete(*fact_keys(openid))


class TestRedisFailing:
    @pytest.fixture
    def failing(self, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every Redis command of the app fails from now on (as when the server goes away)."""
        def down(*args: Any, **kwargs: Any) -> Any:
            raise redis_lib.ConnectionError("down")

        monkeypatch.setattr(redis_lib.Redis, "execute_command", down)
        monkeypatch.setattr(redis_lib.commands.core.Script, "__call__", down)

    def test_questions_are_answered_from_the_database(self, resident: Any, runtime: Runtime,
                                                      failing: None) -> None:
        from bot.simulator import new_msg_id

        msg_id = new_msg_id()
        first = resident.deliver("text", msg_id=msg_id, Content="塑料瓶")
        assert first and "可回收" in first
        assert resident.deliver("text", msg_id=msg_id, Content="塑料瓶") == first
        assert _rows(runtime) == 1  # the database de-duplicates

    def test_no_conversation_opens_while_redis_cannot_be_told(
            self, resident: Any, runtime: Runtime, failing: None) -> None:
        from bot.simulator import message_xml, new_msg_id

        xml = message_xml(resident.openid, "gh", "text", 0, new_msg_id(), Content="纠错")
        d = resident.server.deliver(xml)
        assert resident.post(d).status_code == 503  # WeChat retries it
        with runtime.sessions.begin() as s:
            assert s.get(Conversation, resident.openid) is None
            assert s.scalar(select(func.count()).select_from(InboundMessage)) == 0
