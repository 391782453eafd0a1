"""A plain question with REDIS_URL: one Redis script, and no database at all.

For a plain question (handlers.routes.plain_question) whose reply is already computed (the
matcher reads only memory), `HotPath.ask` runs one script that does what the database fast
path does, on the same keys as the separate checks (bot/ratelimit.py, bot/replay.py,
bot/dedupe.py): the per-address and per-sender buckets, the (timestamp, nonce) with the body's
digest, and the claim of the delivery key *with* its reply, so a repeat gets the same reply.

Whether the sender has a conversation row is a fact Redis keeps only as "known free":
`free:<openid>` is set by `settle` after the database said there was no row, for FREE_S, and
only when no full-path message of that sender ran in between. Every full-path delivery marks
its sender first, in the same script as its claim (bot/dedupe.py): it bumps `gen:<openid>`,
sets `busy:<openid>` for BUSY_S (longer than any request may run) and deletes the free fact;
the busy mark is dropped after its transaction ends. So:

- a sender whose fact is missing or busy is answered on the database path (which reads the
  conversation row), and the fact is set again only if `gen` did not move and no busy mark
  appeared meanwhile: a conversation opened concurrently is never hidden;
- Redis losing its data (restart, eviction) only sends questions back to the database;
- a conversation is never opened while a free fact may stand: when the claim could not mark
  the sender (Redis unreachable), the full path marks it before its commit, or refuses the
  delivery with 503 (WeChat retries) — see bot/webhook.py.

FREE_S is TOUCH_EVERY (models.people): the database path touches the resident when it sets
the fact, so `last_message_at` lags by at most that, as on the database fast path.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from string import Template
from typing import Any

from models.people import TOUCH_EVERY

log = logging.getLogger(__name__)
FREE_S = int(TOUCH_EVERY.total_seconds())
BUSY_S = 60  # > gunicorn's timeout (30 s): a killed worker's mark expires, a live one's does not
GEN_S = 24 * 3600
PREFIX = "wastebot:"

# A token bucket as in bot/ratelimit.py (capacity = a minute's budget, refilled continuously).
_BUCKET = """
local function allowed(key, cap, now)
  if cap <= 0 then return true end
  local b = redis.call('HMGET', key, 't', 'ts')
  local t = tonumber(b[1]) or cap
  local ts = tonumber(b[2]) or now
  t = math.min(cap, t + math.max(0, now - ts) * cap / 60)
  local ok = t >= 1
  if ok then t = t - 1 end
  redis.call('HSET', key, 't', t, 'ts', now)
  redis.call('EXPIRE', key, 120)
  return ok
end
"""
# KEYS: ip bucket, nonce, user bucket, inbox, free, busy, gen, miss quota.
# ARGV: now, digest, reply, misses (0/1), pending, plain (0/1). $names: this process's
# constants, written into the script once (fewer arguments to encode on every call).
# Not plain (any message for the full path): claim the key and mark the sender.
_ASK = _BUCKET + """
local now = tonumber(ARGV[1])
if not allowed(KEYS[1], $ip_cap, now) then return {'ip'} end
if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', $nonce_ttl) then
  local first = redis.call('GET', KEYS[2])
  if first and first ~= ARGV[2] then return {'nonce'} end
end
if not allowed(KEYS[3], $user_cap, now) then return {'rate'} end
local plain = ARGV[6] == '1'
local known = plain and redis.call('EXISTS', KEYS[5]) == 1 and redis.call('EXISTS', KEYS[6]) == 0
local value, ttl = ARGV[5], $pending_ttl
if known then value, ttl = ARGV[3], $reply_ttl end
if not redis.call('SET', KEYS[4], value, 'NX', 'EX', ttl) then
  local stored = redis.call('GET', KEYS[4])
  if stored == ARGV[5] then return {'busy'} end
  return {'answered', stored}
end
if not plain then
  redis.call('DEL', KEYS[5])
  redis.call('SET', KEYS[6], '1', 'EX', $busy_ttl)
  redis.call('INCR', KEYS[7])
  redis.call('EXPIRE', KEYS[7], $gen_ttl)
  return {'claimed'}
end
if not known then return {'unknown', redis.call('GET', KEYS[7]) or '0'} end
local quota = 0
if ARGV[4] == '1' then
  quota = redis.call('INCR', KEYS[8])
  if quota == 1 then redis.call('EXPIRE', KEYS[8], $quota_ttl) end
