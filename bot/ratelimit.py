"""Rate limits for the webhook: per sender (openid) and per client IP.

The per-sender limit is one count shared by every worker and host: a token bucket in Redis
when REDIS_URL is set, else a one-minute fixed window in the database (`shared_counts`).
The per-address limit is a coarse flood guard applied after the signature check: Redis
when set, else this process's memory (bounded, least-recently-used buckets forgotten first).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable, Protocol

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from config import Config
from models.shared import hit, window_key
from runtime import APP_KEY

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)
# WeChat delivers every user's messages from a handful of its own servers, so one IP carries
# many residents: the per-IP budget is this many times the per-user one.
IP_FACTOR = 50
MAX_KEYS = 100_000


class Limiter(Protocol):
    def allow(self, key: str, rate_per_min: int) -> bool: ...


class MemoryLimiter:
    """In-process buckets: capacity = one minute's budget, refilled continuously."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = MAX_KEYS) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, rate_per_min: int) -> bool:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (float(rate_per_min), now))
            tokens = min(float(rate_per_min), tokens + (now - last) * rate_per_min / 60.0)
            allowed = tokens >= 1.0
            self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
            return allowed


# KEYS[1] bucket; ARGV: capacity, refill per second, now (seconds). Atomic inside Redis.
_LUA = """
local b = redis.call('HMGET', KEYS[1], 't', 'ts')
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local t = tonumber(b[1]) or cap; local ts = tonumber(b[2]) or now
t = math.min(cap, t + math.max(0, now - ts) * rate)
local ok = 0
if t >= 1 then t = t - 1; ok = 1 end
redis.call('HSET', KEYS[1], 't', t, 'ts', now)
redis.call('EXPIRE', KEYS[1], 120)
return ok
"""


class RedisLimiter:
    """Buckets shared across processes and hosts; fails open when Redis is unreachable."""

    def __init__(self, url: str, prefix: str = "wastebot:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script: Any = self._redis.register_script(_LUA)
        self._prefix = prefix

    def allow(self, key: str, rate_per_min: int) -> bool:
        import redis

        try:
            return bool(self._script(keys=[self._prefix + key],
                                     args=[rate_per_min, rate_per_min / 60.0, time.time()]))
        except redis.RedisError as exc:
            # Losing the limiter must not take the bot down with it.
            log.warning("rate limiter unavailable, allowing: %s", type(exc).__name__)
            return True


class DatabaseLimiter:
    """A one-minute fixed window per key in the database: one upsert per check.

    Shared by every worker without Redis. A burst may straddle two windows (up to twice the
    rate within a minute at the boundary), never more.
    """

    WINDOW_S = 60

    def __init__(self, runtime: "Runtime") -> None:
        self._runtime = runtime

    def allow(self, key: str, rate_per_min: int) -> bool:
        try:
            with self._runtime.sessions.begin() as session:
                return self.allow_in(session, key, rate_per_min)
        except (OperationalError, DBAPIError) as exc:
            # The delivery itself will answer 503 if the database is really gone.
            log.warning("rate limiter unavailable, allowing: %s", type(exc).__name__)
            return True

    def allow_in(self, session: Session, key: str, rate_per_min: int) -> bool:
        """The same check as one statement in the caller's transaction (the webhook's)."""
        name, expires = self.window(key)
        return hit(session, name, expires) <= rate_per_min

    def window(self, key: str) -> tuple[str, datetime]:
        """The counter's key for now and when it expires (the fast path counts it itself)."""
        return window_key("rl:" + key, self.WINDOW_S, self._runtime.clock())


class WebhookLimits:
    """The two webhook checks, with budgets taken from WEBHOOK_RATE_PER_MIN."""

    def __init__(self, config: Config, limiter: Limiter | None = None,
                 user_limiter: Limiter | None = None) -> None:
        self.per_user = config.WEBHOOK_RATE_PER_MIN
        self.per_ip = config.WEBHOOK_RATE_PER_MIN * IP_FACTOR
        self.limiter = limiter or build_limiter(config)
        self.user_limiter = user_limiter or self.limiter

    def ip_allowed(self, ip: str) -> bool:
        return self.per_ip <= 0 or self.limiter.allow("ip:" + ip, self.per_ip)

    def user_window(self, openid: str) -> tuple[str, datetime, int] | None:
        """(counter key, its expiry, the budget) when the database keeps the sender's count."""
        if self.per_user > 0 and isinstance(self.user_limiter, DatabaseLimiter):
            return (*self.user_limiter.window("u:" + openid), self.per_user)
        return None

    def user_allowed(self, openid: str, session: Session | None = None) -> bool:
        """Within the sender's budget; a database limiter joins `session` when given one."""
        if self.per_user <= 0:
            return True
        if session is not None and isinstance(self.user_limiter, DatabaseLimiter):
            return self.user_limiter.allow_in(session, "u:" + openid, self.per_user)
        return self.user_limiter.allow("u:" + openid, self.per_user)


def build_limiter(config: Config, clock: Callable[[], float] = time.monotonic) -> Limiter:
    return RedisLimiter(config.REDIS_URL) if config.REDIS_URL else MemoryLimiter(clock)


def webhook_limits(extensions: dict[str, Any], config: Config) -> WebhookLimits:
    """The app's limits, created on first use and kept in `app.extensions`."""
    limits = extensions.get("wastebot.ratelimit")
    if limits is None:
        runtime = extensions[APP_KEY]
        shared = None if config.REDIS_URL else DatabaseLimiter(runtime)
        # The runtime's clock: real time in production, a still one in tests (no timing flakes).
        local = build_limiter(config, clock=lambda: runtime.clock().timestamp())
        limits = extensions.setdefault("wastebot.ratelimit",
                                       WebhookLimits(config, limiter=local, user_limiter=shared))
    return limits
