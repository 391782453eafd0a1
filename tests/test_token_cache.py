"""One access token shared by every process through Redis (REDIS_URL)."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Iterator

import pytest

from bot.ratelimit import RedisLimiter
from runtime import build_runtime
from outbound.wechat_api import RedisTokenCache
from tests.support.redis import REDIS_URL, redis_up
from tests.support.settings import make_config

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis server on 127.0.0.1:6379")


@pytest.fixture
def app_id() -> Iterator[str]:
    import redis

    value = "wx_test_" + secrets.token_hex(4)
    yield value
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"*{value}*"):
        client.delete(key)


def test_two_runtimes_share_one_token(database_url: str, tmp_path: Path, fake_wechat: Any,
                                      app_id: str) -> None:
    """Two workers (or hosts) with REDIS_URL fetch the token once, and both use it."""
    runtimes = [build_runtime(make_config(database_url, tmp_path / f"i{n}", fake_wechat.url,
                                          WECHAT_APP_ID=app_id, REDIS_URL=REDIS_URL))
                for n in range(2)]
    try:
        before = fake_wechat.token_fetches
        for rt in runtimes:
            assert rt.wechat is not None
            rt.wechat.send_text("o_token", "你好")
        assert fake_wechat.token_fetches - before == 1
        used = {c.args["access_token"] for c in fake_wechat.sent("/cgi-bin/message/custom/send")}
        assert len(used) == 1
    finally:
        for rt in runtimes:
            rt.close()


def test_an_invalidated_token_is_refreshed_once_for_everyone(
        database_url: str, tmp_path: Path, fake_wechat: Any, app_id: str) -> None:
    runtimes = [build_runtime(make_config(database_url, tmp_path / f"i{n}", fake_wechat.url,
                                          WECHAT_APP_ID=app_id, REDIS_URL=REDIS_URL))
                for n in range(2)]
    try:
        runtimes[0].wechat.send_text("o_token", "一")  # type: ignore[union-attr]
        fake_wechat.tokens.clear()  # WeChat invalidated it (another fetch elsewhere)
        before = fake_wechat.token_fetches
        runtimes[0].wechat.send_text("o_token", "二")  # type: ignore[union-attr]
        runtimes[1].wechat.send_text("o_token", "三")  # type: ignore[union-attr]
        assert fake_wechat.token_fetches - before == 1
        # "二" bounced once with 40001 and went again with the fresh token; "三" needed no fetch.
        assert fake_wechat.messages_to("o_token") == ["一", "二", "二", "三"]
        calls = fake_wechat.sent("/cgi-bin/message/custom/send")
        assert calls[-1].args["access_token"] == calls[-2].args["access_token"]
    finally:
        for rt in runtimes:
            rt.close()


def test_token_expires_in_redis(app_id: str) -> None:
    cache = RedisTokenCache(REDIS_URL)
    cache.set(f"wechat:token:{app_id}", "tok", 60)
    assert cache.get(f"wechat:token:{app_id}") == "tok"
    import redis

    assert 0 < redis.Redis.from_url(REDIS_URL).ttl(f"wechat:token:{app_id}") <= 60


def test_redis_rate_limit_is_shared_between_limiters(app_id: str) -> None:
    a, b = RedisLimiter(REDIS_URL, prefix=f"{app_id}:"), RedisLimiter(REDIS_URL,
                                                                       prefix=f"{app_id}:")
    results = [(a if n % 2 else b).allow("u:o_flood", 10) for n in range(14)]
    assert results.count(True) == 10 and results[-1] is False


def test_redis_limiter_fails_open() -> None:
    limiter = RedisLimiter("redis://127.0.0.1:1/0")
    assert limiter.allow("u:o_any", 1) and limiter.allow("u:o_any", 1)
