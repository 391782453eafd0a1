"""The `/wechat` endpoint: verify, decrypt, de-duplicate, dispatch, reply.

WeChat retries a delivery up to three times when no answer comes within 5 seconds, so the
reply is produced inside one short transaction and anything slow is kicked off afterwards.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy import Integer, Table, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot import signing, wxml
from bot.dedupe import Answered, Busy, RedisInbox, redis_inbox
from bot.fastpath import NotPlain, RecentTouches, Refused, answer_plain
from bot.ratelimit import WebhookLimits, webhook_limits
from bot.replay import MAX_NONCE, nonce_guard
from runtime import from_app, Runtime
from config import TZ
from handlers.dispatch import handle
from handlers.routes import plain_question
from handlers.sorting import pending_misses
from handlers.types import Context
from models import InboundMessage
from models.base import UTCDateTime, portable_sql
from services.kb_misses import record_misses
from models.shared import hit

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)
APOLOGY = "系统繁忙，请稍后再试。"
_INBOUND: Table = InboundMessage.__table__  # type: ignore[assignment]
# Claim the delivery key: a row id, or nothing when the key was already claimed.
_CLAIM = portable_sql("INSERT INTO inbound_messages (dedupe_key, openid, msg_type, received_at) "
                      "VALUES (:key, :openid, :msg_type, :now) "
                      "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
                      now=UTCDateTime()).columns(id=Integer)


def _runtime() -> Runtime:
    return from_app(current_app)


def _plain(body: str, status: int) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def _verify_request(rt: Runtime) -> Response | None:
    """Signature and freshness of the query string; None when the request may proceed."""
    args = request.args
    timestamp, nonce = args.get("timestamp", ""), args.get("nonce", "")
    try:
        skew = abs(time.time() - int(timestamp))
    except ValueError:
        return _plain("forbidden", 403)
    try:
        signing.check((rt.config.WECHAT_TOKEN, timestamp, nonce), args.get("signature", ""))
    except signing.BadSignature:
        return _plain("forbidden", 403)
    if skew > rt.config.TIMESTAMP_TOLERANCE_S or len(nonce) > MAX_NONCE:
        return _plain("forbidden", 403)
    return None


@bp.get("/wechat")
def verify_url() -> Response:
    """WeChat's server-address check: echo `echostr` when the signature is ours."""
    refused = _verify_request(_runtime())
    return refused or _plain(request.args.get("echostr", ""), 200)


@bp.post("/wechat")
def receive() -> Response:
    rt = _runtime()
    # Signature first: unsigned junk must not spend the budget of WeChat's own addresses.
    refused = _verify_request(rt)
    if refused is not None:
        return refused
    limits = webhook_limits(current_app.extensions, rt.config)
    if not limits.ip_allowed(request.remote_addr or "-"):
        return _plain("too many requests", 429)
    refused = _check_mode(rt)
    if refused is not None:
        return refused
    request.max_content_length = rt.config.MAX_BODY_BYTES
    body = request.get_data(cache=False)
    crypto = _crypto(rt) if request.args.get("encrypt_type") == "aes" else None
    try:
        fields = _read_fields(body, crypto)
    except wxml.BadXml:
        return _plain("bad request", 400)
    except signing.BadSignature:
        return _plain("forbidden", 403)
    except signing.BadCiphertext:
        return _plain("bad request", 400)
    incoming = wxml.to_incoming(fields)
    if not incoming.openid:
        return _plain("bad request", 400)
    key = wxml.dedupe_key(fields)
    inbox = redis_inbox(current_app.extensions, rt.config.REDIS_URL)
    if inbox is not None:
        return _receive_with_redis(rt, limits, inbox, body, key, incoming, crypto)
    if plain_question(incoming):
        fast = _answer_fast(rt, limits, body, key, incoming, crypto)
        if fast is not None:
            return fast
    try:
        refused = _admit(rt, limits, body, incoming.openid)
    except (OperationalError, DBAPIError):
        log.exception("database error while checking a delivery's nonce and rate")
        return _plain("unavailable", 503)
    if refused is not None:
        return refused
    return _full_path(rt, key, incoming, crypto)


