"""CPU per delivery, the app's and its database server's, against the floor: a quiet-free measure.

`.venv/bin/python bench/profile_cpu.py [--n 3000] [--scenario sorting|complaint]
[--backend pg pg-redis sqlite] [--cprofile]` calls the WSGI apps in this process (an environ
built as gunicorn builds it, no HTTP), one delivery at a time, with the deliveries of the
webhook bench (bench/bench_webhook.py: distinct MsgIds, 500 residents), after a warm-up. For
each backend it prints:

- CPU ms per delivery in this process (`time.process_time`), i.e. what a gunicorn worker
  spends;
- the PostgreSQL server's CPU ms per delivery, read from /proc for the backends of this
  process's own connections (other sessions on the same server are not counted); Redis's
  CPU is not counted (its server is shared; a round trip costs it ~10-20 µs);
- the ratio floor CPU / (app CPU + database CPU): what the bench's "vs floor" would be if
  both were CPU-bound on the same cores and gunicorn, the kernel and wrk cost nothing
  (they cost both the same per request, so the bench's ratio is higher than this one).

CPU time is far less disturbed by other processes on the machine than wall time. With
`--cprofile`, the same loop is run again under cProfile and the time split into the steps of
the hot path (inclusive CPU times; cProfile inflates Python-heavy steps).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_webhook import TOKEN, complaint_lines, sorting_lines  # noqa: E402
from bot.simulator import WeChatServer  # noqa: E402
from tests.support.serve import fresh_database  # noqa: E402

# (label, file suffix, function name): inclusive time of each step of the hot path.
STEPS = [
    ("whole WSGI call", "flask/app.py", "wsgi_app"),
    ("  the view (bot.webhook.receive)", "bot/webhook.py", "receive"),
    ("    signature + timestamp", "bot/webhook.py", "_verify_request"),
    ("    per-address limit (separate)", "bot/ratelimit.py", "ip_allowed"),
    ("    XML parse (+decrypt)", "bot/webhook.py", "_read_fields"),
    ("    is it plain?", "handlers/routes.py", "plain_question"),
    ("    reply, computed first", "bot/webhook.py", "_reply_for"),
    ("      matcher.classify (not remembered)", "domain/sorting/matcher.py", "classify"),
    ("      KB stamp check", "services/kb_matcher.py", "matcher"),
    ("    Redis: one script", "bot/hotpath.py", "ask"),
    ("    Redis: settle (after a database read)", "bot/hotpath.py", "settle"),
    ("    admit (before: own transaction)", "bot/webhook.py", "_admit"),
    ("      nonce", "bot/replay.py", "fresh"),
    ("      per-user rate", "bot/ratelimit.py", "user_allowed"),
    ("    Redis inbox claim", "bot/dedupe.py", "claim"),
    ("    Redis inbox store", "bot/dedupe.py", "answered"),
    ("    fast path (before: transaction)", "bot/fastpath.py", "answer_plain"),
    ("      before: transaction set-up", "bot/fastpath.py", "relaxed_transaction"),
    ("      one statement (PostgreSQL)", "models/plain.py", "ask_postgres"),
    ("      one transaction (SQLite)", "models/plain.py", "ask_sqlite"),
    ("      resident touch (ORM)", "models/people.py", "touch_resident"),
    ("    full path (_handle_once)", "bot/webhook.py", "_handle_once"),
    ("      dispatch", "handlers/dispatch.py", "handle"),
    ("    sorting answer (matcher + render)", "handlers/sorting.py", "answer"),
    ("    count misses", "bot/webhook.py", "_record_misses"),
    ("    render XML reply", "bot/webhook.py", "_render"),
    ("SQLAlchemy execute (all)", "sqlalchemy/engine/base.py", "_execute_context"),
    ("  DBAPI cursor.execute", "sqlalchemy/engine/default.py", "do_execute"),
    ("DBAPI commit", "sqlalchemy/engine/default.py", "do_commit"),
    ("pool pre-ping", "sqlalchemy/engine/default.py", "do_ping"),
    ("Session.close", "sqlalchemy/orm/session.py", "close"),
    ("logging (all)", "logging/__init__.py", "_log"),
]


def environ(line: str) -> dict[str, Any]:
    """The WSGI environ gunicorn would build for one bench line ("path?query\\tbody")."""
    target, body = line.split("\t", 1)
    path, _, query = target.partition("?")
    data = body.encode("utf-8")
    return {"REQUEST_METHOD": "POST", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "text/xml", "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data), "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http", "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False}


def call(app: Callable[..., Any], line: str) -> str:
    status: list[str] = []
    result = app(environ(line), lambda s, h, e=None: status.append(s))
    try:
        b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    if not status[0].startswith("200"):
        raise SystemExit(f"unexpected {status[0]}")
    return status[0]


class BackendCpu:
    """CPU seconds of the PostgreSQL backends serving this process's connections."""

    def __init__(self, *engines: Any) -> None:
        from sqlalchemy import event

        self.pids: set[int] = set()

        def _pid(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("SELECT pg_backend_pid()")
            self.pids.add(int(cur.fetchone()[0]))
            cur.close()
            if not dbapi_conn.autocommit:
                dbapi_conn.rollback()

        for engine in engines:
            if engine is not None and engine.dialect.name == "postgresql":
                event.listen(engine, "connect", _pid)

    def seconds(self) -> float:
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in list(self.pids):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a closed connection's backend: its CPU was counted until then
            total += int(fields[11]) + int(fields[12])
        return total / tick


def measure(app: Any, lines: list[str], warm: list[str], db: BackendCpu | None) -> dict[str, Any]:
    for line in warm:
        call(app, line)
    db_before = db.seconds() if db else 0.0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for line in lines:
        call(app, line)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    db_cpu = (db.seconds() - db_before) if db else 0.0
    n = len(lines)
    return {"cpu_ms": cpu * 1000 / n, "db_ms": db_cpu * 1000 / n, "wall_ms": wall * 1000 / n}


def profiled(app: Any, lines: list[str]) -> list[tuple[str, float, float]]:
    """The same deliveries under cProfile (`lines` must be new to the app: no repeats).
    Set WASTEBOT_PROFILE_TOP=N to print the N functions with the most CPU of their own."""
    prof = cProfile.Profile(time.process_time)  # CPU time: waits on the network are not work
    prof.enable()
    for line in lines:
        call(app, line)
    prof.disable()
    top = int(os.environ.get("WASTEBOT_PROFILE_TOP", "0"))
    if top:
        pstats.Stats(prof).sort_stats("tottime").print_stats(top)
    return steps(prof, len(lines))


def steps(prof: cProfile.Profile, n: int) -> list[tuple[str, float, float]]:
    """(step, ms per delivery, calls per delivery) for each step found in the profile."""
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    rows = []
    for label, suffix, name in STEPS:
        ct = calls = 0.0
        for (filename, _line, func), (_cc, nc, _tt, cum, _callers) in stats.items():
            if func == name and filename.endswith(suffix):
                ct += cum
                calls += nc
        if calls:
            rows.append((label, ct * 1000 / n, calls / n))
    return rows


def app_for(url: str, redis_url: str, work: Path, label: str) -> tuple[Any, Any]:
    os.environ.update({"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "bench", "DATABASE_URL": url,
                       "INSTANCE_DIR": str(work / f"instance-{label}"), "WECHAT_APP_ID": "",
                       "WECHAT_APP_SECRET": "", "WECHAT_AES_KEY": "", "REDIS_URL": redis_url,
                       "CITY_PROFILE": "shanghai", "DEV_MODE": "1",
                       "WEBHOOK_RATE_PER_MIN": "100000000", "COMPLAINT_DAILY_LIMIT": "100000"})
    from bot.app import create_app
    from config import Config
    from runtime import from_app

    app = create_app(Config.from_env())
    return app, from_app(app)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--scenario", choices=("sorting", "complaint"), default="sorting")
    ap.add_argument("--backend", nargs="*", default=["pg", "pg-redis", "sqlite"],
                    choices=("pg", "pg-redis", "sqlite"))
    ap.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL",
                                                      "redis://127.0.0.1:6379/13"))
    ap.add_argument("--cprofile", action="store_true")
    args = ap.parse_args()
    import logging

    logging.disable(logging.WARNING)  # the app logs nothing per delivery at INFO; keep it quiet
    work = Path(tempfile.mkdtemp(prefix="wastebot-cpu-"))
    server = WeChatServer(TOKEN)
    make = sorting_lines if args.scenario == "sorting" else complaint_lines
    lines = make(server, args.n + 1000, 500)
    warm, first = lines[:1000], lines[1000:]
    from bench.floor_app import create_app as floor_app

    rows: list[tuple[str, dict[str, Any]]] = []
    floor = measure(floor_app(TOKEN), sorting_lines(server, args.n, 500),
                    sorting_lines(server, 500, 500), None)
    rows.append(("floor", floor))
    for backend in args.backend:
        # The profiled pass needs fresh MsgIds of its own (a repeat is answered from storage).
        profile_lines = make(server, args.n + 1000, 500)[1000:] if args.cprofile else []
        if backend == "sqlite":
            from cli.db import upgrade_database

            url, cleanup = f"sqlite:///{work / 'cpu.sqlite3'}", (lambda: None)
            if not Path(work / "cpu.sqlite3").exists():
                upgrade_database(url)
        else:
            url, kind, cleanup = fresh_database(work, "cpu")
            if kind != "PostgreSQL":
                print(f"  ({backend}: PostgreSQL unavailable, skipped)")
                continue
        try:
            app, rt = app_for(url, args.redis if backend == "pg-redis" else "", work, backend)
            db = BackendCpu(rt.engine, getattr(rt, "relaxed", None))
            row = measure(app, first, warm, db)
            if args.cprofile:
                row["steps"] = profiled(app, profile_lines)
            rt.close()
        finally:
            cleanup()
        rows.append((backend, row))
    print(f"\n{args.scenario}, {args.n} deliveries each, one at a time, in-process:")
    print(f"{'backend':<10}{'app CPU ms':>11}{'db CPU ms':>10}{'wall ms':>9}{'vs floor':>10}")
    base = floor["cpu_ms"]
    for name, r in rows:
        total = r["cpu_ms"] + r["db_ms"]
        print(f"{name:<10}{r['cpu_ms']:>11.3f}{r['db_ms']:>10.3f}{r['wall_ms']:>9.3f}"
              f"{base / total if total else 0:>10.0%}")
    for name, r in rows:
        if "steps" in r:
            print(f"\n{name}: inclusive ms per delivery under cProfile (calls per delivery)")
            for label, ms, calls in r["steps"]:
                print(f"  {label:<46}{ms:>8.3f}{calls:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
