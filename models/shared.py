"""State every worker must share when there is no Redis: counters, seen nonces, pruning."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Session

from models.base import UTCDateTime, portable_sql
from models.messaging import InboundMessage, SeenNonce, SharedCount

# One statement: add one to the window's count and read it back; concurrent writers queue
# on the row instead of reading and writing it separately.
_HIT = portable_sql(
    "INSERT INTO shared_counts (key, count, expires_at) VALUES (:key, 1, :expires) "
    "ON CONFLICT (key) DO UPDATE SET count = shared_counts.count + 1, "
    "expires_at = excluded.expires_at RETURNING count",
    expires=UTCDateTime()).columns(count=Integer)
# Remember a (timestamp, nonce); returns nothing when it was already remembered.
_REMEMBER = portable_sql(
    "INSERT INTO seen_nonces (key, body_digest, seen_at) VALUES (:key, :digest, :now) "
    "ON CONFLICT (key) DO NOTHING RETURNING body_digest",
    now=UTCDateTime()).columns(body_digest=String)


def window_key(name: str, window_s: int, now: datetime) -> tuple[str, datetime]:
    """The counter's key for the fixed window holding `now`, and when that window ends."""
    start = int(now.timestamp()) // window_s * window_s
    return f"{name}@{start}", datetime.fromtimestamp(start + window_s, now.tzinfo)


def hit(session: Session, key: str, expires: datetime) -> int:
    """Count one more event under `key`, kept until `expires`; the count including it."""
    return int(session.scalar(_HIT, {"key": key[:250], "expires": expires}) or 0)


def peek(session: Session, key: str, now: datetime) -> int:
    """A counter's value without adding to it (0 once it has expired)."""
    return int(session.scalar(select(SharedCount.count).where(
        SharedCount.key == key[:250], SharedCount.expires_at > now)) or 0)


def reset(session: Session, key: str) -> None:
    session.execute(delete(SharedCount).where(SharedCount.key == key[:250]))


def remember_nonce(session: Session, key: str, digest: str, now: datetime) -> str | None:
    """None the first time `key` is seen; else the body digest it was first seen with."""
    if session.scalar(_REMEMBER, {"key": key, "digest": digest, "now": now}) is not None:
        return None
    return session.scalar(select(SeenNonce.body_digest).where(SeenNonce.key == key)) or ""


def prune(session: Session, now: datetime, inbound_retention: timedelta,
          nonce_retention: timedelta) -> dict[str, int]:
    """Delete what is past its use: old de-duplication rows, nonces, expired counters."""
    removed = {
        "inbound_messages": session.execute(delete(InboundMessage).where(
            InboundMessage.received_at < now - inbound_retention)).rowcount,
        "seen_nonces": session.execute(delete(SeenNonce).where(
            SeenNonce.seen_at < now - nonce_retention)).rowcount,
        "shared_counts": session.execute(delete(SharedCount).where(
            SharedCount.expires_at < now)).rowcount,
    }
    return removed
