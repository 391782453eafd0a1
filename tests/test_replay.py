"""Issue 12, the WeChat edge: replayed query strings, encryption modes, per-sender keys and
limits shared by every worker, proxies."""
from __future__ import annotations

import secrets
import time
from typing import Any, Iterator

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.ratelimit import IP_FACTOR
from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import InboundMessage
from tests.support.redis import REDIS_URL, redis_up
from runtime import from_app

needs_redis = pytest.mark.skipif(not redis_up(), reason="no Redis server on 127.0.0.1:6379")


def _text(openid: str, content: str = "帮助", msg_id: str | None = None) -> str:
    return message_xml(openid, "gh_wastebot", "text", int(time.time()), msg_id or new_msg_id(),
                       Content=content)


def _post(client: Any, params: dict[str, str], body: bytes) -> Any:
    return client.post("/wechat", query_string=params, data=body, content_type="text/xml")


@pytest.fixture
def second_worker(config: Any, clock: Any) -> Iterator[Any]:
    """Another worker process's app: same settings and database, nothing in memory shared."""
    app = create_app(config, clock=clock)
    yield app.test_client()
    from_app(app).close()


def _openids(runtime: Any) -> list[str]:
    with runtime.sessions.begin() as s:
        return list(s.scalars(select(InboundMessage.openid).order_by(InboundMessage.id)))


def test_copied_query_string_with_another_body_is_refused(
        client: Any, second_worker: Any, wechat: WeChatServer, runtime: Any) -> None:
    d = wechat.deliver(_text("o_resident", "电池"))
    assert _post(client, d.params, d.body).status_code == 200
    forged = _text("o_cadre_victim", "待办").encode()
    assert _post(client, d.params, forged).status_code == 403
    assert _post(second_worker, d.params, forged).status_code == 403  # shared, not per worker
    assert _openids(runtime) == ["o_resident"]


def test_the_same_delivery_again_is_a_retry_not_a_replay(client: Any, wechat: WeChatServer,
                                                          runtime: Any) -> None:
    d = wechat.deliver(_text("o_retry"))
    first, again = _post(client, d.params, d.body), _post(client, d.params, d.body)
    assert (first.status_code, again.status_code) == (200, 200)
    assert _openids(runtime) == ["o_retry"]


class TestRedisNonces:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"REDIS_URL": REDIS_URL}

    @needs_redis
    def test_nonces_are_shared_through_redis(self, client: Any, second_worker: Any,
                                             wechat: WeChatServer, runtime: Any) -> None:
        from models import SeenNonce

        d = wechat.deliver(_text("o_redis_" + secrets.token_hex(3)))
        assert _post(client, d.params, d.body).status_code == 200
        assert _post(second_worker, d.params, _text("o_other").encode()).status_code == 403
        with runtime.sessions.begin() as s:
            assert s.scalars(select(SeenNonce)).all() == []  # Redis held it, not the database


def test_a_nonce_longer_than_wechat_sends_is_refused(client: Any, wechat: WeChatServer) -> None:
    params = wechat.sign(nonce="n" * 65)
    assert _post(client, params, _text("o_long").encode()).status_code == 403


class TestSafeMode:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WECHAT_ENCRYPT_MODE": "safe"}

    def test_raw_deliveries_are_refused(self, client: Any, config: Any) -> None:
        raw = WeChatServer(config.WECHAT_TOKEN)
        d = raw.deliver(_text("o_safe"))
        assert _post(client, d.params, d.body).status_code == 403

    def test_encrypted_deliveries_are_answered(self, make_user: Any, config: Any) -> None:
        user = make_user("o_safe_ok")
        user.server = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY,
                                   config.WECHAT_APP_ID, mode="aes")
        assert "分类" in (user.say("帮助") or "")


class TestPlainMode:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WECHAT_ENCRYPT_MODE": "plain"}

    def test_encrypted_deliveries_are_refused(self, client: Any, config: Any) -> None:
        aes = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                           mode="aes")
        d = aes.deliver(_text("o_plain"))
        assert _post(client, d.params, d.body).status_code == 400


def test_compatible_mode_checks_msg_signature(client: Any, config: Any, runtime: Any) -> None:
    assert config.WECHAT_ENCRYPT_MODE == "compatible"
    compat = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                          mode="compat")
    d = compat.deliver(_text("o_compat"))
    assert _post(client, {**d.params, "msg_signature": "0" * 40}, d.body).status_code == 403
    assert _openids(runtime) == []


class TestNoKey:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WECHAT_AES_KEY": ""}

    def test_encrypted_delivery_without_a_key_is_400(self, client: Any, config: Any,
                                                      caplog: pytest.LogCaptureFixture) -> None:
        from tests.support.settings import SAMPLE_AES_KEY

        aes = WeChatServer(config.WECHAT_TOKEN, SAMPLE_AES_KEY, config.WECHAT_APP_ID,
                           mode="aes")
        d = aes.deliver(_text("o_nokey"))
        resp = _post(client, d.params, d.body)
        assert resp.status_code == 400 and b"Traceback" not in resp.data
        assert "Traceback" not in caplog.text


def test_a_reused_msg_id_from_another_user_gets_its_own_reply(make_user: Any,
                                                             runtime: Any) -> None:
    msg_id = new_msg_id()
    first = make_user("o_first").deliver("text", msg_id=msg_id, Content="帮助")
    second = make_user("o_second").deliver("text", msg_id=msg_id, Content="电池")
    assert first != second and "电池" in (second or "")
    assert _openids(runtime) == ["o_first", "o_second"]


class TestProxyHops:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"PROXY_HOPS": 1, "WEBHOOK_RATE_PER_MIN": 2}

    def test_forwarded_address_is_used_from_the_configured_proxy(
            self, client: Any, wechat: WeChatServer) -> None:
        def flood(address: str) -> list[int]:
            out = []
            for i in range(2 * IP_FACTOR + 1):
                d = wechat.deliver(_text(f"o_px{i}"))
                out.append(client.post("/wechat", query_string=d.params, data=b"<xml>",
                                       headers={"X-Forwarded-For": address}).status_code)
            return out

        assert flood("198.51.100.1")[-1] == 429
        assert flood("198.51.100.2")[0] == 400  # another client: its own budget


class TestSharedUserLimit:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WEBHOOK_RATE_PER_MIN": 5}

    def test_one_count_across_workers(self, app: Any, second_worker: Any, make_user: Any,
                                      runtime: Any) -> None:
        """Alternating between two workers, a sender still gets the documented rate."""
        user = make_user("o_two_workers")
        replies = []
        for i in range(12):
            user.client = second_worker if i % 2 else app.test_client()
            replies.append(user.say("帮助"))
        assert sum(1 for r in replies if r) == 5
        assert replies[5:] == [None] * 7


class TestSharedUserLimitRedis:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WEBHOOK_RATE_PER_MIN": 5, "REDIS_URL": REDIS_URL}

    @needs_redis
    def test_one_count_across_workers(self, app: Any, second_worker: Any,
                                      make_user: Any) -> None:
        user = make_user("o_two_redis_" + secrets.token_hex(4))
        replies = []
        for i in range(12):
            user.client = second_worker if i % 2 else app.test_client()
            replies.append(user.say("帮助"))
        assert sum(1 for r in replies if r) == 5
