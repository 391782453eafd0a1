"""Residents, cadres, invitations, dashboard users and API keys."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base, UTCDateTime, portable_sql


class Resident(Base):
    """Anyone who wrote to the account; `last_message_at` opens the 48-hour service window."""

    __tablename__ = "residents"
    openid: Mapped[str] = mapped_column(String(64), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Cadre(Base):
    """A member or leader of a responsible unit, reachable by openid, WeCom or the unit robot."""

    __tablename__ = "cadres"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="member")  # member | leader
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    wecom_userid: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit = relationship("Unit", back_populates="cadres")


class Invitation(Base):
    """A one-time code the office issues so a cadre can bind their WeChat account."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[str | None] = mapped_column(String(64))


class User(Base):
    """A dashboard account: office admin (everything) or unit user (own unit and children)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin | unit
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while the account still has the password it was created with (CLI, demo).
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    # Bumped at sign-out: a session cookie from before stops working (dashboard/auth.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ApiKey(Base):
    """An Open311 key; only the SHA-256 of the key is stored."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    can_write: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# How stale `residents.last_message_at` may get before a message rewrites it.
TOUCH_EVERY = timedelta(minutes=5)
_TOUCH = portable_sql(
    "INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at) "
    "VALUES (:openid, true, :now, :now) ON CONFLICT (openid) DO UPDATE "
    "SET last_message_at = excluded.last_message_at WHERE residents.last_message_at IS NULL "
    "OR residents.last_message_at < :stale OR residents.last_message_at > :now",
    now=UTCDateTime(), stale=UTCDateTime())
_SEEN = portable_sql(
    "INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at) "
    "VALUES (:openid, true, :now, NULL) ON CONFLICT (openid) DO NOTHING", now=UTCDateTime())


def touch_resident(session: Session, openid: str, now: datetime, opens_window: bool) -> None:
    """Record a resident (one statement: two first messages at once cannot both insert).

    With `opens_window`, `last_message_at` (WeChat's 48-hour customer-service window) is
    rewritten only when older than TOUCH_EVERY, so the row is not rewritten on every message.
    """
    params = {"openid": openid, "now": now, "stale": now - TOUCH_EVERY}
    session.execute(_TOUCH if opens_window else _SEEN, params)
