"""Fuzzing the entry points with Hypothesis: no crash, no 500, no hang.

"No hang" is Hypothesis' per-example deadline (generous, so a slow CI machine does not
flake): a pathological input that made the regexes or the parser backtrack would blow it.
"""
from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import signing
from bot.simulator import WeChatServer, message_xml, new_msg_id
from bot.webhook import APOLOGY
from config import ROOT
from domain.deadlines import next_due, parse_deadline
from domain.sorting.kb import load_kb
from domain.sorting.matcher import Matcher

FUZZ = settings(max_examples=60, deadline=timedelta(seconds=5),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
ALLOWED = {200, 400, 403, 413}
MSG_TYPES = ["text", "image", "voice", "location", "link", "event", "video", "shortvideo",
             "file", "TEXT", "", "miniprogrampage"]
FIELDS = ["Content", "MediaId", "PicUrl", "Recognition", "Format", "Location_X", "Location_Y",
          "Scale", "Label", "Event", "EventKey", "Url", "Title", "Description", "Ticket"]
# Text that stays valid XML (no forbidden control characters) but is otherwise anything.
xml_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=300)
any_text = st.text(max_size=200)


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    # The fuzzers send hundreds of messages a minute from one address: lift the limits.
    return {"WEBHOOK_RATE_PER_MIN": 1_000_000}


@FUZZ
@given(body=st.binary(max_size=4096))
def test_arbitrary_bytes_signed_correctly(client: Any, wechat: WeChatServer, body: bytes) -> None:
    resp = client.post("/wechat", query_string=wechat.sign(), data=body)
    assert resp.status_code in ALLOWED


@FUZZ
@given(msg_type=st.sampled_from(MSG_TYPES), openid=xml_text.filter(str.strip),
       fields=st.dictionaries(st.sampled_from(FIELDS), xml_text, max_size=6),
       create_time=st.integers(-2**40, 2**40), msg_id=st.one_of(st.none(), xml_text))
def test_arbitrary_field_values(client: Any, wechat: WeChatServer, msg_type: str, openid: str,
                                fields: dict[str, str], create_time: int,
                                msg_id: str | None) -> None:
    xml = message_xml(openid, "gh_fuzz", msg_type, create_time, msg_id, **fields)
    d = wechat.deliver(xml)
    resp = client.post("/wechat", query_string=d.params, data=d.body)
    assert resp.status_code in ALLOWED
    if resp.status_code == 200 and resp.data not in (b"", b"success"):
        reply = wechat.read_reply(resp.data, d.params)
        # A reply, and not the apology the webhook sends when a handler crashed.
        assert reply is not None and reply.get("Content") != APOLOGY


@FUZZ
@given(content=any_text, mode=st.sampled_from(["aes", "compat"]))
def test_arbitrary_text_in_encrypted_modes(client: Any, config: Any, content: str,
                                           mode: str) -> None:
    server = WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID,
                          mode=mode)
    xml = message_xml("o_fuzz_aes", "gh", "text", int(time.time()), new_msg_id(),
                      Content=content)
    d = server.deliver(xml)
    resp = client.post("/wechat", query_string=d.params, data=d.body)
    assert resp.status_code in ALLOWED
    if resp.status_code == 200 and resp.data not in (b"", b"success"):
        reply = server.read_reply(resp.data, d.params)
        assert reply is not None and reply.get("Content") != APOLOGY


@FUZZ
@given(encrypted=st.text(max_size=400))
def test_arbitrary_ciphertext_with_a_valid_signature(client: Any, config: Any,
                                                     encrypted: str) -> None:
    server = WeChatServer(config.WECHAT_TOKEN)
    params = server.sign()
    params.update(encrypt_type="aes", msg_signature=signing.signature(
        config.WECHAT_TOKEN, params["timestamp"], params["nonce"], encrypted))
    body = message_xml("o_x", "gh", "text", 0, None, Encrypt=encrypted)
    resp = client.post("/wechat", query_string=params, data=body.encode("utf-8", "replace"))
    assert resp.status_code in ALLOWED


@FUZZ
@given(params=st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "echostr",
                                               "encrypt_type", "msg_signature", "openid"]),
                              any_text, max_size=7),
       method=st.sampled_from(["GET", "POST"]))
def test_arbitrary_query_strings(client: Any, params: dict[str, str], method: str) -> None:
    resp = client.open("/wechat", method=method, query_string=params, data=b"<xml/>")
    assert resp.status_code in ALLOWED


DEADLINE_WORDS = st.sampled_from(
    ["年", "月", "日", "号", "底", "前", "中旬", "每", "季度", "至少", "次", "-", "、", "，",
     "长期坚持", "限期整改", "第", "上半年", "内", "个月", "周", "二", "十", "0", "1", "9",
     "12", "31", "2024", "每年", "至", "（", "）", "9999999999"])


@settings(max_examples=80, deadline=timedelta(seconds=5))
@given(text=st.one_of(st.text(max_size=2000),
                      st.lists(DEADLINE_WORDS, max_size=400).map("".join)),
       issued=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_deadline_grammar_on_long_hostile_text(text: str, issued: date) -> None:
    spec = parse_deadline(text, issued)
    assert spec.source == text
    due = next_due(spec, issued)
    assert due is None or due >= issued


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    kb = load_kb(ROOT / "data" / "kb")
    kb.warm()  # build the indexes here, not inside the first example's deadline
    return Matcher(kb)


@settings(max_examples=120, deadline=timedelta(seconds=5))
@given(query=st.one_of(st.text(max_size=500),
                       st.lists(st.sampled_from(["电池", "香蕉皮", "dianchi", "和", "，", "是什么垃圾",
                                                 "塑料", "瓶", "？", " ", "ＡＢＣ", "]]>", "'"]),
                                max_size=120).map("".join)),
       city=st.sampled_from(["national", "shanghai", "beijing", "guangzhou", "shenzhen"]))
def test_matcher_never_raises(matcher: Matcher, query: str, city: str) -> None:
    if city not in matcher.kb.profiles:
        city = "national"
    result = matcher.classify(query, city)
    assert result is not None
