"""Refuse a signed query string carrying a second, different body (plain-mode replays).

In plain mode WeChat's signature covers token, timestamp and nonce, not the body, and
access logs used to print all three: within the freshness window a copied query string
could carry any body, as any openid. Each (timestamp, nonce) is remembered with a digest of
its body for the window, shared by every worker (Redis when REDIS_URL is set, else the
database). The same body again is WeChat retrying (or a harmless replay that the MsgId
de-duplication answers from the first reply); a different body is refused.
"""
from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from models.shared import remember_nonce
from runtime import APP_KEY

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)
MAX_NONCE = 64


class NonceGuard:
    def __init__(self, runtime: "Runtime") -> None:
        self._runtime = runtime
        config = runtime.config
        # A timestamp is accepted up to the tolerance either side of now.
        self.ttl_s = 2 * config.TIMESTAMP_TOLERANCE_S + 60
        self._redis: Any = None
        if config.REDIS_URL:
            import redis

            self._redis = redis.Redis.from_url(config.REDIS_URL, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)

    def fresh(self, timestamp: str, nonce: str, body: bytes, session: Session) -> bool:
        """False when this (timestamp, nonce) was already seen with a different body.

        One Redis SET NX EX, or one statement in the caller's `session` (committed by it).
        """
        key, digest = self.key_digest(timestamp, nonce, body)
        first = self._redis_first(key, digest) if self._redis is not None else None
        if first is None:
            first = remember_nonce(session, key, digest, self._runtime.clock()) or digest
        return first == digest

    @staticmethod
    def key_digest(timestamp: str, nonce: str, body: bytes) -> tuple[str, str]:
        """The remembered key of a signed query string, and the digest of its body."""
        return f"{timestamp}:{nonce}", hashlib.sha256(body).hexdigest()

    def _redis_first(self, key: str, digest: str) -> str | None:
        """The digest first seen under `key` (ours if new); None when Redis is unreachable."""
        import redis

        name = "wastebot:nonce:" + key
        try:
            if self._redis.set(name, digest, nx=True, ex=self.ttl_s):
                return digest
            stored = self._redis.get(name)
        except redis.RedisError as exc:
            log.warning("nonce store unavailable, using the database: %s", type(exc).__name__)
            return None
        return stored.decode() if stored is not None else digest


def nonce_guard(extensions: dict[str, Any]) -> NonceGuard:
    guard = extensions.get("wastebot.nonces")
    if guard is None:
        guard = extensions.setdefault("wastebot.nonces", NonceGuard(extensions[APP_KEY]))
    return guard