def _full_path(rt: Runtime, key: str, incoming: Any, crypto: signing.MessageCrypto | None,
               inbox: RedisInbox | None = None) -> Response:
    """Any message, in one transaction that claims its key in the database first."""
    try:
        reply, wake = _handle_once(rt, key, incoming)
    except (OperationalError, DBAPIError):
        # Database unreachable or restarting: no reply, so WeChat retries the delivery.
        log.exception("database error while handling a message")
        if inbox is not None:
            inbox.release(key)
        return _plain("unavailable", 503)
    except Exception:  # the webhook's one process boundary: log it, apologise, carry on
        log.exception("handler failed for %s", incoming.msg_type)
        reply, wake = APOLOGY, set()
    if inbox is not None:
        if reply == APOLOGY:
            inbox.release(key)  # rolled back: a retry is handled afresh, as without Redis
        else:
            inbox.answered(key, reply)
    response = _render(rt, crypto, incoming.openid, incoming.account, reply)
    if wake:
        response.call_on_close(lambda: rt.kick(wake))
    return response


def _receive_with_redis(rt: Runtime, limits: WebhookLimits, inbox: RedisInbox, body: bytes,
                        key: str, incoming: Any,
                        crypto: signing.MessageCrypto | None) -> Response:
    """With REDIS_URL: nonce, rate and the delivery key in Redis (bot/dedupe.py); a plain
    question then needs no database write. Redis unreachable: the database's paths."""
    try:
        refused = _admit(rt, limits, body, incoming.openid)  # Redis: no statement
    except (OperationalError, DBAPIError):
        log.exception("database error while checking a delivery's nonce and rate")
        return _plain("unavailable", 503)
    if refused is not None:
        return refused
    claim = inbox.claim(key)
    if isinstance(claim, Answered):
        return _render(rt, crypto, incoming.openid, incoming.account, claim.reply)
    if isinstance(claim, Busy):
        return _plain("unavailable", 503)  # the first delivery is still being answered
    store = claim is None  # Redis down: the database keeps the key
    if plain_question(incoming):
        fast = _answer_fast(rt, limits, body, key, incoming, crypto, admitted=True,
                            store=store)
        if fast is not None:
            if claim is not None:
                reply = getattr(fast, "wastebot_reply", None)
                if fast.status_code == 503 or reply == APOLOGY:
                    inbox.release(key)
                else:
                    inbox.answered(key, reply)
            return fast
    return _full_path(rt, key, incoming, crypto, inbox if claim is not None else None)


def _answer_fast(rt: Runtime, limits: WebhookLimits, body: bytes, key: str, incoming: Any,
                 crypto: signing.MessageCrypto | None, admitted: bool = False,
                 store: bool = True) -> Response | None:
    """A plain question on the fast path (bot/fastpath.py); None: take the full path."""
    args = request.args

    def admit(session: Session) -> str | None:
        if admitted:
            return None
        if not nonce_guard(current_app.extensions).fresh(args["timestamp"], args["nonce"],
                                                         body, session):
            return "nonce"
        return None if limits.user_allowed(incoming.openid, session) else "rate"

    touches = current_app.extensions.get("wastebot.touches")
    if touches is None:
        touches = current_app.extensions.setdefault("wastebot.touches", RecentTouches())
    now = rt.clock()
    try:
        reply, ctx = answer_plain(rt.engine, rt.sessions,
                                  {"config": rt.config, "now": now, "kb": rt.kb}, key, incoming,
                                  admit, touches, store=store)
    except NotPlain:
        return None
    except Refused as refused:
        # A copied query string with another body; or a flood from one sender (answered
        # politely so WeChat does not retry, the message dropped), as on the full path.
        return _plain("forbidden", 403) if refused.kind == "nonce" else _plain("success", 200)
    except (OperationalError, DBAPIError):
        log.exception("database error while answering a question")
        return _plain("unavailable", 503)
    except Exception:  # the webhook's one process boundary, as on the full path
        log.exception("handler failed for a plain question")
        reply, ctx = APOLOGY, None
    if ctx is not None:
        _record_misses(rt, ctx, incoming.openid)
    response = _render(rt, crypto, incoming.openid, incoming.account, reply)
    response.wastebot_reply = reply  # type: ignore[attr-defined]  # for the Redis inbox
    return response


