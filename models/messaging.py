"""Inbound de-duplication, conversation state, the outbox and the local dev inbox."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class InboundMessage(Base):
    """One row per WeChat delivery key; the reply is kept so a retry gets the same answer."""

    __tablename__ = "inbound_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    openid: Mapped[str] = mapped_column(String(64), index=True)
    msg_type: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reply: Mapped[str | None] = mapped_column(Text)


class SeenNonce(Base):
    """A (timestamp, nonce) pair WeChat signed, kept while that signature is still fresh.

    In plain mode the signature does not cover the body: a copied query string must not
    carry a second, different body (see bot/replay.py).
    """

    __tablename__ = "seen_nonces"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)  # "timestamp:nonce"
    body_digest: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SharedCount(Base):
    """A fixed-window counter shared by every worker (rate limits, daily quotas, lockouts)."""

    __tablename__ = "shared_counts"
    key: Mapped[str] = mapped_column(String(250), primary_key=True)  # "<name>@<window start>"
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Conversation(Base):
    """A multi-step flow in progress for one user (complaint, quiz, cadre photo upload)."""

    __tablename__ = "conversations"
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A push written in the same transaction as the change that caused it, delivered later."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    recipient: Mapped[str] = mapped_column(String(100), index=True)
    # Ordered list of {"channel": ..., "to": ..., ...}: the first that succeeds wins.
    routes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    route_index: Mapped[int] = mapped_column(Integer, default=0)
    channel_used: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)


class DevInboxMessage(Base):
    """Where pushes land when no WeChat credentials are configured (development)."""

    __tablename__ = "dev_inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(32))
    to: Mapped[str] = mapped_column(String(100), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counter(Base):
    """Named sequences (case numbers per day)."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
