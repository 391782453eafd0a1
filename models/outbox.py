"""Outbox service functions: enqueue in the caller's transaction, claim, settle."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Integer, select, update
from sqlalchemy.orm import Session

from models.base import UTCDateTime, portable_sql
from models.messaging import OutboxMessage

MAX_ATTEMPTS = 10
LEASE = timedelta(minutes=2)


# One statement, no savepoint: a concurrent transaction enqueuing the same key makes this
# insert wait for it and then insert nothing.
_ENQUEUE = portable_sql(
    "INSERT INTO outbox (idempotency_key, kind, recipient, routes, text, template, status, "
    "attempts, route_index, created_at, next_attempt_at) VALUES (:key, :kind, :recipient, "
    ":routes, :text, :template, 'pending', 0, 0, :now, :now) "
    "ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
    routes=JSON(), template=JSON(none_as_null=True), now=UTCDateTime()).columns(id=Integer)


def enqueue(session: Session, *, key: str, kind: str, recipient: str,
            routes: list[dict[str, Any]], text: str, now: datetime,
            template: dict[str, Any] | None = None) -> int:
    """Add a push unless one with the same idempotency key exists; returns the row's id."""
    row_id = session.scalar(_ENQUEUE, {"key": key, "kind": kind, "recipient": recipient,
                                       "routes": routes, "text": text, "template": template,
                                       "now": now})
    if row_id is None:
        row_id = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key))
        assert row_id is not None
    return int(row_id)


def due_ids(session: Session, now: datetime, limit: int = 100,
            ids: list[int] | None = None) -> list[int]:
    """Rows ready to send: pending and due, or 'sending' whose lease ran out (a crash)."""
    q = select(OutboxMessage.id).where(
        ((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now))
        | ((OutboxMessage.status == "sending") & (OutboxMessage.locked_until <= now))
    ).order_by(OutboxMessage.id).limit(limit)
    if ids is not None:
        q = q.where(OutboxMessage.id.in_(ids))
    return list(session.scalars(q))


def claim(session: Session, row_id: int, now: datetime) -> bool:
    """Take a lease on one row; False when another worker got it first."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id)
        .where(((OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now))
               | ((OutboxMessage.status == "sending") & (OutboxMessage.locked_until <= now)))
        .values(status="sending", locked_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def mark_sent(row: OutboxMessage, channel: str, now: datetime) -> None:
    row.status = "sent"
    row.channel_used = channel
    row.sent_at = now
    row.locked_until = None
    row.last_error = None


def mark_retry(row: OutboxMessage, error: str, now: datetime) -> None:
    """Back off exponentially; give up (status 'dead') after MAX_ATTEMPTS."""
    row.attempts += 1
    row.last_error = error[:500]
    row.locked_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "dead"
        return
    row.status = "pending"
    row.next_attempt_at = now + timedelta(seconds=min(3600, 30 * 2 ** (row.attempts - 1)))


def mark_dead(row: OutboxMessage, error: str) -> None:
    row.attempts += 1
    row.status = "dead"
    row.last_error = error[:500]
    row.locked_until = None
