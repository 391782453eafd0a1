"""Webhook throughput and latency under wrk, against the floor (bench/floor_app.py).

Both apps run under gunicorn with the same workers on 127.0.0.1; wrk replays pre-signed
deliveries with distinct MsgIds (fresh per run: the signature covers token, timestamp and
nonce only, so they stay valid inside the timestamp tolerance). Database: PostgreSQL
(BENCH_DATABASE_URL, default the local `test` database, in a throw-away schema) when it
answers, else SQLite in a temporary directory.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from tests.support.serve import Gunicorn, fresh_database  # noqa: E402
from bot.simulator import WeChatServer, message_xml, new_msg_id  # noqa: E402

TOKEN = "bench-token"
QUESTIONS = ["电池", "香蕉皮是什么垃圾", "塑料瓶属于什么垃圾", "旧衣服怎么扔", "外卖盒",
             "过期药品", "大骨头", "奶茶杯", "玻璃瓶", "用过的纸巾", "dianchi", "花生壳"]
LUA = """
local reqs = {}
local i = 0
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  local n, k = 0, tonumber(args[2])
  for line in io.lines(args[1]) do
    if n % k == id then
      local path, body = line:match("^(.-)\\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {["Content-Type"] = "text/xml"}, body)
    end
    n = n + 1
  end
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
"""


@dataclass
class Figures:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(out: str) -> Figures:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
    return Figures(rps, p50, p99, total, errors)


def sorting_lines(server: WeChatServer, count: int, users: int) -> list[str]:
    out = []
    for n in range(count):
        xml = message_xml(f"o_bench_{n % users}", "gh_bench", "text", int(time.time()),
                          new_msg_id(), Content=QUESTIONS[n % len(QUESTIONS)])
        out.append(_line(server, xml))
    return out


def complaint_lines(server: WeChatServer, count: int, users: int) -> list[str]:
    """Each resident goes through the steps: start, place, problem type, description, cancel."""
    lat, lng = 31.2393, 121.4673
    steps = [("text", {"Content": "纠错"}),
             ("location", {"Location_X": lat, "Location_Y": lng, "Scale": 16, "Label": "松风路"}),
             ("text", {"Content": "1"}), ("text", {"Content": "描述：垃圾桶满溢"}),
             ("text", {"Content": "取消"})]
    out = []
    for n in range(count):
        kind, fields = steps[(n // users) % len(steps)]
        xml = message_xml(f"o_cbench_{n % users}", "gh_bench", kind, int(time.time()),
                          new_msg_id(), **fields)
        out.append(_line(server, xml))
    return out


def _line(server: WeChatServer, xml: str) -> str:
    d = server.deliver(xml)
    query = "&".join(f"{k}={v}" for k, v in d.params.items())
    return f"/wechat?{query}\t{d.body.decode('utf-8')}"


def run_wrk(url: str, lines: list[str], work: Path, seconds: int, threads: int,
            connections: int) -> Figures:
    data, script = work / "requests.tsv", work / "replay.lua"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    script.write_text(LUA)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
                          "--latency", "-s", str(script), url, "--", str(data), str(threads)],
                         capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    return parse_wrk(out)


# (run, aim as a fraction of the floor's throughput); p99 at light load must stay < 50 ms.
# Complaint steps must be no slower than before the fast path (13 % of the floor, 2026-11-23).
AIMS = {"sorting questions": 0.35, "sorting questions + Redis": 0.60, "complaint steps": 0.13,
        "complaint steps + Redis": 0.13}


def verdict(name: str, app: Figures, light: Figures, floor: Figures, aim: float | None,
            database: str) -> str:
    """Throughput from the saturated run; p99 from the light-load run."""
    ratio = app.rps / floor.rps if floor.rps else 0.0
    errors = app.errors + light.errors
    ok = (aim is None or ratio >= aim) and light.p99_ms < 50 and errors == 0
    aim_text = f"aim >= {aim:.0%}" if aim is not None else "no throughput aim, for comparison"
    return (f"VERDICT {name} ({database}): {'PASS' if ok else 'MISS'} - {ratio:.0%} of the "
            f"floor's throughput measured just before it ({floor.rps:.0f} req/s; {aim_text}), p99 {light.p99_ms:.1f} ms at "
            f"light load ({app.p99_ms:.1f} ms saturated; aim < 50 ms), {errors} errors")


def _redis_url() -> str:
    """A local Redis for the "+ Redis" runs (BENCH_REDIS_URL), or "" when none answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        import redis

        return url if redis.Redis.from_url(url, socket_timeout=0.5).ping() else ""
    except Exception:  # noqa: BLE001 - no Redis: those runs are skipped, and said so
        return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--server-threads", type=int, default=1,
                    help="gunicorn threads per worker (1: sync workers, as deploy/gunicorn.conf.py)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        print("wrk is not installed: run scripts/install-bench-tools.sh")
        return 1
    work = Path(tempfile.mkdtemp(prefix="wastebot-bench-"))
    env = {"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "bench", "WECHAT_APP_ID": "",
           "WECHAT_APP_SECRET": "", "WECHAT_AES_KEY": "", "REDIS_URL": "",
           "CITY_PROFILE": "shanghai", "DEV_MODE": "1",
           # The load generator is one IP and a few hundred users: lift the flood limits.
           "WEBHOOK_RATE_PER_MIN": "100000000", "COMPLAINT_DAILY_LIMIT": "100000"}
    server = WeChatServer(TOKEN)
    expect = args.seconds * 5000  # more requests than any run will send: no MsgId repeats
    redis_url = _redis_url()
    print(f"webhook benchmark: gunicorn {args.workers} workers x {args.server_threads} thread(s), "
          f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {os.cpu_count()} CPUs; "
          f"every run below is compared with the floor measured just before it, in this run")
    if not redis_url:
        print("  (no Redis answers at BENCH_REDIS_URL: the '+ Redis' runs are skipped)")
    results: dict[str, tuple[Figures, Figures, str]] = {}

    def measure(url: str, make: object) -> tuple[Figures, Figures]:
        """(saturated throughput run, light-load latency run with one connection a worker)."""
        full = run_wrk(url, make(server, expect, 500), work, args.seconds,  # type: ignore[operator]
                       args.threads, args.connections)
        light = run_wrk(url, make(server, expect, 500), work, args.seconds,  # type: ignore[operator]
                        args.threads, max(args.threads, args.workers))
        return full, light

    def warm_up(url: str) -> None:
        """Until every worker has loaded the knowledge base (~1 s each on a quiet machine,
        far longer when the cores are shared): light-load rounds until p99 < 100 ms, at most
        60 s, so that the measured runs do not include the loads."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            fig = run_wrk(url, sorting_lines(server, 3000, 500), work, 3, args.threads,
                          args.connections)
            if fig.requests > 50 and fig.p99_ms < 100:
                return
        print("  (warm-up did not settle in 60 s: the machine is busy)")

    def serve_app(database_url: str, database: str, label: str, redis: str) -> None:
        app_env = {**env, "DATABASE_URL": database_url, "REDIS_URL": redis,
                   "INSTANCE_DIR": str(work / f"instance-{label}")}
        suffix = " + Redis" if redis else ""
        with Gunicorn("wsgi:app", app_env, workers=args.workers, threads=args.server_threads,
                      log_path=work / f"app-{label}.log") as app:
            warm_up(app.url)
            for name, make in (("sorting questions", sorting_lines),
                               ("complaint steps", complaint_lines)):
                key = f"{name}{suffix} [{database}]"
                # The floor again just before each run: on a shared machine the load changes
                # within a run of several minutes, and each ratio uses its neighbouring floor.
                floors[key] = run_wrk(floor.url, sorting_lines(server, expect, 500), work,
                                      args.seconds, args.threads, args.connections)
                results[key] = (*measure(app.url, make), database)

    floors: dict[str, Figures] = {}
    with Gunicorn("bench.floor_app:create_app()", {**env, "DATABASE_URL": "sqlite://"},
                  workers=args.workers, threads=args.server_threads,
                  log_path=work / "floor.log") as floor:
        run_wrk(floor.url, sorting_lines(server, 2000, 500), work, 2, args.threads,
                args.connections)  # warm-up
        results["floor"] = (*measure(floor.url, sorting_lines), "none")
        floors["floor"] = results["floor"][0]
        url, label, cleanup = fresh_database(work, "webhook")
        try:
            serve_app(url, label, "db", "")
            if redis_url and label == "PostgreSQL":
                serve_app(url, label, "db-redis", redis_url)
        finally:
            cleanup()  # type: ignore[operator]
        if label == "PostgreSQL":  # SQLite's figure beside it (the embedded default)
            from cli.db import upgrade_database

            sqlite_url = f"sqlite:///{work / 'webhook.sqlite3'}"
            upgrade_database(sqlite_url)
            serve_app(sqlite_url, "SQLite (WAL)", "sqlite", "")
    print(f"{'run':<42}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>8}{'floor':>7}"
          f"{'vs floor':>10}   light load: {'req/s':>6}{'p50 ms':>8}{'p99 ms':>8}")
    for name, (fig, light, _db) in results.items():
        near = floors[name].rps
        print(f"{name:<42}{fig.rps:>8.0f}{fig.p50_ms:>8.1f}{fig.p99_ms:>8.1f}"
              f"{fig.errors + light.errors:>8}{near:>7.0f}{fig.rps / near if near else 0:>10.0%}"
              f"   {'':>12}{light.rps:>6.0f}{light.p50_ms:>8.1f}{light.p99_ms:>8.1f}")
    for name, (fig, light, database) in results.items():
        if name == "floor":
            continue
        base = name.split(" [")[0]
        aim = AIMS.get(base) if database == "PostgreSQL" else None
        print(verdict(base, fig, light, floors[name], aim, database))
    if any(f.errors for (a, b, _db) in results.values() for f in (a, b)):
        print(f"errors: see the server logs in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
