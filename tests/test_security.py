"""Security pass over the WeChat edge: signatures, replay, limits, hostile text, secrets.

Complements tests/test_webhook.py (forged signatures, XML bombs, CDATA in replies) and the
dashboard's own authorisation and sign-in tests.
"""
from __future__ import annotations

import json
import logging
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select

from outbound.dev_media import read_dev_media
from outbound.photos import fetch_pending
from bot.ratelimit import IP_FACTOR, MemoryLimiter
from bot.simulator import WeChatServer, message_xml, new_msg_id
from domain.images import safe_media_name
from models import Base, Case, InboundMessage, KbMiss
from tests.support.complaints import SONGFENG, jpeg
from tests.support.dashboard import ADMIN, seed, sign_in

SQL_INJECTIONS = [
    "'; DROP TABLE kb_misses; --",
    "\" OR 1=1 --",
    "1; DELETE FROM inbound_messages",
    "%' UNION SELECT secret FROM users --",
    "\\'); TRUNCATE cases CASCADE; --",
]


def _post(client: Any, params: dict[str, str], body: bytes, method: str = "POST") -> Any:
    return client.open("/wechat", method=method, query_string=params, data=body,
                       content_type="text/xml")


def _text(openid: str = "o_sec", content: str = "电池", msg_id: str | None = None) -> str:
    return message_xml(openid, "gh", "text", int(time.time()), msg_id or new_msg_id(),
                       Content=content)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("break_it", ["missing", "forged", "stale", "future", "garbled_ts",
                                      "other_token"])
def test_every_method_checks_signature_and_timestamp(method: str, break_it: str, client: Any,
                                                      config: Any) -> None:
    offset = {"stale": -10 * config.TIMESTAMP_TOLERANCE_S,
              "future": 10 * config.TIMESTAMP_TOLERANCE_S}.get(break_it, 0)
    token = "not-our-token" if break_it == "other_token" else config.WECHAT_TOKEN
    server = WeChatServer(token, clock_offset=offset)
    d = server.deliver(_text())
    params = {**d.params, "echostr": "echo-me"}
    if break_it == "missing":
        params = {"echostr": "echo-me"}
    elif break_it == "forged":
        params["signature"] = "0" * 40
    elif break_it == "garbled_ts":
        params["timestamp"] = "17e9"
    resp = _post(client, params, d.body, method)
    assert resp.status_code == 403
    assert b"echo-me" not in resp.data


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_not_allowed(method: str, client: Any, wechat: WeChatServer) -> None:
    d = wechat.deliver(_text())
    assert _post(client, d.params, d.body, method).status_code == 405


def test_replay_inside_the_window_is_handled_once(client: Any, wechat: WeChatServer,
                                                  runtime: Any) -> None:
    """A captured, still-fresh delivery replayed many times changes nothing."""
    d = wechat.deliver(_text(content="帮助"))
    first = _post(client, d.params, d.body)
    for _ in range(5):
        again = _post(client, d.params, d.body)
        assert again.status_code == 200
        # Same answer (CreateTime may tick over between the two renders).
        assert (wechat.read_reply(again.data, d.params)["Content"]  # type: ignore[index]
                == wechat.read_reply(first.data, d.params)["Content"])  # type: ignore[index]
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_replay_after_the_window_is_refused(client: Any, config: Any) -> None:
    old = WeChatServer(config.WECHAT_TOKEN, clock_offset=-config.TIMESTAMP_TOLERANCE_S - 60)
    d = old.deliver(_text())
    assert _post(client, d.params, d.body).status_code == 403


def test_replayed_signature_with_a_swapped_nonce_is_refused(client: Any,
                                                            wechat: WeChatServer) -> None:
    d = wechat.deliver(_text())
    assert _post(client, {**d.params, "nonce": d.params["nonce"] + "x"}, d.body).status_code == 403


def test_encrypted_body_limit_and_entities(client: Any, config: Any) -> None:
    """AES mode: an oversized envelope is 413; an entity inside the ciphertext is 400."""
    aes = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                       mode="aes")
    big = aes.deliver(_text(content="a" * config.MAX_BODY_BYTES))
    assert _post(client, big.params, big.body).status_code == 413
    bomb = ("<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>"
            "<!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;'>]><xml><FromUserName>o</FromUserName>"
            "<MsgType>text</MsgType><Content>&b;</Content></xml>")
    d = aes.deliver(bomb)
    assert _post(client, d.params, d.body).status_code == 400


