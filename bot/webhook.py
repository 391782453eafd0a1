"""The `/wechat` endpoint: verify, decrypt, de-duplicate, dispatch, reply.

WeChat retries a delivery up to three times when no answer comes within 5 seconds, so the
reply is produced inside one short transaction and anything slow is kicked off afterwards.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from dataclasses import dataclass
from typing import Any, Callable

from flask import Blueprint, Response, current_app, request
from sqlalchemy import Table, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from bot import signing, wxml
from bot.dedupe import Answered, Claimed, RedisInbox, redis_inbox
from bot.fastpath import FastPath, NotPlain, Refused, answer_plain
from bot.hotpath import HotPath, quota_key
from bot.ratelimit import WebhookLimits, webhook_limits
from bot.replay import MAX_NONCE, NonceGuard, nonce_guard
from runtime import from_app, Runtime
from config import TZ
from handlers.dispatch import handle
from handlers.routes import plain_question
from handlers.sorting import answer, pending_misses
from handlers.types import Context
from models import InboundMessage
from models.plain import Ask, claim_full
from services.kb_misses import record_misses
from models.shared import hit

log = logging.getLogger(__name__)
bp = Blueprint("wechat", __name__)
APOLOGY = "系统繁忙，请稍后再试。"
QUOTA_TTL = timedelta(days=2)  # a sender's daily count of unanswered questions is kept this long
QUOTA_TTL_S = int(QUOTA_TTL.total_seconds())


@dataclass(frozen=True)
class _Checks:
    """What the full path checks with its claim when the database keeps nonces and rates."""

    nonce_key: str
    digest: str
    rate_key: str
    rate_expires: datetime
    rate_limit: int
    refused: str | None = None  # already refused (a rate limiter outside the database)


Admit = _Checks
_INBOUND: Table = InboundMessage.__table__  # type: ignore[assignment]


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
    inbox = redis_inbox(current_app.extensions, rt.config.REDIS_URL)
    # With Redis, a plain question's per-address check is part of its one script (hotpath).
    if inbox is None and not limits.ip_allowed(request.remote_addr or "-"):
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
    if inbox is not None:
        return _receive_with_redis(rt, limits, inbox, body, key, incoming, crypto)
    if plain_question(incoming):
        fast = _answer_fast(rt, limits, body, key, incoming, crypto)
        if fast is not None:
            return fast
    return _full_path(rt, key, incoming, crypto, admit=_admission(rt, limits, body, incoming))


def _full_path(rt: Runtime, key: str, incoming: Any, crypto: signing.MessageCrypto | None,
               admit: Admit | None = None, inbox: RedisInbox | None = None,
               mark: Callable[[str], bool] | None = None) -> Response:
    """Any message, in one transaction that claims its key in the database first.

    `admit` checks the nonce and the sender's rate in that transaction (no Redis); `inbox`
    holds the Redis claim of the key (its sender marked); `mark` is given when Redis could not
    mark the sender: a conversation may then be opened only if marking succeeds before the
    commit (bot/hotpath.py)."""
    openid = incoming.openid
    try:
        reply, wake = _handle_once(rt, key, incoming, admit, mark)
    except Refused as refused:
        # A copied query string with another body; or a flood from one sender (answered
        # politely so WeChat does not retry, the message dropped).
        return _plain("forbidden", 403) if refused.kind == "nonce" else _plain("success", 200)
    except (OperationalError, DBAPIError, _Untold):
        # Database unreachable or restarting, or Redis could not be told of a conversation:
        # no reply, so WeChat retries the delivery.
        log.exception("database error while handling a message")
        if inbox is not None:
            inbox.release(key, openid)
        return _plain("unavailable", 503)
    except Exception:  # the webhook's one process boundary: log it, apologise, carry on
        log.exception("handler failed for %s", incoming.msg_type)
        reply, wake = APOLOGY, set()
    if inbox is not None:
        if reply == APOLOGY:
            inbox.release(key, openid)  # rolled back: a retry is handled afresh, as without Redis
        else:
            inbox.answered(key, reply, openid)
    response = _render(rt, crypto, incoming.openid, incoming.account, reply)
    if wake:
        response.call_on_close(lambda: rt.kick(wake))
    return response


def _receive_with_redis(rt: Runtime, limits: WebhookLimits, inbox: RedisInbox, body: bytes,
                        key: str, incoming: Any,
                        crypto: signing.MessageCrypto | None) -> Response:
    """With REDIS_URL: a plain question is one Redis script (bot/hotpath.py); anything else
    has its nonce, rate and delivery key in Redis (bot/dedupe.py) before the full path.
    Redis unreachable: the database's paths."""
    openid = incoming.openid
    if plain_question(incoming):
        hot = _answer_hot(rt, limits, inbox, body, key, incoming, crypto)
        if hot is not None:
            return hot
        # Redis did not answer: the database fast path, nonce and rate in the database.
        fast = _answer_fast(rt, limits, body, key, incoming, crypto)
        if fast is not None:
            return fast
        return _full_path(rt, key, incoming, crypto, admit=_admission(rt, limits, body, incoming),
                          mark=inbox.mark)
    # Anything else: the same checks and the claim (its sender marked) in one script.
    hot = _hot_path(rt, limits, inbox)
    args = request.args
    nonce_key, digest = NonceGuard.key_digest(args["timestamp"], args["nonce"], body)
    verdict = hot.ask(ip=request.remote_addr or "-", nonce_key=nonce_key, digest=digest,
                      openid=openid, key=key, reply="", now_s=time.time(), misses=False,
                      quota="", plain=False)
    if verdict is None:  # Redis down: the database keeps it all; mark before any conversation
        return _full_path(rt, key, incoming, crypto, admit=_admission(rt, limits, body, incoming),
                          mark=inbox.mark)
    refused = _refused(verdict.kind)
    if refused is not None:
        return refused
    if verdict.kind == "answered":
        return _render(rt, crypto, incoming.openid, incoming.account, verdict.reply)
    if verdict.kind == "busy":
        return _wait_for_first(rt, inbox, key, incoming, crypto)
    return _full_path(rt, key, incoming, crypto, inbox=inbox)


