"""Acts like WeChat's servers towards our webhook: builds, signs and encrypts deliveries.

Used by the local chat (`flask chat`) and by the tests, so both speak the real protocol.
"""
from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from bot import signing, wxml

_ids = itertools.count(int(time.time() * 1000) % 10**12)


def message_xml(openid: str, account: str, msg_type: str, create_time: int,
                msg_id: str | None = None, **fields: Any) -> str:
    """A delivery body; field names are WeChat's (Content, MediaId, Location_X, Event ...)."""
    parts = [f"<ToUserName>{wxml.cdata(account)}</ToUserName>",
             f"<FromUserName>{wxml.cdata(openid)}</FromUserName>",
             f"<CreateTime>{create_time}</CreateTime>",
             f"<MsgType>{wxml.cdata(msg_type)}</MsgType>"]
    for name, value in fields.items():
        if isinstance(value, (int, float)):
            parts.append(f"<{name}>{value}</{name}>")
        else:
            parts.append(f"<{name}>{wxml.cdata(str(value))}</{name}>")
    if msg_id:
        parts.append(f"<MsgId>{escape(msg_id)}</MsgId>")
    return "<xml>" + "".join(parts) + "</xml>"


@dataclass
class Delivery:
    """One POST as WeChat would send it: query string and body."""

    params: dict[str, str]
    body: bytes


@dataclass
class WeChatServer:
    """Signs (and in AES mode encrypts) deliveries with the account's token and key."""

    token: str
    aes_key: str = ""
    app_id: str = ""
    account: str = "gh_wastebot"
    mode: str = "raw"  # raw | compat | aes
    clock_offset: int = 0
    _crypto: signing.MessageCrypto | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.mode != "raw":
            self._crypto = signing.MessageCrypto(self.token, self.aes_key, self.app_id)

    def sign(self, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
        ts = timestamp or str(int(time.time()) + self.clock_offset)
        nonce = nonce or secrets.token_hex(5)
        return {"timestamp": ts, "nonce": nonce, "signature": signing.signature(self.token, ts, nonce)}

    def deliver(self, xml: str) -> Delivery:
        params = self.sign()
        if self.mode == "raw":
            return Delivery(params, xml.encode("utf-8"))
        assert self._crypto is not None
        envelope = self._crypto.encrypt(xml, params["nonce"], params["timestamp"])
        encrypted = wxml.parse_fields(envelope.encode())["Encrypt"]
        params.update(encrypt_type="aes", msg_signature=signing.signature(
            self.token, params["timestamp"], params["nonce"], encrypted))
        if self.mode == "compat":
            # Compatible mode: plaintext fields and the Encrypt element side by side.
            body = xml.replace("</xml>", f"<Encrypt>{wxml.cdata(encrypted)}</Encrypt></xml>")
        else:
            body = (f"<xml><ToUserName>{wxml.cdata(self.account)}</ToUserName>"
                    f"<Encrypt>{wxml.cdata(encrypted)}</Encrypt></xml>")
        return Delivery(params, body.encode("utf-8"))

    def read_reply(self, body: bytes, params: dict[str, str]) -> dict[str, str] | None:
        """The reply's fields, decrypting in AES modes; None for `success`/empty."""
        if body in (b"", b"success"):
            return None
        fields = wxml.parse_fields(body)
        if self._crypto is not None and "Encrypt" in fields:
            inner = self._crypto.decrypt(fields["Encrypt"], fields.get("MsgSignature", ""),
                                         fields.get("TimeStamp", ""), fields.get("Nonce", ""))
            fields = wxml.parse_fields(inner.encode("utf-8"))
        return fields


def new_msg_id() -> str:
    return str(next(_ids) * 1000 + secrets.randbelow(1000))
