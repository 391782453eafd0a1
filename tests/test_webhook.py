"""The /wechat gateway: signatures, modes, hostile input, retries."""
from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import signing
from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import InboundMessage
from tests.support.concurrency import run_together
from tests.support.settings import SAMPLE_AES_KEY, SAMPLE_APP_ID, SAMPLE_TOKEN


def test_official_encryption_sample_round_trip() -> None:
    """The EncodingAESKey/token/appid of WeChat's sample decrypt what they encrypt."""
    crypto = signing.MessageCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_APP_ID)
    xml = "<xml><ToUserName><![CDATA[oia2Tj]]></ToUserName><Content><![CDATA[中文]]></Content></xml>"
    envelope = crypto.encrypt(xml, "461056294", "1411525903")
    from bot import wxml

    fields = wxml.parse_fields(envelope.encode())
    assert fields["TimeStamp"] == "1411525903"
    assert fields["MsgSignature"] == signing.signature(SAMPLE_TOKEN, "1411525903", "461056294",
                                                       fields["Encrypt"])
    assert crypto.decrypt(fields["Encrypt"], fields["MsgSignature"], "1411525903",
                          "461056294") == xml


def test_published_ciphertext_decrypts() -> None:
    """A ciphertext published with a known key (wechatpy's test vector) decrypts exactly."""
    encrypted = ("RgqEoJj5A4EMYlLvWO1F86ioRjZfaex/gePD0gOXTxpsq5Yj4GNglrBb8I2BAJVODGajiFnXBu7mCP"
                 "atfjsu6IHCrsTyeDXzF6Bv283dGymzxh6ydJRvZsryDyZbLTE7rhnus50qGPMfp2wASFlzEgMW9z1e"
                 "f/RD8XzaFYgm7iTdaXpXaG4+BiYyolBug/gYNx410cvkKR2/nPwBiT+P4hIiOAQqGp/TywZBtDh1yC"
                 "F2KOd0gpiMZ5jSw3e29mTvmUHzkVQiMS6td7vXUaWOMZnYZlF3So2SjHnwh4jYFxdgpkHHqIrH/54S"
                 "NdshoQgWYEvccTKe7FS709/5t6NMxuGhcUGAPOQipvWTT4dShyqio7mlsl5noTrb++x6En749zCpQV"
                 "hDpbV6GDnTbcX2e8K9QaNWHp91eBdCRxthuL0=")
    crypto = signing.MessageCrypto("123456", "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
                                   "wx49f0ab532d5d035a")
    plain = crypto.decrypt(encrypted, "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
                           "1411525903", "461056294")
    from bot import wxml

    fields = wxml.parse_fields(plain.encode())
    assert fields["Content"] == "test" and fields["FromUserName"] == "messense"
    with pytest.raises(signing.BadSignature):
        crypto.decrypt(encrypted, "74d92dfeb87ba7c714f89d98870ae5eb62dff26e", "1411525903",
                       "461056294")


def test_get_verification_echoes_only_when_signed(client: Any, wechat: WeChatServer) -> None:
    params = wechat.sign()
    ok = client.get("/wechat", query_string={**params, "echostr": "hello123"})
    assert ok.status_code == 200 and ok.data == b"hello123"
    forged = client.get("/wechat", query_string={**params, "signature": "0" * 40,
                                                  "echostr": "hello123"})
    assert forged.status_code == 403 and b"hello123" not in forged.data


@pytest.mark.parametrize("mode", ["raw", "compat", "aes"])
def test_text_reply_in_every_mode(mode: str, client: Any, config: Any, make_user: Any) -> None:
    user = make_user("o_mode_user")
    user.server = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                               mode=mode)
    reply = user.say("帮助")
    assert reply is not None and "分类" in reply


def test_forged_signature_is_refused_without_detail(client: Any, wechat: WeChatServer) -> None:
    xml = message_xml("o_x", "gh", "text", int(time.time()), new_msg_id(), Content="电池")
    d = wechat.deliver(xml)
    d.params["signature"] = "f" * 40
    resp = client.post("/wechat", query_string=d.params, data=d.body)
    assert resp.status_code == 403
    assert b"Traceback" not in resp.data and len(resp.data) < 20


def test_forged_msg_signature_in_aes_mode(client: Any, config: Any) -> None:
    server = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                          mode="aes")
    d = server.deliver(message_xml("o_x", "gh", "text", int(time.time()), new_msg_id(),
                                   Content="电池"))
    d.params["msg_signature"] = "0" * 40
    assert client.post("/wechat", query_string=d.params, data=d.body).status_code == 403


