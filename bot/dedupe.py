"""Inbound de-duplication in Redis, in front of the database's (`inbound_messages`).

With REDIS_URL, every delivery key is claimed in Redis first, on both paths, with
`SET key PENDING NX EX PENDING_S`; the reply then replaces the marker for REPLY_TTL_S. So a
plain question (bot/fastpath.py) need not write a de-duplication row at all, while a
state-changing message still claims its row in the database too (exactly-once there is the
database's, unchanged). A repeat that finds:

- a reply: gets it, with no database work;
- the marker: the first delivery is still being answered; the repeat waits for the reply up
  to WAIT_S, then answers 503 (WeChat retries). A worker killed mid-answer leaves a marker
  that expires after PENDING_S, and WeChat's next retry is answered afresh (nothing was
  committed, or the database's claim answers it on the full path).

A claim also marks its sender (bot/hotpath.py: the conversation facts), since a message on
the full path may open a conversation; `answered` and `release` drop the busy mark.

When Redis does not answer, `claim` returns None and the caller falls back to the database's
de-duplication (a plain question is then answered on the database fast path).
"""
from __future__ import annotations

import logging
import time
from typing import Any

from bot.hotpath import BUSY_S, GEN_S, MARK, HotPath, fact_keys

log = logging.getLogger(__name__)
PENDING = b"\x00pending"
PENDING_S = 20  # longer than any answer; shorter than WeChat's three retries (~15 s apart)
REPLY_TTL_S = 24 * 3600  # far beyond WeChat's retry window
WAIT_S = 3.0
PREFIX = "wastebot:in:"


class Claimed:
    """This delivery is ours to answer."""


class Answered:
    def __init__(self, reply: str | None) -> None:
        self.reply = reply


class Busy:
    """Another worker is still answering the same delivery."""


# KEYS: inbox, free, busy, gen. ARGV: pending, pending ttl, busy ttl, gen ttl.
_CLAIM = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], '1', 'EX', ARGV[3])
redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], ARGV[4])
return 1
"""
# KEYS: inbox, busy. ARGV: reply, ttl. The reply for repeats; the sender's busy mark dropped.
_ANSWERED = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
redis.call('DEL', KEYS[2])
"""


class RedisInbox:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._claim = self._redis.register_script(_CLAIM)
        self._mark = self._redis.register_script(MARK)
        self._answered = self._redis.register_script(_ANSWERED)

    def hot_path(self, per_ip: int, per_user: int, nonce_ttl_s: int,
                 quota_ttl_s: int) -> HotPath:
        """The plain-question script (bot/hotpath.py) on this inbox's keys and connection."""
        return HotPath(self._redis, per_ip, per_user, nonce_ttl_s, REPLY_TTL_S, PENDING,
                       PENDING_S, quota_ttl_s)

    def claim(self, key: str, openid: str,
              wait_s: float = WAIT_S) -> Claimed | Answered | Busy | None:
        """Claim a delivery for the full path (its sender marked, see bot/hotpath.py)."""
        import redis

        name = PREFIX + key
        free, busy, gen = fact_keys(openid)
        keys, args = [name, free, busy, gen], [PENDING, PENDING_S, BUSY_S, GEN_S]
        try:
            if self._claim(keys=keys, args=args):
                return Claimed()
            deadline = time.monotonic() + wait_s
            while True:
                value = self._redis.get(name)
                if value is None:  # the first worker died and its marker expired
                    if self._claim(keys=keys, args=args):
                        return Claimed()
                elif value != PENDING:
                    return Answered(value.decode("utf-8") or None)
                if time.monotonic() >= deadline:
                    return Busy()
                time.sleep(0.02)
        except redis.RedisError as exc:
            log.warning("inbound store unavailable, using the database: %s", type(exc).__name__)
            return None

    def mark(self, openid: str) -> bool:
        """Mark a sender whose delivery goes to the full path after all; False: Redis failed."""
        import redis

        free, busy, gen = fact_keys(openid)
        try:
            self._mark(keys=[free, busy, gen], args=[BUSY_S, GEN_S])
            return True
        except redis.RedisError as exc:
            log.warning("could not mark a sender in Redis: %s", type(exc).__name__)
            return False

    def answered(self, key: str, reply: str | None, openid: str) -> None:
        """Store the reply for repeats (after the database committed, on the full path)."""
        import redis

        try:
            self._answered(keys=[PREFIX + key, fact_keys(openid)[1]],
                           args=[(reply or "").encode("utf-8"), REPLY_TTL_S])
        except redis.RedisError as exc:
            # The database's row (full path) still de-duplicates; the busy mark expires.
            log.warning("could not store a reply in Redis: %s", type(exc).__name__)

    def release(self, key: str, openid: str) -> None:
        """Give the claim up (nothing was done: the full path or a retry will answer)."""
        import redis

        try:
            self._redis.delete(PREFIX + key, fact_keys(openid)[1])
        except redis.RedisError as exc:
            log.warning("could not release an inbound claim: %s", type(exc).__name__)


def redis_inbox(extensions: dict[str, Any], url: str) -> RedisInbox | None:
    if not url:
        return None
    inbox = extensions.get("wastebot.inbox")
    if inbox is None:
        inbox = extensions.setdefault("wastebot.inbox", RedisInbox(url))
    return inbox
