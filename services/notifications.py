"""Pushes to residents and cadres through the outbox, each on the channels that reach them.

Everything here only writes outbox rows in the caller's transaction; delivery happens later
(outbound/delivery.py), trying the routes in order until one works.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from config import TZ, Config
from models.outbox import enqueue
from models.people import Cadre, Resident
from models.units import Unit

SERVICE_WINDOW = timedelta(hours=48)
TEMPLATE_FIELD_MAX = 20  # WeChat truncates or rejects longer template values


def short(text: str, limit: int = TEMPLATE_FIELD_MAX) -> str:
    """Fit a template field: at most `limit` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def in_service_window(session: Session, openid: str, now: datetime) -> bool:
    resident = session.get(Resident, openid)
    return bool(resident and resident.last_message_at
                and now - resident.last_message_at < SERVICE_WINDOW)


def notify_resident(session: Session, config: Config, *, openid: str, key: str, kind: str,
                    text: str, title: str, status: str, now: datetime,
                    ref: str = "") -> int:
    """A customer-service message inside the 48-hour window, else (or on 45015) a template."""
    routes: list[dict[str, Any]] = []
    custom = {"channel": "wechat_custom", "to": openid}
    template = {"channel": "wechat_template", "to": openid,
                "template_id": config.WECHAT_NOTICE_TEMPLATE_ID}
    if in_service_window(session, openid, now):
        routes += [custom, template]
    else:
        routes += [template, custom]
    data = {"first": short(title), "keyword1": short(ref or "-"), "keyword2": short(status),
            "keyword3": now.astimezone(TZ).strftime("%Y-%m-%d %H:%M"), "remark": short(text)}
    return enqueue(session, key=key, kind=kind, recipient=openid, routes=routes, text=text,
                   now=now, template={"data": data})


def cadre_routes(cadre: Cadre, config: Config) -> list[dict[str, Any]]:
    """Template to their WeChat, then a WeCom app message, then their unit's group robot."""
    routes: list[dict[str, Any]] = []
    if cadre.openid:
        routes.append({"channel": "wechat_template", "to": cadre.openid,
                       "template_id": config.WECHAT_REMINDER_TEMPLATE_ID})
    if cadre.wecom_userid:
        routes.append({"channel": "wecom_app", "to": cadre.wecom_userid})
    unit = cadre.unit
    if unit is not None and unit.wecom_robot_key:
        routes.append({"channel": "wecom_robot", "to": unit.wecom_robot_key})
    return routes


def notify_cadre(session: Session, config: Config, cadre: Cadre, *, key: str, kind: str,
                 text: str, title: str, ref: str, deadline: str, now: datetime,
                 level: str = "") -> int | None:
    """A reminder to one cadre; None when the cadre has no reachable channel."""
    routes = cadre_routes(cadre, config)
    if not routes:
        return None
    data = {"first": short(title), "keyword1": short(ref), "keyword2": short(deadline or "-"),
            "keyword3": short(level or kind), "remark": short(text)}
    recipient = cadre.openid or (f"wecom:{cadre.wecom_userid}" if cadre.wecom_userid
                                 else f"cadre:{cadre.id}")
    return enqueue(session, key=f"{key}:c{cadre.id}", kind=kind, recipient=recipient,
                   routes=routes, text=text, now=now, template={"data": data})


def notify_unit_robot(session: Session, unit: Unit, *, key: str, kind: str, text: str,
                      now: datetime) -> int | None:
    """A message to the unit's WeCom group robot, when it has one."""
    if not unit.wecom_robot_key:
        return None
    return enqueue(session, key=f"{key}:u{unit.id}", kind=kind, recipient=f"unit:{unit.code}",
                   routes=[{"channel": "wecom_robot", "to": unit.wecom_robot_key}], text=text,
                   now=now)
