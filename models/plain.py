"""A plain sorting question's database work in one round trip (bot/fastpath.py decides when).

Given the reply already computed (the matcher reads only memory), one statement on PostgreSQL
does, for a sender with no conversation row: remember the (timestamp, nonce) with the body's
digest, count the sender's message in the rate window, touch the resident when due, and claim
the delivery key with the reply; a conversation row, a replayed nonce or a spent budget leaves
the later steps undone. On SQLite (in-process, no round trips) the same steps are a few raw
statements in one `BEGIN IMMEDIATE` transaction. Both run on a bare DBAPI connection: the
SQLAlchemy layers around a statement cost more CPU than the statements themselves here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from models.people import TOUCH_EVERY


@dataclass(frozen=True)
class Ask:
    openid: str
    key: str  # the delivery key (bot/wxml.dedupe_key)
    msg_type: str
    reply: str  # "" for no reply
    now: datetime  # aware
    nonce_key: str  # "timestamp:nonce"; "" when Redis keeps the nonces
    digest: str  # of the body
    rate_key: str  # the sender's window (models.shared.window_key)
    rate_expires: datetime
    rate_limit: int  # 0: no per-sender limit (and no count)
    touch: bool  # rewrite the resident's last_message_at (when stale)
    store: bool  # claim the delivery key (False: Redis keeps de-duplication)


@dataclass(frozen=True)
class Outcome:
    conversation: bool  # a row exists: nothing was written
    fresh: bool = True  # False: the nonce was seen with another body (nothing else written)
    admitted: bool = True  # False: over the sender's budget (counted, nothing else written)
    claimed: bool = True  # False: a repeat; `stored` is the first delivery's reply
    stored: str | None = None


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None)


# The per-sender rate and the admission, shared by the plain question's statement and the full path's.
_RATE_ADMITTED = """rate AS (
  INSERT INTO shared_counts (key, count, expires_at)
  SELECT %(rkey)s::text, 1, %(rexp)s::timestamp FROM fresh
  WHERE fresh.ok AND %(limit)s::int > 0
  ON CONFLICT (key) DO UPDATE SET count = shared_counts.count + 1,
  expires_at = excluded.expires_at RETURNING count),
admitted AS (
  SELECT 1 FROM fresh WHERE fresh.ok
  AND (%(limit)s::int <= 0 OR (SELECT count FROM rate) <= %(limit)s::int)),
"""
# Data-modifying CTEs run exactly once, in order of need, all on one snapshot.
_PG = """
WITH conv AS (SELECT 1 FROM conversations WHERE openid = %(openid)s::text),
nonce AS (
  INSERT INTO seen_nonces (key, body_digest, seen_at)
  SELECT %(nkey)s::text, %(digest)s::text, %(now)s::timestamp
  WHERE NOT EXISTS (SELECT 1 FROM conv) AND %(nkey)s::text <> ''
  ON CONFLICT (key) DO NOTHING RETURNING 1),
fresh AS (
  SELECT NOT EXISTS (SELECT 1 FROM conv) AND (EXISTS (SELECT 1 FROM nonce) OR COALESCE(
    (SELECT body_digest FROM seen_nonces WHERE key = %(nkey)s::text), %(digest)s::text)
    = %(digest)s::text) AS ok),
"""+_RATE_ADMITTED+"""touch AS (
  INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at)
  SELECT %(openid)s::text, true, %(now)s::timestamp, %(now)s::timestamp FROM admitted
  WHERE %(touch)s::boolean
  ON CONFLICT (openid) DO UPDATE SET last_message_at = excluded.last_message_at
  WHERE residents.last_message_at IS NULL OR residents.last_message_at < %(stale)s::timestamp
  OR residents.last_message_at > %(now)s::timestamp RETURNING 1),
claim AS (
  INSERT INTO inbound_messages (dedupe_key, openid, msg_type, received_at, reply)
  SELECT %(key)s::text, %(openid)s::text, %(msg_type)s::text, %(now)s::timestamp,
  %(reply)s::text FROM admitted WHERE %(store)s::boolean
  ON CONFLICT (dedupe_key) DO NOTHING RETURNING id)
