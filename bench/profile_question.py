"""Where one sorting question's time goes: statements, commits, matcher vs ORM vs commit.

`.venv/bin/python bench/profile_question.py [--n 2000]` drives the WSGI app in-process (no
HTTP server) with distinct plain questions from 500 residents, one at a time, on PostgreSQL
(a throw-away schema of BENCH_DATABASE_URL / the local `test` database) and on SQLite, and
with REDIS_URL when a local Redis answers. Prints per-message statements, commits and the
wall time split into: the matcher, database round trips (statement execution), commits, and
everything else (Flask, wechatpy, signature, SQLAlchemy around the statements).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from tests.support.serve import fresh_database  # noqa: E402
from bot.simulator import WeChatServer, message_xml, new_msg_id  # noqa: E402

TOKEN = "bench-token-0123456789"
QUESTIONS = ["电池", "香蕉皮是什么垃圾", "塑料瓶属于什么垃圾", "旧衣服怎么扔", "外卖盒",
             "过期药品", "大骨头", "奶茶杯", "玻璃瓶", "用过的纸巾", "dianchi", "花生壳"]


class Tally:
    def __init__(self) -> None:
        self.statements = self.commits = 0
        self.sql_s = self.commit_s = self.match_s = 0.0
        self.kinds: dict[str, int] = {}


def profile(url: str, redis_url: str, n: int, work: Path, label: str) -> dict[str, float]:
    os.environ.update({"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "bench", "DATABASE_URL": url,
                       "INSTANCE_DIR": str(work / f"instance-{label}"), "WECHAT_APP_ID": "",
                       "WECHAT_APP_SECRET": "", "WECHAT_AES_KEY": "", "REDIS_URL": redis_url,
                       "CITY_PROFILE": "shanghai", "DEV_MODE": "1",
                       "WEBHOOK_RATE_PER_MIN": "100000000"})
    from bot.app import create_app
    from config import Config
    from runtime import from_app
    import services.kb_matcher as kbm

    app = create_app(Config.from_env())
    rt = from_app(app)
    tally = Tally()
    engine = rt.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        tally.sql_s += time.perf_counter() - conn.info.pop("t0", time.perf_counter())
        tally.statements += 1
        head = " ".join(statement.split()[:3])[:40]
        tally.kinds[head] = tally.kinds.get(head, 0) + 1

    real_commit = type(engine.dialect).do_commit

    def timed_commit(self, dbapi_conn):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return real_commit(self, dbapi_conn)
        finally:
            tally.commit_s += time.perf_counter() - t0
            tally.commits += 1

    type(engine.dialect).do_commit = timed_commit  # type: ignore[method-assign]
    # Time spent classifying (the matcher itself).
    from domain.sorting import matcher as mm
    real_classify = mm.Matcher.classify

    def timed_classify(self, *a, **k):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        try:
            return real_classify(self, *a, **k)
        finally:
            tally.match_s += time.perf_counter() - t0

    mm.Matcher.classify = timed_classify  # type: ignore[method-assign]
    del kbm
    server = WeChatServer(TOKEN)
    client = app.test_client()

    def ask(i: int) -> None:
        xml = message_xml(f"o_prof_{i % 500}", "gh", "text", int(time.time()), new_msg_id(),
                          Content=QUESTIONS[i % len(QUESTIONS)])
        d = server.deliver(xml)
        r = client.post("/wechat", query_string=d.params, data=d.body)
        assert r.status_code == 200, r.status_code

    for i in range(600):  # warm-up: KB load, first residents, statement caches
        ask(i)
    tally.__init__()  # type: ignore[misc]
    t0 = time.perf_counter()
    for i in range(n):
        ask(i)
    wall = time.perf_counter() - t0
    mm.Matcher.classify = real_classify  # type: ignore[method-assign]
    type(engine.dialect).do_commit = real_commit  # type: ignore[method-assign]
    rt.engine.dispose()
    per = 1000.0 / n
    return {"ms": wall * per, "statements": tally.statements / n, "commits": tally.commits / n,
            "sql_ms": tally.sql_s * per, "commit_ms": tally.commit_s * per,
            "match_ms": tally.match_s * per,
            "other_ms": (wall - tally.sql_s - tally.commit_s - tally.match_s) * per,
            "kinds": {k: v / n for k, v in sorted(tally.kinds.items())}}  # type: ignore[dict-item]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wastebot-prof-"))
    rows = []
    pg_url, label, cleanup = fresh_database(work, "prof")
    try:
        if label == "PostgreSQL":
            rows.append(("PostgreSQL", profile(pg_url, "", args.n, work, "pg")))
            if _redis_up(args.redis):
                rows.append(("PostgreSQL + Redis", profile(pg_url, args.redis, args.n, work, "pgr")))
    finally:
        cleanup()
    from cli.db import upgrade_database
    sqlite_url = f"sqlite:///{work / 'prof.sqlite3'}"
    upgrade_database(sqlite_url)
    rows.append(("SQLite", profile(sqlite_url, "", args.n, work, "sqlite")))
    print(f"{'database':<20}{'ms/msg':>8}{'stmts':>7}{'commits':>8}{'SQL ms':>8}{'commit ms':>10}"
          f"{'matcher ms':>11}{'other ms':>9}")
    for name, r in rows:
        print(f"{name:<20}{r['ms']:>8.2f}{r['statements']:>7.2f}{r['commits']:>8.2f}"
              f"{r['sql_ms']:>8.2f}{r['commit_ms']:>10.2f}{r['match_ms']:>11.2f}{r['other_ms']:>9.2f}")
    for name, r in rows:
        print(f"  {name} statements per message: " + ", ".join(
            f"{k} {v:.2f}" for k, v in r["kinds"].items()))  # type: ignore[union-attr]
    return 0


def _redis_up(url: str) -> bool:
    try:
        import redis
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except Exception:  # noqa: BLE001
        return False


if __name__ == "__main__":
    raise SystemExit(main())