def _refused(kind: str) -> Response | None:
    """The answer to a delivery the checks refused (bot/hotpath.py's verdicts), else None."""
    if kind == "ip":
        return _plain("too many requests", 429)
    if kind == "nonce":
        return _plain("forbidden", 403)  # a copied query string with another body
    if kind == "rate":
        return _plain("success", 200)  # a flood from one sender: dropped, politely
    return None


def _wait_for_first(rt: Runtime, inbox: RedisInbox, key: str, incoming: Any,
                    crypto: signing.MessageCrypto | None) -> Response:
    """The same delivery is being answered elsewhere: its reply, or 503 (WeChat retries)."""
    claim = inbox.claim(key, incoming.openid)
    if isinstance(claim, Answered):
        return _render(rt, crypto, incoming.openid, incoming.account, claim.reply)
    if isinstance(claim, Claimed):  # its worker died: answer it ourselves, in full
        return _full_path(rt, key, incoming, crypto, inbox=inbox)
    return _plain("unavailable", 503)


def _answer_hot(rt: Runtime, limits: WebhookLimits, inbox: RedisInbox, body: bytes, key: str,
                incoming: Any, crypto: signing.MessageCrypto | None) -> Response | None:
    """A plain question in one Redis script; None when Redis does not answer."""
    openid = incoming.openid
    now = rt.clock()
    reply, ctx = _reply_for(rt, incoming, now)
    if ctx is None:
        return _render(rt, crypto, openid, incoming.account, reply)  # nothing claimed
    hot = _hot_path(rt, limits, inbox)
    args = request.args
    nonce_key, digest = NonceGuard.key_digest(args["timestamp"], args["nonce"], body)
    misses = bool(pending_misses(ctx))
    quota = quota_key(openid, now.astimezone(TZ).date().isoformat())
    verdict = hot.ask(ip=request.remote_addr or "-", nonce_key=nonce_key, digest=digest,
                      openid=openid, key=key, reply=reply or "", now_s=time.time(),
                      misses=misses, quota=quota)
    if verdict is None:
        return None
    kind = verdict.kind
    refused = _refused(kind)
    if refused is not None:
        return refused
    if kind == "answered":
        return _render(rt, crypto, openid, incoming.account, verdict.reply)
    if kind == "busy":
        return _wait_for_first(rt, inbox, key, incoming, crypto)
    quota_seen: int | None = verdict.quota
    if kind == "unknown":  # Redis does not know the sender: the database reads the row
        fast = _fast_path(rt)
        ask = Ask(openid=openid, key=key, msg_type=incoming.msg_type, reply=reply or "",
                  now=now, nonce_key="", digest=digest, rate_key="", rate_expires=now,
                  rate_limit=0, touch=not fast.touches.fresh(openid, now), store=False)
        try:
            answer_plain(fast, ask, ctx)
        except NotPlain:
            if inbox.mark(openid):
                return _full_path(rt, key, incoming, crypto, inbox=inbox)
            return _full_path(rt, key, incoming, crypto, inbox=inbox, mark=inbox.mark)
        except (OperationalError, DBAPIError):
            log.exception("database error while answering a question")
            inbox.release(key, openid)
            return _plain("unavailable", 503)
        quota_seen = hot.settle(key, reply, openid, verdict.gen, misses, quota)
    if misses and quota_seen:
        _record_misses(rt, ctx, openid, counted=quota_seen)
    return _render(rt, crypto, openid, incoming.account, reply)


