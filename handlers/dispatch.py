"""Find the route for a message and run it inside the caller's transaction."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import TextClause, bindparam, text

from handlers import conversation
from handlers.routes import EXPIRED_NOTICE, ROUTES
from handlers.types import Context, Incoming
from models import Resident

# How stale `residents.last_message_at` may get before a message rewrites it.
TOUCH_EVERY = timedelta(minutes=5)
_WHEN = Resident.__table__.c.last_message_at.type


def _upsert(sql: str) -> TextClause:
    # Plain SQL that PostgreSQL and SQLite both speak; the dialects' insert().on_conflict_...()
    # has no cache key, so SQLAlchemy would compile it again on every message.
    names = [n for n in ("now", "stale") if f":{n}" in sql]
    return text(sql).bindparams(*(bindparam(n, type_=_WHEN) for n in names))


_TOUCH = _upsert(
    "INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at) "
    "VALUES (:openid, true, :now, :now) ON CONFLICT (openid) DO UPDATE "
    "SET last_message_at = excluded.last_message_at WHERE residents.last_message_at IS NULL "
    "OR residents.last_message_at < :stale OR residents.last_message_at > :now")
_SEEN = _upsert(
    "INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at) "
    "VALUES (:openid, true, :now, NULL) ON CONFLICT (openid) DO NOTHING")


def touch_resident(ctx: Context, m: Incoming) -> None:
    """Record that the user wrote: it opens WeChat's 48-hour customer-service window.

    One statement: a new resident is inserted (two first messages at once cannot both
    insert), and `last_message_at` is rewritten only when older than TOUCH_EVERY, so a
    resident's row is not rewritten on every message (the window is at most that stale).
    """
    # Only user actions open the window; WeChat's own reports (template finished) do not.
    opens = m.msg_type != "event" or m.event in ("subscribe", "click", "view", "scan", "location")
    params = {"openid": m.openid, "now": ctx.now, "stale": ctx.now - TOUCH_EVERY}
    ctx.session.execute(_TOUCH if opens else _SEEN, params)


def handle(ctx: Context, m: Incoming) -> str | None:
    """The reply text for a message, or None when there is nothing to say."""
    if not m.openid:
        return None
    touch_resident(ctx, m)
    conversation.current(ctx, m.openid)  # notices a timed-out flow before any route runs
    for route in ROUTES:
        if route.when(ctx, m):
            reply = route.do(ctx, m)
            break
    else:
        reply = None
    expired = conversation.expired_flow(ctx, m.openid)
    notice = EXPIRED_NOTICE.get(expired or "")
    if notice:
        reply = notice + ("\n\n" + reply if reply else "")
    if ctx.notices:
        reply = "\n".join(ctx.notices) + ("\n\n" + reply if reply else "")
    return reply
