"""A WeChat user in tests: each call is a signed delivery to /wechat; returns the reply."""
from __future__ import annotations

import time
from typing import Any

from outbound.delivery import deliver_due
from runtime import Runtime
from bot.simulator import Delivery, WeChatServer, message_xml, new_msg_id


class WeChatUser:
    def __init__(self, client: Any, server: WeChatServer, runtime: Runtime, fake: Any,
                 openid: str) -> None:
        self.client, self.server, self.runtime, self.fake = client, server, runtime, fake
        self.openid = openid
        self.last_status = 0
        self._media_seq = 0

    def post(self, delivery: Delivery) -> Any:
        resp = self.client.post("/wechat", query_string=delivery.params, data=delivery.body,
                                content_type="text/xml")
        self.last_status = resp.status_code
        return resp

    def deliver(self, msg_type: str, msg_id: str | None = None, **fields: Any) -> str | None:
        """Send one message; the reply's text (None for `success`)."""
        if msg_id is None and msg_type != "event":
            msg_id = new_msg_id()
        xml = message_xml(self.openid, self.server.account, msg_type, int(time.time()),
                          msg_id, **fields)
        delivery = self.server.deliver(xml)
        resp = self.post(delivery)
        assert resp.status_code == 200, (resp.status_code, resp.data[:200])
        reply = self.server.read_reply(resp.data, delivery.params)
        return reply.get("Content") if reply else None

    def say(self, text: str) -> str | None:
        return self.deliver("text", Content=text)

    def voice(self, recognised: str) -> str | None:
        return self.deliver("voice", MediaId=f"voice_{new_msg_id()}", Format="amr",
                            Recognition=recognised)

    def image(self, data: bytes, content_type: str = "image/jpeg") -> str | None:
        """Upload to the fake WeChat media store and send the image message."""
        self._media_seq += 1
        media_id = f"media_{self.openid}_{self._media_seq}_{new_msg_id()}"
        self.fake.add_media(media_id, data, content_type)
        return self.deliver("image", PicUrl=f"http://mmbiz.example/{media_id}", MediaId=media_id)

    def location(self, lat: float, lng: float, label: str = "") -> str | None:
        return self.deliver("location", Location_X=lat, Location_Y=lng, Scale=16, Label=label)

    def click(self, key: str) -> str | None:
        return self.deliver("event", Event="CLICK", EventKey=key)

    def subscribe(self) -> str | None:
        return self.deliver("event", Event="subscribe", EventKey="")

    def pushes(self) -> list[str]:
        """Messages pushed to this user, after the outbox has been delivered."""
        self.runtime.drain()
        deliver_due(self.runtime)
        return self.fake.messages_to(self.openid)
