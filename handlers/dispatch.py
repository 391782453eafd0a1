"""Find the route for a message and run it inside the caller's transaction."""
from __future__ import annotations

from handlers import conversation
from handlers.routes import EXPIRED_NOTICE, ROUTES
from handlers.types import Context, Incoming
from models import Resident


def touch_resident(ctx: Context, m: Incoming) -> None:
    """Record that the user wrote: it opens WeChat's 48-hour customer-service window."""
    resident = ctx.session.get(Resident, m.openid)
    if resident is None:
        resident = Resident(openid=m.openid, subscribed=True, first_seen_at=ctx.now)
        ctx.session.add(resident)
    # Only user actions open the window; WeChat's own reports (template finished) do not.
    if m.msg_type != "event" or m.event in ("subscribe", "click", "view", "scan", "location"):
        resident.last_message_at = ctx.now


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