end
return {'done', tostring(quota)}
"""
# KEYS: inbox, free, busy, gen, miss quota. ARGV: reply, reply ttl, gen seen, free ttl,
# misses (0/1), quota ttl. The reply is stored; the fact set only if nothing moved.
_SETTLE = """
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if (redis.call('GET', KEYS[4]) or '0') == ARGV[3] and redis.call('EXISTS', KEYS[3]) == 0 then
  redis.call('SET', KEYS[2], '1', 'EX', ARGV[4])
end
local quota = 0
if ARGV[5] == '1' then
  quota = redis.call('INCR', KEYS[5])
  if quota == 1 then redis.call('EXPIRE', KEYS[5], ARGV[6]) end
end
return quota
"""
# KEYS: free, busy, gen. Mark a sender whose delivery takes the full path.
MARK = """
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'EX', ARGV[1])
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], ARGV[2])
"""


def fact_keys(openid: str) -> list[str]:
    """free, busy, gen: what Redis knows about a sender's conversation."""
    return [f"{PREFIX}free:{openid}", f"{PREFIX}busy:{openid}", f"{PREFIX}gen:{openid}"]


def quota_key(openid: str, day: str) -> str:
    return f"{PREFIX}kbmiss:{openid}:{day}"


@dataclass(frozen=True)
class Verdict:
    kind: str  # ip | nonce | rate | answered | busy | done | unknown | claimed
    reply: str | None = None  # answered: the first delivery's reply
    gen: str = "0"  # unknown: the sender's generation, for settle()
    quota: int = 0  # done: this sender's unanswered-question count today (0: none counted)


class HotPath:
    def __init__(self, client: Any, per_ip: int, per_user: int, nonce_ttl_s: int,
                 reply_ttl_s: int, pending: bytes, pending_s: int, quota_ttl_s: int) -> None:
        self._redis = client
        self._ask = client.register_script(Template(_ASK).substitute(
            ip_cap=per_ip, user_cap=per_user, nonce_ttl=nonce_ttl_s, reply_ttl=reply_ttl_s,
            pending_ttl=pending_s, quota_ttl=quota_ttl_s, busy_ttl=BUSY_S, gen_ttl=GEN_S))
        self._settle = client.register_script(_SETTLE)
        self._reply_ttl = reply_ttl_s
        self._quota_ttl = quota_ttl_s
        self._pending = pending

    def ask(self, *, ip: str, nonce_key: str, digest: str, openid: str, key: str, reply: str,
            now_s: float, misses: bool, quota: str, plain: bool = True) -> Verdict | None:
        """The verdict on one plain question; None when Redis does not answer.

        With `plain` False (a message for the full path: `reply` and `misses` unused), the
        same checks, then the key is claimed and the sender marked: "claimed"."""
        import redis

        keys = [f"{PREFIX}rl:ip:{ip}", f"{PREFIX}nonce:{nonce_key}", f"{PREFIX}rl:u:{openid}",
                f"{PREFIX}in:{key}", *fact_keys(openid), quota]
        args = [now_s, digest, reply.encode("utf-8"), 1 if misses else 0, self._pending,
                1 if plain else 0]
        try:
            result = self._ask(keys=keys, args=args)
        except redis.RedisError as exc:
            log.warning("hot path unavailable, using the database: %s", type(exc).__name__)
            return None
        kind = result[0].decode()
        if kind == "answered":
            return Verdict(kind, reply=result[1].decode("utf-8") or None)
        if kind == "unknown":
            return Verdict(kind, gen=result[1].decode())
        if kind == "done":
            return Verdict(kind, quota=int(result[1]))
        return Verdict(kind)

    def settle(self, key: str, reply: str | None, openid: str, gen: str, misses: bool,
               quota: str) -> int | None:
        """After the database found no conversation: store the reply, set the free fact (if
        nothing moved), count a miss in the sender's daily quota; None when Redis failed."""
        import redis

        try:
            return int(self._settle(keys=[f"{PREFIX}in:{key}", *fact_keys(openid), quota],
                                    args=[(reply or "").encode("utf-8"), self._reply_ttl, gen,
                                          FREE_S, 1 if misses else 0, self._quota_ttl]))
        except redis.RedisError as exc:
            log.warning("could not store a reply in Redis: %s", type(exc).__name__)
            return None