def test_cdata_injection_in_aes_mode_stays_inside_content(make_user: Any, config: Any) -> None:
    user = make_user("o_cdata")
    user.server = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                               mode="aes")
    reply = user.say("]]></Content><MsgType>news</MsgType><Content><![CDATA[电池")
    assert reply is not None and "<MsgType>" not in reply.replace("]]>", "")


def test_injected_fields_cannot_change_the_sender(client: Any, wechat: WeChatServer,
                                                  runtime: Any) -> None:
    """A second FromUserName smuggled inside Content is text, not a field."""
    xml = _text(openid="o_real", content="</Content><FromUserName>o_admin</FromUserName>")
    d = wechat.deliver(xml)
    assert _post(client, d.params, d.body).status_code == 200
    with runtime.sessions.begin() as s:
        assert s.scalars(select(InboundMessage.openid)).all() == ["o_real"]


@pytest.mark.parametrize("name", ["../../etc/passwd", "..%2F..%2Fetc", "/etc/passwd",
                                  "dev_ok/../../x", "a" * 200, "con\x00tent", "..", ""])
def test_media_names_cannot_traverse(name: str, tmp_path: Any) -> None:
    (tmp_path / "secret.txt").write_text("top secret")
    (tmp_path / "instance" / "dev_media").mkdir(parents=True)
    assert read_dev_media(str(tmp_path / "instance"), name) is None
    with pytest.raises(ValueError):
        safe_media_name(name, 0, "0" * 64)


def test_safe_media_names_are_plain_stems() -> None:
    name = safe_media_name("20261123-0001", 3, "ab" * 32)
    assert "/" not in name and ".." not in name and name.startswith("20261123-0001_003_")


@pytest.mark.parametrize("attack", SQL_INJECTIONS)
def test_sql_injection_through_the_chat_is_plain_text(attack: str, make_user: Any,
                                                      runtime: Any) -> None:
    user = make_user("o_sqli")
    user.say(attack)
    user.say(attack + " 是什么垃圾")
    with runtime.sessions.begin() as s:
        tables = set(inspect(s.connection()).get_table_names())
        assert {t.name for t in Base.metadata.sorted_tables} <= tables
        assert s.scalar(select(func.count()).select_from(InboundMessage)) == 2
        assert s.scalar(select(func.count()).select_from(KbMiss)) <= 2


