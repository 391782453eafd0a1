"""Find the route for a message and run it inside the caller's transaction."""
from __future__ import annotations

from handlers import conversation
from handlers.routes import EXPIRED_NOTICE, ROUTES
from handlers.types import Context, Incoming
from models.people import touch_resident as record_resident

# WeChat's own reports (template finished ...) do not open the customer-service window.
OPENING_EVENTS = ("subscribe", "click", "view", "scan", "location")


def touch_resident(ctx: Context, m: Incoming) -> None:
    """Record that the user wrote: it opens WeChat's 48-hour customer-service window."""
    opens = m.msg_type != "event" or m.event in OPENING_EVENTS
    record_resident(ctx.session, m.openid, ctx.now, opens)


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
        notice = notice.format(minutes=ctx.config.CONVERSATION_IDLE_MIN)
        reply = notice + ("\n\n" + reply if reply else "")
    if ctx.notices:
        reply = "\n".join(ctx.notices) + ("\n\n" + reply if reply else "")
    return reply