def test_message_encrypted_for_another_app_is_refused(client: Any, config: Any) -> None:
    other = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, "wx_someone_else", mode="aes")
    d = other.deliver(message_xml("o_x", "gh", "text", int(time.time()), new_msg_id(),
                                  Content="电池"))
    assert client.post("/wechat", query_string=d.params, data=d.body).status_code == 400


@pytest.mark.parametrize("offset", [-3600, 3600])
def test_stale_or_future_timestamp_is_refused(offset: int, client: Any, config: Any) -> None:
    server = WeChatServer(config.WECHAT_TOKEN, clock_offset=offset)
    d = server.deliver(message_xml("o_x", "gh", "text", int(time.time()), new_msg_id(),
                                   Content="电池"))
    assert client.post("/wechat", query_string=d.params, data=d.body).status_code == 403


def test_missing_signature_parameters(client: Any) -> None:
    assert client.post("/wechat", data=b"<xml/>").status_code == 403


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b"<xml><Content>unclosed",
    b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;'>]>"
    b"<xml><Content>&lol2;</Content></xml>",
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
    b"<xml><FromUserName>a</FromUserName><Content>&xxe;</Content></xml>",
    b"<html><body>hi</body></html>",
    b"",
])
def test_hostile_or_broken_xml_is_a_clean_400(body: bytes, client: Any,
                                              wechat: WeChatServer) -> None:
    resp = client.post("/wechat", query_string=wechat.sign(), data=body)
    assert resp.status_code == 400
    assert b"Traceback" not in resp.data and b"passwd" not in resp.data


def test_oversized_body_is_413(client: Any, wechat: WeChatServer, config: Any) -> None:
    big = b"<xml><Content>" + b"a" * (config.MAX_BODY_BYTES + 10) + b"</Content></xml>"
    resp = client.post("/wechat", query_string=wechat.sign(), data=big)
    assert resp.status_code == 413


@pytest.mark.parametrize("hostile", [
    "]]><MsgType>news</MsgType><![CDATA[",
    "a]]>b]]]]>c<![CDATA[d",
    "<Content>x</Content>&amp;&lt;\x01\x0b",
])
def test_cdata_injection_cannot_break_the_reply(hostile: str) -> None:
    """User text echoed into a reply comes back out as the same text, in one element."""
    from bot import wxml

    fields = wxml.parse_fields(wxml.text_reply("o_user", "gh_acc", "你问的是：" + hostile))
    assert fields["MsgType"] == "text"
    assert fields["Content"] == "你问的是：" + hostile.replace("\x01", "").replace("\x0b", "")


def test_echoing_reply_survives_injection_end_to_end(user: Any) -> None:
    reply = user.say("]]><MsgType>news</MsgType>")
    assert reply is not None


def test_unknown_message_types_get_success(user: Any) -> None:
    assert user.deliver("miniprogrampage", Title="x") is None
    assert user.last_status == 200


def test_subscribe_gets_welcome_and_help(user: Any) -> None:
    welcome = user.subscribe()
    assert welcome is not None and "感谢关注" in welcome and "纠错" in welcome


def test_view_event_needs_no_answer(user: Any) -> None:
    assert user.deliver("event", Event="VIEW", EventKey="https://example.org") is None


def test_retry_gets_the_same_reply_and_is_handled_once(user: Any, runtime: Any) -> None:
    msg_id = new_msg_id()
    first = user.deliver("text", msg_id=msg_id, Content="帮助")
    second = user.deliver("text", msg_id=msg_id, Content="帮助")
    assert first == second and first
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_event_retries_are_keyed_by_user_time_and_event(user: Any, runtime: Any,
                                                         wechat: WeChatServer) -> None:
    xml = message_xml(user.openid, "gh", "event", 1700000000, None, Event="subscribe",
                      EventKey="")
    for _ in range(3):
        d = wechat.deliver(xml)
        assert user.post(d).status_code == 200
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_concurrent_retries_are_handled_once(app: Any, runtime: Any, wechat: WeChatServer) -> None:
    msg_id = new_msg_id()
    xml = message_xml("o_concurrent", "gh", "text", int(time.time()), msg_id, Content="帮助")
    def deliver() -> bytes:
        d = wechat.deliver(xml)
        resp = app.test_client().post("/wechat", query_string=d.params, data=d.body)
        assert resp.status_code == 200
        return resp.data

    replies = run_together([deliver] * 3)
    texts = {wechat.read_reply(r, {})["Content"] for r in replies}
    assert len(texts) == 1
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_cancel_without_a_flow(user: Any) -> None:
    assert "没有进行中" in (user.say("取消") or "")
