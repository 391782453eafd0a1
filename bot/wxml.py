"""Parsing WeChat's XML safely and rendering passive replies that user text cannot break."""
from __future__ import annotations

import re
import time
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from handlers.types import Incoming


class BadXml(Exception):
    """The body is not a well-formed, entity-free WeChat XML document."""


def parse_fields(body: bytes | str) -> dict[str, str]:
    """Flat `<xml><Tag>value</Tag>...</xml>` → dict; DTDs and entities are refused."""
    try:
        root: Element = SafeET.fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise BadXml(type(exc).__name__) from exc
    if root.tag != "xml":
        raise BadXml("root element is not <xml>")
    return {child.tag: (child.text or "").strip() for child in root}


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def to_incoming(f: dict[str, str]) -> Incoming:
    """Map WeChat's field names onto the framework-free message handlers see."""
    msg_type = f.get("MsgType", "").lower()
    content = f.get("Content", "")
    if msg_type == "voice":
        content = f.get("Recognition", "")
    try:
        create_time = int(f.get("CreateTime", "0") or 0)
    except ValueError:
        create_time = 0
    return Incoming(
        msg_type=msg_type,
        openid=f.get("FromUserName", ""),
        account=f.get("ToUserName", ""),
        create_time=create_time,
        msg_id=f.get("MsgId") or None,
        content=content,
        media_id=f.get("MediaId") or None,
        pic_url=f.get("PicUrl") or None,
        lat=_float(f.get("Location_X")),
        lng=_float(f.get("Location_Y")),
        label=f.get("Label", ""),
        event=f.get("Event", "").lower(),
        event_key=f.get("EventKey", ""),
        url=f.get("Url", ""),
        title=f.get("Title", ""),
    )


def dedupe_key(f: dict[str, str]) -> str:
    """Account + sender + MsgId for messages; sender + CreateTime + Event for events.

    MsgId is only unique per sender in practice: keyed alone, one user's reused MsgId got
    another user's stored reply.
    """
    if f.get("MsgId"):
        return "m:%s:%s:%s" % (f.get("ToUserName", "")[:40], f.get("FromUserName", "")[:64],
                               f["MsgId"][:64])
    return "e:%s:%s:%s:%s" % (f.get("FromUserName", ""), f.get("CreateTime", ""),
                              f.get("Event", ""), f.get("EventKey", ""))


def cdata(text: str) -> str:
    """Wrap text in CDATA; a `]]>` inside is split across two sections so it cannot escape."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# Characters XML 1.0 forbids even inside CDATA would make WeChat reject the reply.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(text: str) -> str:
    return _FORBIDDEN.sub("", text)


def text_reply(to_user: str, from_user: str, text: str, now: int | None = None) -> str:
    return (
        "<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName>"
        "<CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        "<Content>%s</Content></xml>"
        % (cdata(_xml_safe(to_user)), cdata(_xml_safe(from_user)),
           int(time.time()) if now is None else now, cdata(_xml_safe(text)))
    )
