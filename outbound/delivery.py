"""Deliver outbox rows: claim, send through the first working route, settle."""
from __future__ import annotations

import logging
from datetime import timezone
from typing import TYPE_CHECKING, Any

from outbound.wechat_api import WeChatError
from models import DevInboxMessage, OutboxMessage
from models import outbox as ob

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)


class ChannelUnavailable(WeChatError):
    """This route's channel is not configured here; try the next route."""


def deliver_due(runtime: "Runtime", limit: int = 200) -> int:
    """Send every due row once; returns how many were sent."""
    now = runtime.clock().astimezone(timezone.utc)
    with runtime.sessions.begin() as session:
        ids = ob.due_ids(session, now, limit)
    sent = 0
    for row_id in ids:
        sent += deliver_one(runtime, row_id)
    return sent


def deliver_one(runtime: "Runtime", row_id: int) -> int:
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        if not ob.claim(session, row_id, now):
            return 0  # another worker holds it, or it is already done
    with runtime.sessions.begin() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        routes, index, text, template = list(row.routes), row.route_index, row.text, row.template
    channel, error, retryable = "", "", False
    while index < len(routes):
        route = routes[index]
        channel = str(route.get("channel", ""))
        try:
            _send(runtime, row_id, route, text, template)
            error = ""
            break
        except WeChatError as exc:
            error, retryable = f"{channel}: {exc}", exc.retryable
            log.warning("outbox %s via %s failed: %s", row_id, channel, exc)
            if retryable:
                break
            index += 1  # permanent for this channel: fall back to the next one
    with runtime.sessions.begin() as session:
        row = session.get(OutboxMessage, row_id)
        assert row is not None
        row.route_index = min(index, max(len(routes) - 1, 0))
        done_at = runtime.clock()
        if not error:
            ob.mark_sent(row, channel, done_at)
            return 1
        if retryable:
            ob.mark_retry(row, error, done_at)
        else:
            ob.mark_dead(row, error)
    return 0


def _send(runtime: "Runtime", row_id: int, route: dict[str, Any], text: str,
          template: dict[str, Any] | None) -> None:
    channel, to = route.get("channel"), str(route.get("to", ""))
    if runtime.config.DEV_MODE:
        with runtime.sessions.begin() as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            session.add(DevInboxMessage(outbox_id=row_id, channel=str(channel),
                                        to=row.recipient, text=text, created_at=runtime.clock()))
        return
    if channel == "wechat_custom":
        _need(runtime.wechat, channel).send_text(to, text)
    elif channel == "wechat_template":
        tid = str(route.get("template_id") or "")
        if not tid or not template:
            raise ChannelUnavailable(-10, "no template configured")
        _need(runtime.wechat, channel).send_template(to, tid, template.get("data", {}),
                                                     template.get("url", ""))
    elif channel == "wecom_app":
        _need(runtime.wecom, channel).send_app_text(to, text)
    elif channel == "wecom_robot":
        _need(runtime.wecom_robot, channel).send_robot_text(to, text)
    else:
        raise ChannelUnavailable(-11, f"unknown channel {channel!r}")


def _need(client: Any, channel: Any) -> Any:
    if client is None:
        raise ChannelUnavailable(-12, f"{channel} is not configured")
    return client
