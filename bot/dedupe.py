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

When Redis does not answer, `claim` returns None and the caller falls back to the database's
de-duplication (a plain question is then answered on the database fast path).
"""
from __future__ import annotations

import logging
import time
from typing import Any

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


class RedisInbox:
    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def claim(self, key: str, wait_s: float = WAIT_S) -> Claimed | Answered | Busy | None:
        import redis

        name = PREFIX + key
        try:
            if self._redis.set(name, PENDING, nx=True, ex=PENDING_S):
                return Claimed()
            deadline = time.monotonic() + wait_s
            while True:
                value = self._redis.get(name)
                if value is None:  # the first worker died and its marker expired
                    if self._redis.set(name, PENDING, nx=True, ex=PENDING_S):
                        return Claimed()
                elif value != PENDING:
                    return Answered(value.decode("utf-8") or None)
                if time.monotonic() >= deadline:
                    return Busy()
                time.sleep(0.02)
        except redis.RedisError as exc:
            log.warning("inbound store unavailable, using the database: %s", type(exc).__name__)
            return None

    def answered(self, key: str, reply: str | None) -> None:
        """Store the reply for repeats (after the database committed, on the full path)."""
        self._set(key, (reply or "").encode("utf-8"), REPLY_TTL_S)

    def release(self, key: str) -> None:
        """Give the claim up (nothing was done: the full path or a retry will answer)."""
        import redis

        try:
            self._redis.delete(PREFIX + key)
        except redis.RedisError as exc:
            log.warning("could not release an inbound claim: %s", type(exc).__name__)

    def _set(self, key: str, value: bytes, ttl: int) -> None:
        import redis

        try:
            self._redis.set(PREFIX + key, value, ex=ttl)
        except redis.RedisError as exc:
            # The database's row (full path) still de-duplicates; a plain question's retry
            # would be answered again, identically.
            log.warning("could not store a reply in Redis: %s", type(exc).__name__)


def redis_inbox(extensions: dict[str, Any], url: str) -> RedisInbox | None:
    if not url:
        return None
    inbox = extensions.get("wastebot.inbox")
    if inbox is None:
        inbox = extensions.setdefault("wastebot.inbox", RedisInbox(url))
    return inbox
