"""The fast path for a plain sorting question: one round trip, no durable commit.

A plain question (text that no command, survey or flow claims; see
`handlers.routes.plain_question`) from a resident with no conversation row changes no state
that matters except its de-duplication row, the sender's counters and the resident's
`last_message_at`. So, instead of the full path (one transaction with a durable commit, an
ORM load of the conversation, a claim and an update):

1. the reply is computed first: the matcher reads only memory (handlers/sorting.py keeps the
   replies it gave, per matcher);
2. one statement (models/plain.py) on an autocommit connection with `synchronous_commit =
   off` (PostgreSQL; on SQLite a few raw statements in one transaction with `synchronous`
   NORMAL: in WAL mode, no fsync at commit) reads the conversation row and, only when there
   is none, remembers the nonce, counts the sender's rate, touches the resident when due and
   inserts the de-duplication row *with* the reply (`ON CONFLICT DO NOTHING`). A conversation
   row (even an expired one) sends the message back to the full path, nothing written;
3. a repeat (the key already claimed, by either path) gets the stored reply; a concurrent
   repeat waits on the key until the first commits, then reads it. Either path's claim of the
   key is the one arbiter, so a repeat that arrives after a conversation opened still gets
   the stored reply.

What an asynchronous commit may lose, on a database crash only (not a worker's): the last
few hundred milliseconds of such rows. A question then lost from `inbound_messages` would be
answered again, identically, on WeChat's retry; nothing else depends on it. Messages that
create or change cases, tasks or conversations never take this path.

With REDIS_URL the same question usually needs no database at all (bot/hotpath.py); this path
is then the fallback, with `store` False (Redis keeps the delivery key and the nonce).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from handlers.types import Context
from models.people import TOUCH_EVERY
from models.plain import Ask, ask_postgres, ask_sqlite

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


class FastPath:
    """Per process: the connections the plain question's one round trip runs on."""

    def __init__(self, engine: Engine, relaxed: Engine | None) -> None:
        self._sqlite = engine.dialect.name == "sqlite"
        self._engine = engine if self._sqlite or relaxed is None else relaxed
        self._error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self.touches = RecentTouches()

    def ask(self, ask: Ask) -> Any:
        conn = self._engine.raw_connection()
        try:
            raw = conn.driver_connection
            if not self._sqlite:
                return ask_postgres(raw, ask)
            # The connection is outside pysqlite's transaction control (models.base): the
            # setting holds for the next commit.
            raw.execute("PRAGMA synchronous=NORMAL")
            try:
                return ask_sqlite(raw, ask)
            finally:
                raw.execute("PRAGMA synchronous=FULL")
        except self._error as exc:
            conn.invalidate()  # a broken connection is not handed out again
            raise DBAPIError.instance(None, None, exc, self._error) from exc  # type: ignore[arg-type]
        finally:
            conn.close()


def answer_plain(fast: FastPath, ask: Ask, ctx: Context | None) -> tuple[str | None, Context | None]:
    """(reply, context whose misses are still to be counted; None for a repeat).

    `ask.reply` is the reply already computed with `ctx`. Raises NotPlain (nothing written)
    or Refused (after the commit, as on the full path: a flood's count keeps counting).
    """
    outcome = fast.ask(ask)
    if outcome.conversation:
        raise NotPlain()
    if not outcome.fresh:
        raise Refused("nonce")
    if not outcome.admitted:
        raise Refused("rate")
    if ask.touch:
        fast.touches.note(ask.openid, ask.now)
    if not outcome.claimed:
        return outcome.stored, None  # a repeat: the first delivery's reply, nothing counted
    return ask.reply or None, ctx