def _admit(rt: Runtime, limits: WebhookLimits, body: bytes, openid: str) -> Response | None:
    """The replay guard, then the sender's rate: one short transaction when the database keeps
    them (no database work when Redis does); None when the delivery may be handled."""
    with rt.sessions.begin() as session:
        if not nonce_guard(current_app.extensions).fresh(
                request.args["timestamp"], request.args["nonce"], body, session):
            return _plain("forbidden", 403)
        if not limits.user_allowed(openid, session):
            # A flood from one sender: answer WeChat politely (no retry), drop the message.
            return _plain("success", 200)
    return None


def _check_mode(rt: Runtime) -> Response | None:
    """WECHAT_ENCRYPT_MODE as in WeChat's console: which deliveries this account accepts."""
    encrypt_type = request.args.get("encrypt_type", "raw")
    mode = rt.config.WECHAT_ENCRYPT_MODE
    if encrypt_type not in ("raw", "aes"):
        return _plain("bad request", 400)
    if encrypt_type == "aes" and (mode == "plain" or not rt.config.WECHAT_AES_KEY):
        return _plain("bad request", 400)  # encrypted, but we hold no key for it
    if encrypt_type == "raw" and mode == "safe":
        return _plain("forbidden", 403)  # safe mode: only the encrypted body is signed
    return None


def _crypto(rt: Runtime) -> signing.MessageCrypto:
    cfg = rt.config
    return signing.MessageCrypto(cfg.WECHAT_TOKEN, cfg.WECHAT_AES_KEY, cfg.WECHAT_APP_ID)


def _read_fields(body: bytes, crypto: signing.MessageCrypto | None) -> dict[str, str]:
    outer = wxml.parse_fields(body)
    if crypto is None:
        return outer
    # Compatible and safe mode alike: only the Encrypt element, checked against
    # msg_signature, is trusted; plaintext fields beside it are ignored.
    encrypted = outer.get("Encrypt", "")
    if not encrypted:
        raise wxml.BadXml("no Encrypt element")
    inner = crypto.decrypt(encrypted, request.args.get("msg_signature", ""),
                           request.args.get("timestamp", ""), request.args.get("nonce", ""))
    return wxml.parse_fields(inner.encode("utf-8"))


def _handle_once(rt: Runtime, key: str, incoming: Any) -> tuple[str | None, set[str]]:
    """Handle a delivery exactly once; a repeat gets the first delivery's reply."""
    now = rt.clock()
    with rt.sessions.begin() as session:
        # Inserted first: a concurrent duplicate blocks on this unique key until we commit,
        # then inserts nothing and reads the reply we stored.
        row_id = session.scalar(_CLAIM, {"key": key, "openid": incoming.openid,
                                         "msg_type": incoming.msg_type, "now": now})
        if row_id is None:
            first = session.scalar(select(_INBOUND.c.reply).where(_INBOUND.c.dedupe_key == key))
            return first or None, set()
        ctx = Context(session=session, config=rt.config, now=now, kb=rt.kb)
        reply = handle(ctx, incoming)
        session.execute(update(_INBOUND).where(_INBOUND.c.id == row_id)
                        .values(reply=reply or ""))
    _record_misses(rt, ctx, incoming.openid)
    return reply, ctx.wake


def _record_misses(rt: Runtime, ctx: Context, openid: str) -> None:
    """Count unanswered questions after the reply committed, in a short transaction of its own.

    Kept out of the reply transaction so popular ambiguous asks (电池) do not queue on one
    row's lock; a count is lost if the process dies between the two commits. One sender adds
    at most KB_MISS_DAILY_PER_SENDER messages' worth a day, so a script cannot flood the list.
    """
    misses = pending_misses(ctx)
    if not misses:
        return
    day = ctx.now.astimezone(TZ).date()
    quota_key = f"kbmiss:{openid}:{day.isoformat()}"
    try:
        with rt.sessions.begin() as session:
            if hit(session, quota_key, ctx.now + timedelta(days=2)) > \
                    rt.config.KB_MISS_DAILY_PER_SENDER:
                return
            record_misses(session, misses, ctx.now)
    except (OperationalError, DBAPIError):
        log.exception("could not count %d unanswered question(s)", len(misses))


def _render(rt: Runtime, crypto: signing.MessageCrypto | None, to_user: str,
            from_user: str, reply: str | None) -> Response:
    if not reply:
        return _plain("success", 200)
    xml = wxml.text_reply(to_user, from_user, reply)
    if crypto is not None:
        xml = crypto.encrypt(xml, request.args.get("nonce", ""), str(int(time.time())))
    return Response(xml, status=200, mimetype="application/xml")