def _answer_fast(rt: Runtime, limits: WebhookLimits, body: bytes, key: str, incoming: Any,
                 crypto: signing.MessageCrypto | None) -> Response | None:
    """A plain question on the database fast path (bot/fastpath.py); None: take the full path."""
    openid = incoming.openid
    now = rt.clock()
    reply, ctx = _reply_for(rt, incoming, now)
    if ctx is None:
        return _render(rt, crypto, openid, incoming.account, reply)  # nothing written
    fast = _fast_path(rt)
    args = request.args
    nonce_key, digest = NonceGuard.key_digest(args["timestamp"], args["nonce"], body)
    window = limits.user_window(openid)
    if window is None and not limits.user_allowed(openid):
        return _plain("success", 200)
    rate_key, rate_expires, rate_limit = window or ("", now, 0)
    ask = Ask(openid=openid, key=key, msg_type=incoming.msg_type, reply=reply or "", now=now,
              nonce_key=nonce_key, digest=digest, rate_key=rate_key, rate_expires=rate_expires,
              rate_limit=rate_limit, touch=not fast.touches.fresh(openid, now), store=True)
    try:
        reply, to_count = answer_plain(fast, ask, ctx)
    except NotPlain:
        return None
    except Refused as refused:
        # A copied query string with another body; or a flood from one sender (answered
        # politely so WeChat does not retry, the message dropped), as on the full path.
        return _plain("forbidden", 403) if refused.kind == "nonce" else _plain("success", 200)
    except (OperationalError, DBAPIError):
        log.exception("database error while answering a question")
        return _plain("unavailable", 503)
    if to_count is not None:
        _record_misses(rt, to_count, openid)
    return _render(rt, crypto, openid, incoming.account, reply)


def _reply_for(rt: Runtime, incoming: Any, now: datetime) -> tuple[str | None, Context | None]:
    """A plain question's reply, computed before any write; (APOLOGY, None) if it failed."""
    session = _SessionOnDemand(rt.sessions)
    try:
        ctx = Context(session=session, config=rt.config, now=now, kb=rt.kb)  # type: ignore[arg-type]
        return answer(ctx, incoming), ctx
    except Exception:  # the webhook's one process boundary, as on the full path
        log.exception("handler failed for a plain question")
        return APOLOGY, None
    finally:
        session.close()


class _SessionOnDemand:
    """A session made on first use: a plain reply reads the database only for the knowledge
    base's stamp, every few seconds (services/kb_matcher.py)."""

    def __init__(self, factory: Callable[[], Session]) -> None:
        self._factory = factory
        self._session: Session | None = None

    def __getattr__(self, name: str) -> Any:
        if self._session is None:
            self._session = self._factory()
        return getattr(self._session, name)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


def _fast_path(rt: Runtime) -> FastPath:
    fast = current_app.extensions.get("wastebot.fastpath")
    if fast is None:
        fast = current_app.extensions.setdefault("wastebot.fastpath",
                                                 FastPath(rt.engine, rt.relaxed))
    return fast