SELECT EXISTS (SELECT 1 FROM conv), (SELECT ok FROM fresh), EXISTS (SELECT 1 FROM admitted),
  EXISTS (SELECT 1 FROM claim),
  (SELECT reply FROM inbound_messages WHERE dedupe_key = %(key)s::text),
  (SELECT count(*) FROM touch)
"""
_STORED = "SELECT reply FROM inbound_messages WHERE dedupe_key = %(key)s"


def _params(ask: Ask, now: Any, rexp: Any, stale: Any) -> dict[str, Any]:
    return {"openid": ask.openid, "nkey": ask.nonce_key, "digest": ask.digest, "now": now,
            "rkey": ask.rate_key[:250], "rexp": rexp, "limit": ask.rate_limit,
            "touch": ask.touch, "stale": stale, "key": ask.key, "msg_type": ask.msg_type,
            "reply": ask.reply, "store": ask.store}


def ask_postgres(conn: Any, ask: Ask) -> Outcome:
    """One statement on an autocommit psycopg connection (its commit is the caller's setting)."""
    params = _params(ask, _utc(ask.now), _utc(ask.rate_expires), _utc(ask.now - TOUCH_EVERY))
    with conn.cursor() as cur:
        conv, fresh, admitted, claimed, stored, _touched = cur.execute(_PG, params).fetchone()
        if conv or not fresh or not admitted or claimed or not ask.store:
            return Outcome(bool(conv), bool(fresh), bool(admitted), bool(claimed) or not ask.store)
        if stored is None:
            # A concurrent first delivery committed while this statement waited on its key:
            # its row is newer than this statement's snapshot.
            row = cur.execute(_STORED, {"key": ask.key}).fetchone()
            stored = row[0] if row else None
    return Outcome(False, claimed=False, stored=stored or None)


def _text(value: datetime) -> str:
    """SQLAlchemy's storage format for SQLite datetimes (compared as text)."""
    return _utc(value).strftime("%Y-%m-%d %H:%M:%S.%f")


_SQLITE_CONV = "SELECT 1 FROM conversations WHERE openid = ?"
_SQLITE_NONCE = ("INSERT INTO seen_nonces (key, body_digest, seen_at) VALUES (?, ?, ?) "
                 "ON CONFLICT (key) DO NOTHING RETURNING 1")
_SQLITE_DIGEST = "SELECT body_digest FROM seen_nonces WHERE key = ?"
_SQLITE_RATE = ("INSERT INTO shared_counts (key, count, expires_at) VALUES (?, 1, ?) "
                "ON CONFLICT (key) DO UPDATE SET count = shared_counts.count + 1, "
                "expires_at = excluded.expires_at RETURNING count")
_SQLITE_TOUCH = ("INSERT INTO residents (openid, subscribed, first_seen_at, last_message_at) "
                 "VALUES (?1, 1, ?2, ?2) ON CONFLICT (openid) DO UPDATE "
                 "SET last_message_at = excluded.last_message_at "
                 "WHERE residents.last_message_at IS NULL OR residents.last_message_at < ?3 "
                 "OR residents.last_message_at > ?2")
_SQLITE_CLAIM = ("INSERT INTO inbound_messages (dedupe_key, openid, msg_type, received_at, reply) "
                 "VALUES (?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
_SQLITE_STORED = "SELECT reply FROM inbound_messages WHERE dedupe_key = ?"


def ask_sqlite(conn: Any, ask: Ask) -> Outcome:
    """The same steps on a sqlite3 connection outside pysqlite's transaction control."""
    now = _text(ask.now)
    cur = conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    try:
        if cur.execute(_SQLITE_CONV, (ask.openid,)).fetchone() is not None:
            cur.execute("ROLLBACK")
            return Outcome(True)
        outcome = _sqlite_steps(cur, ask, now)
    except BaseException:
        cur.execute("ROLLBACK")
        raise
    cur.execute("COMMIT")
    return outcome


def _sqlite_steps(cur: Any, ask: Ask, now: str) -> Outcome:
    if ask.nonce_key and cur.execute(_SQLITE_NONCE, (ask.nonce_key, ask.digest, now)
                                     ).fetchone() is None:
        first = cur.execute(_SQLITE_DIGEST, (ask.nonce_key,)).fetchone()
        if first is not None and first[0] != ask.digest:
            return Outcome(False, fresh=False)
    if ask.rate_limit > 0:
        count = cur.execute(_SQLITE_RATE, (ask.rate_key[:250], _text(ask.rate_expires))
                            ).fetchone()[0]
        if count > ask.rate_limit:
            return Outcome(False, admitted=False)
    if ask.touch:
        cur.execute(_SQLITE_TOUCH, (ask.openid, now, _text(ask.now - TOUCH_EVERY)))
    if not ask.store:
        return Outcome(False)
    if cur.execute(_SQLITE_CLAIM, (ask.key, ask.openid, ask.msg_type, now, ask.reply)
                   ).fetchone() is not None:
        return Outcome(False)
    row = cur.execute(_SQLITE_STORED, (ask.key,)).fetchone()
    return Outcome(False, claimed=False, stored=(row[0] if row else None) or None)


# The full path's first statement (any message, in its durable transaction): the nonce, the
# sender's rate and the claim of the delivery key, in one round trip on PostgreSQL.
_PG_FULL = """
WITH nonce AS (
  INSERT INTO seen_nonces (key, body_digest, seen_at)
  SELECT %(nkey)s::text, %(digest)s::text, %(now)s::timestamp WHERE %(nkey)s::text <> ''
  ON CONFLICT (key) DO NOTHING RETURNING 1),
fresh AS (
  SELECT EXISTS (SELECT 1 FROM nonce) OR COALESCE(
    (SELECT body_digest FROM seen_nonces WHERE key = %(nkey)s::text), %(digest)s::text)
    = %(digest)s::text AS ok),
"""+_RATE_ADMITTED+"""claim AS (
  INSERT INTO inbound_messages (dedupe_key, openid, msg_type, received_at)
  SELECT %(key)s::text, %(openid)s::text, %(msg_type)s::text, %(now)s::timestamp
  FROM admitted ON CONFLICT (dedupe_key) DO NOTHING RETURNING id)
SELECT (SELECT ok FROM fresh), EXISTS (SELECT 1 FROM admitted), (SELECT id FROM claim)
"""


def claim_full(conn: Any, sqlite: bool, ask: Ask) -> tuple[str | None, int | None]:
    """(refusal "nonce"/"rate" or None, the claimed row's id or None for a repeat), inside the
    caller's transaction on its DBAPI connection. `ask.reply`, `touch` and `store` are unused."""
    if sqlite:
        now = _text(ask.now)
        cur = conn.cursor()
        if ask.nonce_key and cur.execute(_SQLITE_NONCE, (ask.nonce_key, ask.digest, now)
                                         ).fetchone() is None:
            first = cur.execute(_SQLITE_DIGEST, (ask.nonce_key,)).fetchone()
            if first is not None and first[0] != ask.digest:
                return "nonce", None
        if ask.rate_limit > 0 and cur.execute(
                _SQLITE_RATE, (ask.rate_key[:250], _text(ask.rate_expires))
                ).fetchone()[0] > ask.rate_limit:
            return "rate", None
        row = cur.execute(_SQLITE_CLAIM, (ask.key, ask.openid, ask.msg_type, now, None)
                          ).fetchone()
        return None, row[0] if row else None
    params = _params(ask, _utc(ask.now), _utc(ask.rate_expires), None)
    with conn.cursor() as cur:
        fresh, admitted, row_id = cur.execute(_PG_FULL, params).fetchone()
    if not fresh:
        return "nonce", None
    return (None, row_id) if admitted else ("rate", None)
