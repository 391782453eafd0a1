"""The fast path for a plain sorting question: one short transaction, no durable commit.

A plain question (text that no command, survey or flow claims; see
`handlers.routes.plain_question`) from a resident with no conversation row changes no state
that matters except its de-duplication row, the sender's counters and the resident's
`last_message_at`. So, instead of the full path (`_admit` and `_handle_once`: two
transactions, two durable commits, an ORM load of the conversation, a claim and an update):

1. one transaction; on PostgreSQL `SET LOCAL synchronous_commit = off`, on SQLite the
   connection's `synchronous` is NORMAL for it (WAL: no fsync at commit);
2. one indexed read of `conversations` by primary key: a row (even an expired one) sends the
   message back to the full path, before anything is written;
3. the nonce and the per-user rate, in the same transaction (no statement with Redis);
4. the resident touch, skipped when this process rewrote it less than TOUCH_EVERY ago;
5. the reply is computed (the matcher reads only memory), then the de-duplication row is
   inserted *with* the reply in one `INSERT … ON CONFLICT DO NOTHING RETURNING id`. A
   concurrent repeat blocks on the key until the first commits, inserts nothing and returns
   the stored reply; a later repeat does the same. Either path's claim of the key is the one
   arbiter, so a repeat that arrives after a conversation opened still gets the stored reply.

What an asynchronous commit may lose, on a database crash only (not a worker's): the last
few hundred milliseconds of such rows. A question then lost from `inbound_messages` would be
answered again, identically, on WeChat's retry; nothing else depends on it. Messages that
create or change cases, tasks or conversations never take this path.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from sqlalchemy import Engine, Integer, bindparam, select, text
from sqlalchemy.orm import Session

from handlers.sorting import answer
from handlers.types import Context, Incoming
from models.base import UTCDateTime, portable_sql
from models.messaging import InboundMessage
from models.people import TOUCH_EVERY, touch_resident

_CONVERSATION = text("SELECT 1 FROM conversations WHERE openid = :openid")
_CLAIM_WITH_REPLY = portable_sql(
    "INSERT INTO inbound_messages (dedupe_key, openid, msg_type, received_at, reply) "
    "VALUES (:key, :openid, :msg_type, :now, :reply) "
    "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id", now=UTCDateTime()).columns(id=Integer)
_STORED_REPLY = select(InboundMessage.reply).where(InboundMessage.dedupe_key
                                                   == bindparam("key"))
_ASYNC_COMMIT = text("SET LOCAL synchronous_commit = off")
MAX_TOUCHED = 100_000


class NotPlain(Exception):
    """The sender has a conversation row: take the full path (nothing was written)."""


class Refused(Exception):
    """The nonce or the rate refused the delivery; `kind` is "nonce" or "rate"."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class RecentTouches:
    """openid → when this process last rewrote the resident's `last_message_at` (bounded)."""

    def __init__(self, max_keys: int = MAX_TOUCHED) -> None:
        self._seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_keys

    def fresh(self, openid: str, now: datetime) -> bool:
        with self._lock:
            at = self._seen.get(openid)
        return at is not None and at <= now < at + TOUCH_EVERY

    def note(self, openid: str, now: datetime) -> None:
        with self._lock:
            self._seen.pop(openid, None)
            self._seen[openid] = now
            while len(self._seen) > self._max:
                self._seen.popitem(last=False)


@contextmanager
def relaxed_transaction(engine: Engine, sessions: Callable[..., Session],
                        now_async: bool = True) -> Iterator[Session]:
    """A transaction whose commit does not wait for the disk (see the module's docstring)."""
    with engine.connect() as conn:
        raw: Any = conn.connection.dbapi_connection if engine.dialect.name == "sqlite" else None
        if raw is not None:
            # Autocommit connection (see models.base): the setting holds for the next commit.
            raw.execute("PRAGMA synchronous=NORMAL")
        try:
            with sessions(bind=conn) as session, session.begin():
                if raw is None and now_async:
                    session.execute(_ASYNC_COMMIT)
                yield session
        finally:
            if raw is not None:
                raw.execute("PRAGMA synchronous=FULL")


def answer_plain(engine: Engine, sessions: Callable[..., Session], ctx_args: dict[str, Any],
                 key: str, m: Incoming, admit: Callable[[Session], str | None],
                 touches: RecentTouches, store: bool = True) -> tuple[str | None, Context | None]:
    """(reply, context whose misses are still to be counted; None for a repeat).

    With `store` False (Redis keeps the de-duplication, bot/dedupe.py) no row is written: the
    transaction only reads the conversation, and touches the resident when that is due.

    `admit(session)` runs the nonce and rate checks in the transaction and returns the kind of
    refusal, or None. Raises NotPlain (nothing written) or Refused (after the commit, as on
    the full path: a flood's count keeps counting).
    """
    now: datetime = ctx_args["now"]
    touched = False
    reply: str | None = None
    ctx: Context | None = None
    with relaxed_transaction(engine, sessions, now_async=store) as session:
        if session.execute(_CONVERSATION, {"openid": m.openid}).first() is not None:
            raise NotPlain()
        refused = admit(session)
        if refused is None:
            if not touches.fresh(m.openid, now):
                if not store and engine.dialect.name != "sqlite":
                    session.execute(_ASYNC_COMMIT)
                touch_resident(session, m.openid, now, True)
                touched = True
            ctx = Context(session=session, **ctx_args)
            reply = answer(ctx, m)
            params = {"key": key, "openid": m.openid, "msg_type": m.msg_type, "now": now,
                      "reply": reply or ""}
            if store and session.scalar(_CLAIM_WITH_REPLY, params) is None:
                # A repeat: the first delivery's reply, nothing counted.
                reply, ctx = session.scalar(_STORED_REPLY, {"key": key}) or None, None
    if refused is not None:
        raise Refused(refused)
    if touched:
        touches.note(m.openid, now)
    return reply, ctx
