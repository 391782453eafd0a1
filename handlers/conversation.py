"""Conversation state kept in the database, so any worker can continue any conversation."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from models import Conversation
from handlers.types import Context

_MISSING = object()


def current(ctx: Context, openid: str) -> Conversation | None:
    """The live conversation, or None; an expired one is removed and noted once."""
    cached = ctx.cache.get(("conv", openid), _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    conv = ctx.session.get(Conversation, openid)
    if conv is not None and conv.expires_at <= ctx.now:
        ctx.cache[("expired", openid)] = conv.flow
        ctx.session.delete(conv)
        ctx.session.flush()
        conv = None
    ctx.cache[("conv", openid)] = conv
    return conv


def expired_flow(ctx: Context, openid: str) -> str | None:
    """The flow that timed out for this user in this delivery, if any."""
    current(ctx, openid)
    return ctx.cache.get(("expired", openid))


def in_flow(ctx: Context, openid: str, flow: str) -> bool:
    conv = current(ctx, openid)
    return conv is not None and conv.flow == flow


def start(ctx: Context, openid: str, flow: str, state: dict[str, Any],
          idle_minutes: int | None = None) -> Conversation:
    """Begin (or restart) a flow for this user."""
    end(ctx, openid)
    minutes = idle_minutes or ctx.config.CONVERSATION_IDLE_MIN
    conv = Conversation(openid=openid, flow=flow, state=dict(state), updated_at=ctx.now,
                        expires_at=ctx.now + timedelta(minutes=minutes))
    ctx.session.add(conv)
    ctx.session.flush()
    ctx.cache[("conv", openid)] = conv
    ctx.opened.add(openid)
    return conv


def save(ctx: Context, conv: Conversation, state: dict[str, Any],
         idle_minutes: int | None = None) -> None:
    """Store new state (a fresh dict, so the JSON column sees the change) and push expiry."""
    minutes = idle_minutes or ctx.config.CONVERSATION_IDLE_MIN
    conv.state = dict(state)
    conv.updated_at = ctx.now
    conv.expires_at = ctx.now + timedelta(minutes=minutes)
    ctx.session.flush()


def end(ctx: Context, openid: str) -> str | None:
    """Drop the user's conversation; returns the flow that was active."""
    conv = ctx.session.get(Conversation, openid)
    flow = None
    if conv is not None:
        flow = conv.flow
        ctx.session.delete(conv)
        ctx.session.flush()
    ctx.cache[("conv", openid)] = None
    return flow
