"""Soak test with faults: a compressed district day on PostgreSQL, then invariants as figures.

`make soak SOAK_MINUTES=N` (default 10) or `.venv/bin/python bench/soak.py --minutes N`.
Loopback only; bounded in time and threads. Starts its own PostgreSQL cluster (initdb into a
temporary directory, a free port; never the machine's shared server), gunicorn (4 sync
workers, `wsgi:app`), an active scheduler and a standby (`flask scheduler run --poll 1`; the
reminder scans run on a fast clock, WASTEBOT_SOAK_CLOCK, so reminders come due), and the fake
WeChat/WeCom API (tests/support/fake_wechat.py) as the outbound API and media source; photos
go to a private directory. Drives: residents asking questions (a share delivered twice, as
WeChat retries); residents reporting complaints with a photo at many spots of the demo
district; cadres, bound through chat, accepting (接单) and rectifying (办结 + photo + 提交)
the cases pushed to them. Faults at fixed fractions of the run: kill -9 a web worker; kill -9
the active scheduler (the standby takes over); an immediate stop and start of the private
PostgreSQL; the photo store down for a minute. Checks at the end (tests/support/soak_checks.py),
printed as figures; exit 1 when an invariant fails. Logs are kept when it fails.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.soak_load import Load, district_spots, jpeg  # noqa: E402
from tests.support.fake_wechat import FakeWeChat  # noqa: E402
from tests.support.pg_cluster import ClusterUnavailable, PgCluster  # noqa: E402
from tests.support.serve import Gunicorn, fresh_database  # noqa: E402
from tests.support.soak_checks import (SEND_PATHS, Fault, Verdict, call_key,  # noqa: E402
                                       judge_complaints, judge_latency, judge_messages,
                                       judge_photos, judge_pushes)

TOKEN = "soak-token-0123456789"
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]
DEMO = ROOT / "data" / "demo"


class Soak:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.duration = args.minutes * 60.0
        self.stop = threading.Event()
        self.faults: list[Fault] = []
        self.skipped: list[str] = []
        self.rss: dict[str, int] = {}
        self.loadavg: list[float] = []
        self.fake = FakeWeChat().start()
        self.load = Load(TOKEN, self.fake, jpeg(), self.stop, args.think)
        self.media = work / "media"
        self.pg: PgCluster | None = None
        self.schedulers: dict[int, tuple[str, subprocess.Popen[bytes]]] = {}
        self.t0 = time.monotonic()

    # -- processes ----------------------------------------------------------------------------
    def env(self) -> dict[str, str]:
        return {"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "soak-secret-0123456789",
                "WECHAT_APP_ID": "wx_soak_app", "WECHAT_APP_SECRET": "soak-secret",
                "WECHAT_AES_KEY": "", "WECHAT_API_BASE": self.fake.url,
                # The demo's district cadres are WeCom users: their pushes go to the fake too.
                "WECOM_API_BASE": self.fake.url, "WECOM_CORP_ID": "ww_soak",
                "WECOM_SECRET": "soak-wecom-secret", "WECOM_AGENT_ID": "1000002",
                "WECHAT_REMINDER_TEMPLATE_ID": "tpl_reminder",
                "WECHAT_NOTICE_TEMPLATE_ID": "tpl_notice", "DATABASE_URL": self.db_url,
                "INSTANCE_DIR": str(self.work / "instance"), "MEDIA_DIR": str(self.media),
                "MEDIA_STORE": "local", "CITY_PROFILE": "shanghai", "REDIS_URL": "",
                "DEV_MODE": "0", "HTTP_TIMEOUT_S": "2", "WEBHOOK_RATE_PER_MIN": "100000",
                "COMPLAINT_DAILY_LIMIT": "100000"}

    def start_scheduler(self) -> None:
        name = f"scheduler-{len(self.schedulers) + 1}"
        env = {**os.environ, **self.env(), "WASTEBOT_SOAK_CLOCK": self.soak_clock}
        with open(self.work / f"{name}.log", "ab") as log:
            proc = subprocess.Popen([*FLASK, "scheduler", "run", "--poll", "1",
                                     "--max-seconds", str(int(self.duration + 1800))],
                                    cwd=ROOT, env=env, stdout=log, stderr=log,
                                    start_new_session=True)
        self.schedulers[proc.pid] = (name, proc)

    def active_scheduler(self) -> subprocess.Popen[bytes] | None:
        """The running scheduler whose log last says it is active."""
        for name, proc in self.schedulers.values():
            text = (self.work / f"{name}.log").read_text(errors="replace")
            if proc.poll() is None and text.rfind("active (lock held)") > text.rfind(
                    "standing by"):
                return proc
        return None

    # -- faults -------------------------------------------------------------------------------
    def fault(self, name: str, kind: str, start: float, end: float) -> None:
        self.faults.append(Fault(name, start, end, kind))
        print(f"  [{start - self.t0:6.1f} s] fault: {name} (window {end - start:.1f} s)",
              flush=True)

    def workers_warm(self, before: set[int] | None = None) -> bool:
        """Every web worker (and one not in `before`, when given) has imported the app and
        loaded the knowledge base: its memory reached 90 % of the largest worker's."""
        assert self.gunicorn.proc is not None
        rss = {pid: _rss_kb(pid) for pid in _children(self.gunicorn.proc.pid)}
        fresh = before is None or bool(set(rss) - before)
        return (len(rss) == 4 and fresh and max(rss.values()) > 100_000
                and min(rss.values()) >= 0.9 * max(rss.values()))

    def warm_up(self) -> float:
        """Questions from 8 threads until every worker is warm (bounded): a worker answers
        nothing until it has imported the app, and loads the knowledge base on first use."""
        t = time.monotonic()
        while time.monotonic() - t < 180 and not self.workers_warm():
            threads = [threading.Thread(target=self.load.deliver, args=(
                "warm-up", f"o_soak_warm_{n}", "text"), kwargs={"Content": "电池"})
                for n in range(8)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            time.sleep(0.5)
        return time.monotonic() - t

    def kill_worker(self) -> None:
        """kill -9 a worker; the fault lasts until gunicorn's replacement is warm (bounded)."""
        assert self.gunicorn.proc is not None
        workers = _children(self.gunicorn.proc.pid)
        if not workers:
            self.skipped.append("kill -9 web worker: no worker found")
            return
        t = time.monotonic()
        os.kill(workers[0], signal.SIGKILL)
        threading.Thread(target=self._replacement_warm, args=(t, workers), daemon=True).start()

    def _replacement_warm(self, t: float, workers: list[int]) -> None:
        while time.monotonic() - t < 90 and not self.workers_warm(set(workers)):
            time.sleep(0.5)
        self.fault(f"kill -9 web worker {workers[0]} (replacement warm after "
                   f"{time.monotonic() - t:.1f} s)", "kill", t, time.monotonic() + 2)

    def kill_scheduler(self) -> None:
        active = self.active_scheduler()
        if active is None:
            self.skipped.append("kill -9 scheduler: no active scheduler found")
            return
        t = time.monotonic()
        os.kill(active.pid, signal.SIGKILL)
        self.start_scheduler()  # a new standby
        self.fault(f"kill -9 active scheduler {active.pid} (standby takes over)", "kill", t,
                   t + 5)

    def restart_postgres(self) -> None:
        if self.pg is None:
            self.skipped.append("PostgreSQL restart: no private cluster (initdb missing); the "
                                "shared server is never restarted")
            return
        t = time.monotonic()
        took = self.pg.restart_immediate()
        self.fault(f"PostgreSQL immediate stop + start ({took:.1f} s)", "database", t,
                   t + took + 20)  # pools find out and reconnect

    def photo_store_down(self, seconds: float) -> None:
        """MEDIA_DIR replaced by a file: every write under it fails, as a full disk would."""
        t = time.monotonic()
        aside = self.media.with_name("media-aside")
        self.media.rename(aside)
        self.media.write_text("the photo store is down")
        self.fault(f"photo store down {seconds:.0f} s", "photos", t, t + seconds + 10)
        self.stop.wait(seconds)
        self.media.unlink()
        aside.rename(self.media)

    def run_faults(self) -> None:
        plan: list[tuple[float, Callable[[], None]]] = [
            (0.15, self.kill_worker), (0.30, self.kill_scheduler), (0.45, self.restart_postgres),
            (0.60, lambda: self.photo_store_down(min(60.0, self.duration * 0.15)))]
        for fraction, action in plan:
            if self.stop.wait(max(0.0, self.t0 + fraction * self.duration - time.monotonic())):
                return
            try:
                action()
            except (OSError, subprocess.SubprocessError, ClusterUnavailable) as exc:
                self.skipped.append(f"{action}: {type(exc).__name__}: {exc}")
        self.stop.wait(max(0.0, self.t0 + self.duration - time.monotonic()))

    def sample_memory(self) -> None:
        while not self.stop.wait(5.0):
            self.loadavg.append(os.getloadavg()[0])
            assert self.gunicorn.proc is not None
            procs = {"gunicorn master": self.gunicorn.proc.pid}
            procs.update({f"web worker {n}": pid
                          for n, pid in enumerate(_children(self.gunicorn.proc.pid))})
            procs.update({f"scheduler {n}": proc.pid for n, (_, proc) in
                          enumerate(self.schedulers.values()) if proc.poll() is None})
            procs["soak driver + fake WeChat"] = os.getpid()
            if self.pg is not None:
                procs["postgres postmaster"] = self.pg.postmaster_pid() or 0
            for name, pid in procs.items():
                key = name.rstrip("0123456789 ")
                self.rss[key] = max(self.rss.get(key, 0), _rss_kb(pid))

    # -- setting up ---------------------------------------------------------------------------
    def setup_district(self) -> dict[str, str]:
        """Units, the demo's WeCom-only district cadres, and for every unit a member and a
        leader invited as the office does (`flask cadres invite`); returns openid → code."""
        from datetime import datetime

        from sqlalchemy import select
        from sqlalchemy.orm import Session

        from config import TZ
        from models import Unit, make_engine
        from services.cadres import import_cadres, issue_invitation, read_cadre_rows
        from services.units import import_units, read_unit_rows

        engine = make_engine(self.db_url)
        codes: dict[str, str] = {}
        with Session(engine) as s, s.begin():
            for name in ("units.csv", "units.geojson"):
                import_units(s, read_unit_rows(DEMO / name))
        with Session(engine) as s, s.begin():
            import_cadres(s, read_cadre_rows(DEMO / "cadres.csv"))
            for unit in s.scalars(select(Unit).order_by(Unit.id)):
                for role in ("member", "leader"):
                    inv = issue_invitation(s, unit_code=unit.code, name=f"驻点{role}",
                                           now=datetime.now(TZ), role=role)
                    codes[f"o_soak_cadre_{unit.code}_{role}"] = inv.code
        engine.dispose()
        return codes

    # -- the run ------------------------------------------------------------------------------
    def run(self) -> int:
        try:
            self.pg = PgCluster()
            self.pg.create().start()
            base = self.pg.url
        except ClusterUnavailable as exc:
            if self.pg is not None:
                self.pg.remove()
            self.pg = None
            base = None
            print(f"soak: no private PostgreSQL ({exc}); using a schema on BENCH_DATABASE_URL "
                  "or the local server, WITHOUT the database restart fault")
        cleanup: Callable[[], None] = lambda: None  # noqa: E731
        try:
            self.db_url, label, cleanup = fresh_database(self.work, "soak", base)
            if label != "PostgreSQL":
                print("the soak test needs PostgreSQL (initdb, or BENCH_DATABASE_URL)")
                return 2
            return self._run()
        finally:
            self.stop.set()
            for _, proc in self.schedulers.values():
                if proc.poll() is None:
                    proc.kill()
            self.fake.stop()
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - the cluster is removed anyway
                print(f"(could not drop the schema: {type(exc).__name__})")
            if self.pg is not None:
                self.pg.remove()

    def _run(self) -> int:
        codes = self.setup_district()
        spots = district_spots(DEMO / "units.csv", self.args.spots_per_unit)
        self.media.mkdir()
        self.end_of_day = time.time() + 60 + self.duration  # start-up, then the load
        speed = max(1.0, 5 * 86400 / max(60.0, self.duration))  # five district days
        self.soak_clock = f"{time.time()}:{speed}:{self.end_of_day}"
        with Gunicorn("wsgi:app", self.env(), workers=4,
                      log_path=self.work / "gunicorn.log") as gunicorn:
            self.gunicorn, self.load.app_url = gunicorn, gunicorn.url
            for _ in range(2):
                self.start_scheduler()
                time.sleep(2)
            t_warm = time.monotonic()
            warm = self.warm_up()
            # Not an outage: the workers are still importing the app (nothing else runs yet).
            self.faults.append(Fault("start-up: workers booting", t_warm, time.monotonic(),
                                     "startup"))
            bound = sum(self.load.bind(openid, code) for openid, code in codes.items())
            acting = sorted(o for o in codes if o.endswith("_member"))
            print(f"soak: {self.args.minutes:g} min, gunicorn 4 workers at {gunicorn.url}, "
                  f"PostgreSQL {'private cluster ' + self.pg.url if self.pg else 'shared'}, "
                  f"2 schedulers (reminder clock x{speed:.0f}), {bound}/{len(codes)} cadres "
                  f"bound by chat, {len(spots)} complaint spots, workers warm after {warm:.0f} s; "
                  f"work dir {self.work}",
                  flush=True)
            self.t0 = time.monotonic()
            threads = [threading.Thread(target=self.load.questions, args=(n, self.args.residents))
                       for n in range(self.args.question_threads)]
            threads += [threading.Thread(target=self.load.complaints_loop, args=(100 + n, spots))
                        for n in range(self.args.complaint_threads)]
            threads += [threading.Thread(target=self.load.cadres_loop,
                                         args=(acting[n::self.args.cadre_threads], set(acting),
                                               self.args.think * 4))
                        for n in range(self.args.cadre_threads)]
            threads.append(threading.Thread(target=self.sample_memory))
            for t in threads:
                t.daemon = True
                t.start()
            self.run_faults()
            self.stop.set()
            for t in threads:
                t.join(timeout=60)
            load_s = time.monotonic() - self.t0
            self.settle()
            for _, proc in self.schedulers.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
            for _, proc in self.schedulers.values():
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
            return self.check(load_s)

    def settle(self) -> None:
        """Wait (bounded) for photos deferred by the outage (retried after STORAGE_RETRY), and
        for every push to be settled: the scans stopped writing at the end of the day."""
        from outbound.photos import STORAGE_RETRY
        from models.outbox import LEASE

        t = time.monotonic()
        until = t + STORAGE_RETRY.total_seconds() + 90
        while time.monotonic() < until and self._count(
                "SELECT count(*) FROM case_photos WHERE status = 'pending'"):
            time.sleep(3)
        self.sleep_until(self.end_of_day + 6)  # the last scan has committed
        until = time.monotonic() + LEASE.total_seconds() + 120
        while time.monotonic() < until and self._count(
                "SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')"):
            time.sleep(3)
        print(f"  settled in {time.monotonic() - t:.0f} s (deferred photos, then the outbox)",
              flush=True)

    @staticmethod
    def sleep_until(moment: float) -> None:
        time.sleep(max(0.0, moment - time.time()))

    def _count(self, sql: str) -> int:
        from sqlalchemy import text
        from sqlalchemy.exc import DBAPIError

        from models import make_engine

        engine = make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(sql)).scalar() or 0)
        except DBAPIError:
            return 1
        finally:
            engine.dispose()

    # -- invariants ---------------------------------------------------------------------------
    def check(self, load_s: float) -> int:
        from sqlalchemy import text

        from models import make_engine

        engine = make_engine(self.db_url)
        with engine.connect() as conn:
            keys = {r[0] for r in conn.execute(text("SELECT dedupe_key FROM inbound_messages"))}
            per_reporter = {r[0]: int(r[1]) for r in conn.execute(text(
                "SELECT reporter_openid, count(*) FROM cases GROUP BY reporter_openid"))}
            originals, duplicates = conn.execute(text(
                "SELECT count(*) FILTER (WHERE duplicate_of_id IS NULL), "
                "count(*) FILTER (WHERE duplicate_of_id IS NOT NULL) FROM cases")).one()
            statuses = conn.execute(text(
                "SELECT status, count(*) FROM cases GROUP BY status ORDER BY 2 DESC")).all()
            photos = [(k, s, bool(p) and (self.media / p).is_file()) for k, s, p in
                      conn.execute(text("SELECT kind, status, path FROM case_photos"))]
            outbox = [tuple(r) for r in conn.execute(text(
                "SELECT kind, status, last_error FROM outbox"))]
        engine.dispose()
        calls = [call_key(c.path, c.body, c.args) for c in list(self.fake.calls)
                 if c.path in SEND_PATHS]
        kills = sum(1 for f in self.faults if f.kind == "kill")
        v = Verdict()
        v.add(judge_latency(self.load.outcomes, self.faults))
        v.add(judge_messages(self.load.outcomes, keys, self.faults, self.t0))
        v.add(judge_complaints(self.load.complaints, per_reporter, originals, duplicates))
        v.add(judge_photos(photos))
        v.add(judge_pushes(outbox, calls, kills))
        a = self.load.cadre_actions
        print("\n=== soak figures")
        print(f"load {load_s:.0f} s; faults:")
        for f in self.faults:
            print(f"  at {f.start - self.t0:6.1f} s: {f.name} (until {f.end - self.t0:.0f} s)")
        for s in self.skipped:
            print(f"  NOT APPLIED: {s}")
        for line in v.figures:
            print(line)
        print(f"cadres in chat: bound {a['bound']}, accepted {a['accepted']}, reported "
              f"rectified {a['rectified']}, refused {a['refused']}; cases by status: "
              + ", ".join(f"{s} {n}" for s, n in statuses))
        if self.loadavg:
            print(f"machine load average (1 min) during the load: mean "
                  f"{sum(self.loadavg) / len(self.loadavg):.1f}, max {max(self.loadavg):.1f} "
                  f"on {os.cpu_count()} cores (the soak's own processes included)")
        print("peak RSS: " + ", ".join(f"{k} {v_ / 1024:.0f} MB" for k, v_ in self.rss.items()))
        if self.skipped:
            v.failures.append(f"{len(self.skipped)} planned faults not applied")
        for f_ in v.failures:
            print("INVARIANT FAILED: " + f_)
        print(f"VERDICT soak: {'PASS' if not v.failures else 'FAIL'} ({len(v.failures)} failed)")
        return 1 if v.failures else 0


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--minutes", type=float,
                    default=float(os.environ.get("SOAK_MINUTES") or 10))
    ap.add_argument("--residents", type=int, default=3000)
    ap.add_argument("--question-threads", type=int, default=6)
    ap.add_argument("--complaint-threads", type=int, default=2)
    ap.add_argument("--cadre-threads", type=int, default=2)
    ap.add_argument("--spots-per-unit", type=int, default=12)
    ap.add_argument("--think", type=float, default=0.05, help="seconds between a thread's messages")
    args = ap.parse_args()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake API's request lines

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # the same cleanup as Ctrl-C: processes, cluster, schema

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    work = Path(tempfile.mkdtemp(prefix="wastebot-soak-"))
    try:
        code = Soak(args, work).run()
    except KeyboardInterrupt:
        print(f"soak: interrupted; logs in {work}")
        return 130
    if code == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"logs in {work}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