def _hot_path(rt: Runtime, limits: WebhookLimits, inbox: RedisInbox) -> HotPath:
    hot = current_app.extensions.get("wastebot.hotpath")
    if hot is None:
        guard = nonce_guard(current_app.extensions)
        hot = current_app.extensions.setdefault(
            "wastebot.hotpath", inbox.hot_path(max(limits.per_ip, 0), max(limits.per_user, 0),
                                               guard.ttl_s, QUOTA_TTL_S))
    return hot


def _admission(rt: Runtime, limits: WebhookLimits, body: bytes, incoming: Any) -> Admit:
    """The replay guard and the sender's rate, checked with the claim in the full path's
    transaction (no Redis)."""
    args = request.args
    nonce_key, digest = NonceGuard.key_digest(args["timestamp"], args["nonce"], body)
    window = limits.user_window(incoming.openid)
    if window is None and not limits.user_allowed(incoming.openid):
        return _Checks(nonce_key, digest, "", rt.clock(), 0, refused="rate")
    rate_key, rate_expires, rate_limit = window or ("", rt.clock(), 0)
    return _Checks(nonce_key, digest, rate_key, rate_expires, rate_limit)


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


class _Untold(Exception):
    """Redis could not be told that a conversation opens: the transaction is rolled back."""


def _handle_once(rt: Runtime, key: str, incoming: Any, admit: Admit | None,
                 mark: Callable[[str], bool] | None) -> tuple[str | None, set[str]]:
    """Handle a delivery exactly once; a repeat gets the first delivery's reply.

    One transaction and one durable commit: the nonce and the sender's rate (`admit`, when the
    database keeps them), the claim of the key, the handler, the stored reply."""
    now = rt.clock()
    checks = admit or _Checks("", "", "", now, 0)
    if checks.refused is not None:
        raise Refused(checks.refused)
    ask = Ask(openid=incoming.openid, key=key, msg_type=incoming.msg_type, reply="", now=now,
              nonce_key=checks.nonce_key, digest=checks.digest, rate_key=checks.rate_key,
              rate_expires=checks.rate_expires, rate_limit=checks.rate_limit, touch=False,
              store=True)
    with rt.sessions.begin() as session:
        # Claimed before the handler: a concurrent duplicate blocks on this unique key
        # until we commit, then inserts nothing and reads the reply we stored.
        raw = session.connection().connection.driver_connection
        refused, row_id = claim_full(raw, rt.engine.dialect.name == "sqlite", ask)
        if refused is None:
            if row_id is None:
                first = session.scalar(select(_INBOUND.c.reply)
                                       .where(_INBOUND.c.dedupe_key == key))
                return first or None, set()
            ctx = Context(session=session, config=rt.config, now=now, kb=rt.kb)
            reply = handle(ctx, incoming)
            if mark is not None and not all(mark(openid) for openid in sorted(ctx.opened)):
                raise _Untold()
            session.execute(update(_INBOUND).where(_INBOUND.c.id == row_id)
                            .values(reply=reply or ""))
    if refused is not None:
        raise Refused(refused)  # after the commit: the nonce and the count stay
    _record_misses(rt, ctx, incoming.openid)
    return reply, ctx.wake


def _record_misses(rt: Runtime, ctx: Context, openid: str, counted: int | None = None) -> None:
    """Count unanswered questions after the reply committed, in a short transaction of its own.

    Kept out of the reply transaction so popular ambiguous asks (电池) do not queue on one
    row's lock; a count is lost if the process dies between the two commits. One sender adds
    at most KB_MISS_DAILY_PER_SENDER messages' worth a day, so a script cannot flood the list;
    `counted` is that sender's count already taken in Redis (bot/hotpath.py).
    """
    misses = pending_misses(ctx)
    if not misses:
        return
    if counted is not None and counted > rt.config.KB_MISS_DAILY_PER_SENDER:
        return
    day = ctx.now.astimezone(TZ).date()
    quota = f"kbmiss:{openid}:{day.isoformat()}"
    try:
        # Counts need no durable commit: on PostgreSQL each statement commits on its own,
        # asynchronously (Runtime.relaxed).
        with rt.sessions(bind=rt.relaxed or rt.engine) as session, session.begin():
            if counted is None and hit(session, quota, ctx.now + QUOTA_TTL) > \
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