def test_sql_injection_through_kb_classify(app: Any, runtime: Any) -> None:
    result = app.test_cli_runner().invoke(args=["kb", "classify", *SQL_INJECTIONS])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines() if line.strip()]
    assert len(lines) == len(SQL_INJECTIONS)
    with runtime.sessions.begin() as s:
        tables = set(inspect(s.connection()).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


def test_memory_limiter_is_a_token_bucket() -> None:
    now = [1000.0]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert [limiter.allow("k", 60) for _ in range(61)].count(True) == 60
    assert not limiter.allow("k", 60)
    now[0] += 2.0  # 60 per minute refills one token a second
    assert [limiter.allow("k", 60) for _ in range(3)] == [True, True, False]
    assert limiter.allow("other", 60)


def test_memory_limiter_forgets_old_keys() -> None:
    limiter = MemoryLimiter(max_keys=10)
    for i in range(100):
        limiter.allow(f"k{i}", 5)
    assert len(limiter._buckets) == 10


class TestWebhookRateLimits:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"WEBHOOK_RATE_PER_MIN": 5}

    @pytest.fixture(autouse=True)
    def still_clock(self, app: Any, config: Any) -> None:
        """Buckets on a clock that stands still, so a slow machine refills nothing mid-test."""
        from bot.ratelimit import WebhookLimits

        app.extensions["wastebot.ratelimit"] = WebhookLimits(
            config, MemoryLimiter(clock=lambda: 1000.0))

    def test_a_flooding_user_is_answered_politely_and_dropped(
            self, make_user: Any, runtime: Any) -> None:
        flooder, neighbour = make_user("o_flood"), make_user("o_calm")
        replies = [flooder.say("帮助") for _ in range(8)]
        assert flooder.last_status == 200
        assert all(r for r in replies[:5]) and replies[5:] == [None, None, None]
        assert neighbour.say("帮助")
        with runtime.sessions.begin() as s:
            counted = s.scalar(select(func.count()).select_from(InboundMessage)
                               .where(InboundMessage.openid == "o_flood"))
        assert counted == 5

    def test_a_flooding_ip_gets_429_before_any_work(self, client: Any,
                                                    wechat: WeChatServer) -> None:
        budget = 5 * IP_FACTOR
        statuses = []
        for i in range(budget + 3):
            d = wechat.deliver(_text(openid=f"o_ip_{i}"))
            statuses.append(_post(client, d.params, b"<xml>").status_code)
        assert 429 not in statuses[:budget] and statuses[budget:] == [429] * 3

    def test_forged_requests_do_not_spend_the_address_budget(
            self, client: Any, wechat: WeChatServer) -> None:
        """Signatures are checked first: unsigned junk is 403 and leaves WeChat's budget be."""
        statuses = [_post(client, {"signature": "0" * 40, "timestamp": "1", "nonce": "n"},
                          b"").status_code for _ in range(5 * IP_FACTOR + 2)]
        assert set(statuses) == {403}
        d = wechat.deliver(_text(openid="o_after_junk", content="帮助"))
        assert _post(client, d.params, d.body).status_code == 200

    def test_behind_a_configured_proxy_each_client_has_its_own_budget(
            self, app: Any, client: Any, wechat: WeChatServer, config: Any) -> None:
        from werkzeug.middleware.proxy_fix import ProxyFix

        def statuses(forwarded_for: str, n: int) -> list[int]:
            out = []
            for i in range(n):
                d = wechat.deliver(_text(openid=f"o_px_{forwarded_for}_{i}"))
                out.append(client.post("/wechat", query_string=d.params, data=b"<xml>",
                                       headers={"X-Forwarded-For": forwarded_for}).status_code)
            return out

        budget = 5 * IP_FACTOR
        # PROXY_HOPS=0 (the default): the header is ignored, everyone is the proxy's address.
        assert 429 in statuses("203.0.113.1", budget // 2 + 1) + statuses("203.0.113.2",
                                                                          budget // 2 + 1)
        app.extensions["wastebot.ratelimit"] = type(app.extensions["wastebot.ratelimit"])(
            config, MemoryLimiter(clock=lambda: 1000.0))
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # what PROXY_HOPS=1 installs
        assert statuses("198.51.100.7", budget + 1)[-1] == 429
        assert set(statuses("198.51.100.8", 3)) == {400}  # a fresh budget: past the limit


def test_secrets_never_reach_the_logs(make_user: Any, config: Any, fake_wechat: Any,
                                      runtime: Any, client: Any,
                                      caplog: pytest.LogCaptureFixture) -> None:
    """Traffic, failed pushes, forged requests and crypto errors at INFO: no secret in logs."""
    from models import outbox as ob

    caplog.set_level(logging.INFO)
    user = make_user("o_logs")
    user.say("帮助")
    user.say("电池")
    client.post("/wechat", query_string={"signature": config.WECHAT_TOKEN}, data=b"<xml/>")
    aes = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, "wx_other", mode="aes")
    d = aes.deliver(_text())
    client.post("/wechat", query_string=d.params, data=d.body)
    with runtime.sessions.begin() as s:
        ob.enqueue(s, key="log-test", kind="test", recipient="o_logs",
                   routes=[{"channel": "wechat_custom", "to": "o_logs"},
                           {"channel": "wecom_app", "to": "cadre1"}],
                   text="测试推送", now=runtime.clock())
    fake_wechat.fail("/cgi-bin/message/custom/send", 45015)
    fake_wechat.fail("/cgi-bin/message/send", http_status=502)
    runtime.drain()
    from outbound.delivery import deliver_due

    deliver_due(runtime)
    assert fake_wechat.sent("/cgi-bin/message/send")  # both routes were really tried
    # werkzeug's lines are the fake WeChat server's own access log (WeChat's side), not ours.
    ours = [r for r in caplog.records if r.name != "werkzeug"]
    text = "\n".join(r.getMessage() + str(r.exc_info or "") for r in ours)
    assert "outbox" in text  # the failures were logged ...
    tokens = set(fake_wechat.tokens)
    assert tokens  # ... and tokens were fetched
    for secret in (config.SECRET_KEY, config.WECHAT_APP_SECRET, config.WECHAT_AES_KEY,
                   config.WECOM_SECRET, config.WECHAT_TOKEN, *tokens):
        assert secret not in text, "a secret reached the logs"


def _bomb_png() -> bytes:
    """A few bytes claiming a 100,000 x 100,000 canvas."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 4)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("payload", [
    _bomb_png(),
    b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
    b"MZ\x90\x00 this is an executable",
    b"\xff\xd8\xff\xe0 truncated jpeg",
    b"",
])
def test_image_bombs_and_non_images_through_the_complaint_flow(
        payload: bytes, user: Any, runtime: Any, district: None, config: Any) -> None:
    """The report is filed; the bad photo is refused for good and never stored."""
    user.say("纠错")
    user.image(payload)
    user.image(jpeg())
    user.location(*SONGFENG, label="松风路88弄")
    user.say("1")
    assert "JC" in (user.say("提交") or "")
    runtime.drain()
    fetch_pending(runtime)
    with runtime.sessions.begin() as s:
        [case] = s.scalars(select(Case)).all()
        photos = sorted(case.photos, key=lambda p: p.id)
        assert [p.status for p in photos] == ["failed", "stored"]
        assert photos[0].path is None
    stored = [p for p in Path(config.media_dir).rglob("*") if p.is_file()]
    assert len(stored) == 2 and all(p.read_bytes()[:2] == b"\xff\xd8" for p in stored)


def _tables_intact(runtime: Any) -> None:
    with runtime.sessions.begin() as s:
        tables = set(inspect(s.connection()).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


@pytest.mark.parametrize("attack", SQL_INJECTIONS + ["<script>alert(1)</script>"])
def test_injection_through_every_dashboard_and_api_search(attack: str, app: Any, client: Any,
                                                          runtime: Any) -> None:
    """Case search, KB search and Open311's filters take hostile text as plain data."""
    seeded = seed(runtime)
    sign_in(client, *ADMIN)
    for url in ("/dashboard/cases/", "/dashboard/kb/"):
        resp = client.get(url, query_string={"q": attack})
        assert resp.status_code == 200, url
        assert "<script>alert(1)</script>" not in resp.get_data(True)  # reflected, escaped
    key = app.test_cli_runner().invoke(args=["apikeys", "create", "sec-test"]).output.strip()
    for param in ("service_request_id", "service_code", "status", "start_date"):
        resp = client.get("/open311/v2/requests.json",
                          query_string={"api_key": key, param: attack})
        assert resp.status_code in (200, 400), (param, resp.status_code)
        if resp.status_code == 200:
            assert resp.get_json() == []
    _tables_intact(runtime)
    listing = client.get("/dashboard/cases/").get_data(True)
    assert seeded.own_number in listing and seeded.other_number in listing


def test_resident_strings_are_escaped_on_every_page_that_shows_them(
        client: Any, runtime: Any, make_user: Any) -> None:
    """A complaint's place label and description typed in WeChat, then read by staff."""
    seed(runtime)
    payload = "<img src=x onerror=alert(1)>"
    resident = make_user("o_xss")
    resident.say("纠错")
    resident.image(jpeg())
    resident.location(*SONGFENG, label="松风路" + payload)
    resident.say("1")
    resident.say("描述：" + payload + "\"'><svg onload=alert(2)>")
    assert "JC" in (resident.say("提交") or "")
    with runtime.sessions.begin() as s:
        case = s.scalars(select(Case).where(Case.reporter_openid == "o_xss")).one()
        case_id = case.id
    sign_in(client, *ADMIN)
    seen = 0
    for url in (f"/dashboard/cases/{case_id}", "/dashboard/cases/", "/dashboard/",
                "/dashboard/outbox/", "/dashboard/cases/?q=松风路"):
        html = client.get(url).get_data(True)
        assert "<img src=x" not in html and "<svg onload" not in html, url
        seen += "&lt;img src=x" in html
    assert seen  # the resident's text really is shown, escaped
