"""Soak test with faults: a compressed district day on PostgreSQL, then invariants as figures.

`make soak SOAK_MINUTES=N` (default 10) or `.venv/bin/python bench/soak.py --minutes N`.
Loopback only; bounded in time and threads. Starts, on a throw-away PostgreSQL schema:
gunicorn (4 sync workers, `wsgi:app`), an active scheduler and a standby (`flask scheduler
run --poll 1`; their clock runs fast, WASTEBOT_SOAK_CLOCK, so reminders come due), and the
fake WeChat API (tests/fake_wechat.py) as the outbound API and media source. Drives:
residents asking questions (a share delivered twice, as WeChat retries), residents
reporting complaints with a photo, a cadre accepting and closing cases. Faults, at fixed
fractions of the run: kill -9 a web worker; kill -9 the active scheduler (the standby takes
over); restart PostgreSQL (pg_ctlcluster); the photo store down for a minute (MEDIA_DIR
replaced by a file: every write fails). A 503 is retried with the same delivery, as WeChat
does. Checks at the end, printed as figures; exit 1 when an invariant fails.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.serve import Gunicorn, fresh_database  # noqa: E402
from bot.simulator import WeChatServer, message_xml, new_msg_id  # noqa: E402
from bot.wxml import dedupe_key, parse_fields  # noqa: E402
from domain.geo import wgs84_to_gcj02  # noqa: E402
from tests.support.fake_wechat import FakeWeChat  # noqa: E402

TOKEN = "soak-token-0123456789"
APP_ID, ACCOUNT = "wx_soak_app", "gh_soak"
QUESTIONS = ["电池", "香蕉皮是什么垃圾", "塑料瓶属于什么垃圾", "旧衣服怎么扔", "外卖盒", "过期药品",
             "大骨头", "奶茶杯", "玻璃瓶", "用过的纸巾", "dianchi", "花生壳", "量子纠缠发生器"]
SONGFENG = wgs84_to_gcj02(31.237005, 121.462388)  # 松风苑 in the demo district, as WeChat sends
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]


@dataclass
class Outcome:
    """Every HTTP answer to one delivery (a MsgId), with when and how long."""
    kind: str
    replies: list[tuple[int, str]] = field(default_factory=list)  # (status, reply text)
    latencies_ms: list[tuple[float, float]] = field(default_factory=list)  # (start, ms)
    errors: list[tuple[float, str]] = field(default_factory=list)  # (t, status or exception)


class Soak:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.duration = args.minutes * 60.0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.outcomes: dict[str, Outcome] = {}
        self.faults: list[tuple[str, float, float]] = []  # (name, start, end) monotonic
        self.complaints: dict[str, str] = {}  # openid → case number ("" when not confirmed)
        self.cadre_actions = {"accept": 0, "close": 0, "errors": 0}
        self.rss: dict[str, int] = {}
        self.wechat = WeChatServer(TOKEN)
        self.fake = FakeWeChat().start()
        self.t0 = time.monotonic()
        self.jpeg = _jpeg()

    # -- delivering ---------------------------------------------------------------------
    def deliver(self, kind: str, openid: str, msg_type: str, msg_id: str | None = None,
                repeat: int = 1, **fields: Any) -> str | None:
        """Deliver until a 200 (503s and broken connections retried as WeChat does)."""
        msg_id = msg_id or new_msg_id()
        xml = message_xml(openid, ACCOUNT, msg_type, int(time.time()), msg_id, **fields)
        key = dedupe_key(parse_fields(xml.encode("utf-8")))
        outcome = self.outcomes.setdefault(key, Outcome(kind))
        reply: str | None = None
        for _ in range(repeat):
            for attempt in range(8):
                d = self.wechat.deliver(xml)
                url = f"{self.app_url}/wechat?" + "&".join(f"{k}={v}" for k, v in d.params.items())
                started = time.monotonic()
                try:
                    req = urllib.request.Request(url, data=d.body, method="POST",
                                                 headers={"Content-Type": "text/xml"})
                    with urllib.request.urlopen(req, timeout=10) as resp:
                        status, body = resp.status, resp.read().decode("utf-8")
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, ""
                except OSError as exc:
                    status, body = 0, type(exc).__name__
                took = (time.monotonic() - started) * 1000
                with self.lock:
                    outcome.latencies_ms.append((started, took))
                    if status == 200:
                        reply = _reply_text(body)
                        outcome.replies.append((200, reply))
                    else:
                        outcome.errors.append((time.monotonic(), str(status) + " " + body[:30]))
                if status == 200:
                    break
                time.sleep(min(2.0, 0.3 * (attempt + 1)))  # WeChat retries a few times
        return reply

    # -- load ---------------------------------------------------------------------------
    def questions(self, seed: int) -> None:
        rnd = random.Random(seed)
        while not self.stop.is_set():
            openid = f"o_soak_res_{rnd.randrange(self.args.residents)}"
            repeat = 2 if rnd.random() < 0.05 else 1
            self.deliver("question", openid, "text", repeat=repeat, Content=rnd.choice(QUESTIONS))
            time.sleep(self.args.think)

    def complaints_loop(self, seed: int) -> None:
        rnd = random.Random(seed)
        n = 0
        while not self.stop.is_set():
            n += 1
            openid = f"o_soak_rep_{seed}_{n}"
            self.deliver("complaint", openid, "text", Content="纠错")
            media_id = f"soak_{openid}_{new_msg_id()}"
            self.fake.add_media(media_id, self.jpeg, "image/jpeg")
            self.deliver("complaint", openid, "image", PicUrl=f"http://mmbiz.example/{media_id}",
                         MediaId=media_id)
            self.deliver("complaint", openid, "location", Location_X=SONGFENG[0],
                         Location_Y=SONGFENG[1], Scale=16, Label="松风路88弄")
            self.deliver("complaint", openid, "text", Content="1")
            repeat = 2 if rnd.random() < 0.2 else 1  # WeChat's retry of the submit itself
            reply = self.deliver("complaint", openid, "text", repeat=repeat, Content="提交") or ""
            number = re.search(r"JC\d{12}", reply)
            with self.lock:
                self.complaints[openid] = number.group(0) if number else ""
            time.sleep(self.args.think * 4)

    def cadre(self) -> None:
        """A cadre accepting dispatched cases and closing accepted ones (services, as the
        dashboard and the cadre chat commands call them)."""
        from sqlalchemy import select

        from config import TZ
        from models import Case
        from models.cases import DISPATCHED, IN_PROGRESS, RECTIFIED
        from runtime import build_runtime
        from services.cases import Actor, accept_case, mark_rectified, verify_and_close
        from config import Config
        from datetime import datetime

        rt = build_runtime(Config.from_mapping(self.app_env_mapping()))
        actor = Actor("cadre", "soak cadre")
        while not self.stop.wait(1.0):
            try:
                with rt.sessions.begin() as s:
                    now = datetime.now(TZ)
                    # Every third case is left alone, so reminders come due for it.
                    for case in s.scalars(select(Case).where(Case.status.in_(
                            (DISPATCHED, IN_PROGRESS, RECTIFIED)), Case.id % 3 != 0)
                            .limit(20)):
                        if case.status == DISPATCHED:
                            accept_case(s, rt.config, case, actor, now)
                            self.cadre_actions["accept"] += 1
                        elif case.status == IN_PROGRESS:
                            mark_rectified(s, rt.config, case, actor, now, note="已清理")
                        else:
                            verify_and_close(s, rt.config, case, actor, now)
                            self.cadre_actions["close"] += 1
            except Exception as exc:  # noqa: BLE001 - PostgreSQL restarting: next second
                self.cadre_actions["errors"] += 1
                if self.cadre_actions["errors"] <= 3:
                    print(f"  cadre: {type(exc).__name__}: {str(exc)[:160]}", flush=True)
        rt.close()

    # -- processes and faults -----------------------------------------------------------
    def app_env_mapping(self) -> dict[str, str]:
        return {"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "soak-secret-0123456789",
                "WECHAT_APP_ID": APP_ID, "WECHAT_APP_SECRET": "soak-secret",
                "WECHAT_AES_KEY": "", "WECHAT_API_BASE": self.fake.url,
                "WECOM_API_BASE": self.fake.url, "WECHAT_REMINDER_TEMPLATE_ID": "tpl_reminder",
                "WECHAT_NOTICE_TEMPLATE_ID": "tpl_notice", "DATABASE_URL": self.db_url,
                "INSTANCE_DIR": str(self.work / "instance"), "MEDIA_DIR": str(self.media),
                "CITY_PROFILE": "shanghai", "REDIS_URL": "", "HTTP_TIMEOUT_S": "2",
                "WEBHOOK_RATE_PER_MIN": "100000", "COMPLAINT_DAILY_LIMIT": "100000"}

    def start_scheduler(self, name: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.app_env_mapping(), "WASTEBOT_SOAK_CLOCK": self.soak_clock}
        log = open(self.work / f"{name}.log", "ab")
        proc = subprocess.Popen([*FLASK, "scheduler", "run", "--poll", "1",
                                 "--max-seconds", str(int(self.duration + 900))], cwd=ROOT,
                                env=env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        return proc

    def fault(self, name: str, start: float, end: float) -> None:
        with self.lock:
            self.faults.append((name, start, end))
        print(f"  [{start - self.t0:6.1f} s] fault: {name} ({end - start:.1f} s)", flush=True)

    def kill_worker(self) -> None:
        workers = _children(self.gunicorn.proc.pid)  # type: ignore[union-attr]
        if workers:
            t = time.monotonic()
            os.kill(workers[0], signal.SIGKILL)
            self.fault(f"kill -9 web worker {workers[0]}", t, t + 5)

    def kill_scheduler(self) -> None:
        active = self.active_scheduler()
        if active is None:
            print("  (no active scheduler found to kill)")
            return
        t = time.monotonic()
        os.kill(active.pid, signal.SIGKILL)
        self.schedulers.remove(active)
        name = f"scheduler-{len(self.scheduler_names) + 1}"  # a new standby
        proc = self.start_scheduler(name)
        self.scheduler_names[proc.pid] = name
        self.schedulers.append(proc)
        self.fault(f"kill -9 active scheduler {active.pid} (standby takes over)", t, t + 5)

    def active_scheduler(self) -> subprocess.Popen[bytes] | None:
        # The one that logged taking the lock and still runs.
        for proc in self.schedulers:
            log = (self.work / f"{self.scheduler_names[proc.pid]}.log").read_text(errors="replace")
            if "active (lock held)" in log and proc.poll() is None:
                return proc
        return None

    def restart_postgres(self) -> None:
        cluster = sorted(os.listdir("/etc/postgresql"))[-1]
        t = time.monotonic()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                       check=True, timeout=120, capture_output=True)
        self.fault("PostgreSQL restart", t, time.monotonic() + 20)  # pools reconnect

    def photo_store_down(self, seconds: float) -> None:
        t = time.monotonic()
        aside = self.media.with_name("media-aside")
        self.media.rename(aside)
        self.media.write_text("the photo store is down")  # every write under it fails
        self.fault(f"photo store down {seconds:.0f} s", t, t + seconds + 10)
        self.stop.wait(seconds)
        self.media.unlink()
        aside.rename(self.media)

    def sample_memory(self) -> None:
        while not self.stop.wait(5.0):
            procs = {"gunicorn master": self.gunicorn.proc.pid}  # type: ignore[union-attr]
            for n, pid in enumerate(_children(self.gunicorn.proc.pid)):  # type: ignore[union-attr]
                procs[f"web worker {n + 1}"] = pid
            for proc in self.schedulers:
                if proc.poll() is None:
                    procs[f"scheduler {proc.pid}"] = proc.pid
            procs["soak driver + fake WeChat"] = os.getpid()
            for name, pid in procs.items():
                rss = _rss_kb(pid)
                if rss:
                    key = "web worker" if name.startswith("web worker") else (
                        "scheduler" if name.startswith("scheduler") else name)
                    self.rss[key] = max(self.rss.get(key, 0), rss)

    # -- the run ------------------------------------------------------------------------
    def run(self) -> int:
        from models import make_engine
        from services.units import import_units, read_unit_rows
        from sqlalchemy.orm import Session

        self.db_url, label, cleanup = fresh_database(self.work, "soak")
        if label != "PostgreSQL":
            print("the soak test needs PostgreSQL (BENCH_DATABASE_URL)")
            return 2
        self.admin = make_engine(self.db_url, pool_pre_ping=True)
        self.media = self.work / "media"
        self.media.mkdir()
        demo = ROOT / "data" / "demo"
        with Session(self.admin) as s, s.begin():
            for name in ("units.csv", "units.geojson"):
                import_units(s, read_unit_rows(demo / name))
        with Session(self.admin) as s, s.begin():  # cadres with openids: reminders reach them
            from services.cadres import import_cadres, read_cadre_rows

            import_cadres(s, read_cadre_rows(demo / "cadres.csv"))
        epoch = time.time()
        # The scheduler's clock covers about five days of the district in the run's length.
        speed = max(1.0, 5 * 86400 / max(60.0, self.duration))
        self.soak_clock = f"{epoch}:{speed}"
        self.schedulers: list[subprocess.Popen[bytes]] = []
        self.scheduler_names: dict[int, str] = {}
        try:
            with Gunicorn("wsgi:app", self.app_env_mapping(), workers=4,
                          log_path=self.work / "gunicorn.log") as gunicorn:
                self.gunicorn, self.app_url = gunicorn, gunicorn.url
                for name in ("scheduler-1", "scheduler-2"):
                    proc = self.start_scheduler(name)
                    self.schedulers.append(proc)
                    self.scheduler_names[proc.pid] = name
                    time.sleep(2)
                print(f"soak: {self.args.minutes} min, gunicorn 4 workers at {self.app_url}, "
                      f"2 schedulers (clock x{speed:.0f}), {self.args.question_threads} question "
                      f"threads, {self.args.complaint_threads} complaint threads, work dir "
                      f"{self.work}", flush=True)
                self.t0 = time.monotonic()
                threads = [threading.Thread(target=self.questions, args=(n,), daemon=True)
                           for n in range(self.args.question_threads)]
                threads += [threading.Thread(target=self.complaints_loop, args=(100 + n,),
                                             daemon=True)
                            for n in range(self.args.complaint_threads)]
                threads += [threading.Thread(target=self.cadre, daemon=True),
                            threading.Thread(target=self.sample_memory, daemon=True)]
                for t in threads:
                    t.start()
                self._schedule_faults()
                self.stop.set()
                for t in threads:
                    t.join(timeout=30)
                # Photos deferred while the store was down are retried after STORAGE_RETRY
                # (5 min, outbound/photos.py): wait for them, bounded.
                from outbound.photos import STORAGE_RETRY

                settle_until = time.monotonic() + STORAGE_RETRY.total_seconds() + 90
                while time.monotonic() < settle_until and self._pending_photos() > 0:
                    time.sleep(3)
                time.sleep(12)  # one more outbox round
                for proc in self.schedulers:
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGTERM)
                for proc in self.schedulers:
                    try:
                        proc.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                return self.check()
        finally:
            for proc in self.schedulers:
                if proc.poll() is None:
                    proc.kill()
            self.fake.stop()
            self.admin.dispose()
            try:
                cleanup()  # type: ignore[operator]
            except Exception as exc:  # noqa: BLE001
                print(f"(could not drop the schema: {exc})")

    def _schedule_faults(self) -> None:
        plan = [(0.15, self.kill_worker), (0.30, self.kill_scheduler),
                (0.45, self.restart_postgres),
                (0.60, lambda: self.photo_store_down(min(60.0, self.duration * 0.15)))]
        for fraction, action in plan:
            if self.stop.wait(max(0.0, self.t0 + fraction * self.duration - time.monotonic())):
                return
            try:
                action()
            except Exception as exc:  # noqa: BLE001 - a fault that could not be applied
                print(f"  fault failed: {type(exc).__name__}: {exc}")
        self.stop.wait(max(0.0, self.t0 + self.duration - time.monotonic()))

    def _pending_photos(self) -> int:
        from sqlalchemy import text

        try:
            with self.admin.connect() as conn:
                return int(conn.execute(text(
                    "SELECT count(*) FROM case_photos WHERE status = 'pending'")).scalar() or 0)
        except Exception:  # noqa: BLE001
            return 1

    # -- invariants -----------------------------------------------------------------------
    def in_fault(self, t: float) -> bool:
        return any(start - 1 <= t <= end for _, start, end in self.faults)

    def check(self) -> int:
        from sqlalchemy import text

        failures: list[str] = []
        with self.admin.connect() as conn:
            keys = {r[0] for r in conn.execute(text("SELECT dedupe_key FROM inbound_messages"))}
            cases = {r[0]: (r[1], r[2]) for r in conn.execute(text(
                "SELECT reporter_openid, count(*), min(number) FROM cases GROUP BY reporter_openid"))}
            photos = conn.execute(text(
                "SELECT status, path FROM case_photos WHERE kind = 'report'")).all()
            outbox = conn.execute(text(
                "SELECT kind, text, status FROM outbox")).all()
        # 1. every delivered message answered exactly once (one stored row, one reply text)
        answered = never = inconsistent = missing_row = 0
        for key, o in self.outcomes.items():
            texts = {r for s, r in o.replies if s == 200}
            if not o.replies:
                never += 1
            elif len(texts) > 1:
                inconsistent += 1
            else:
                answered += 1
            if o.replies and key not in keys:
                missing_row += 1
        deliveries = sum(len(o.latencies_ms) for o in self.outcomes.values())
        # Never answered: acceptable only when every attempt was refused with a retryable
        # status (503) or cut by a planned fault; WeChat gives up after its retries.
        unexplained = [k for k, o in self.outcomes.items() if not o.replies and any(
            not (e.startswith("503") or self.in_fault(t)) for t, e in o.errors)]
        if unexplained:
            failures.append(f"{len(unexplained)} deliveries never answered, not all refused "
                            "with a retryable status")
        if inconsistent:
            failures.append(f"{inconsistent} deliveries answered with different replies")
        if missing_row:
            failures.append(f"{missing_row} answered deliveries without a de-duplication row")
        # 2. every complaint is one case
        submitted = {o: n for o, n in self.complaints.items() if n}
        not_one = [o for o in submitted if cases.get(o, (0, ""))[0] != 1]
        unconfirmed = [o for o, n in self.complaints.items() if not n]
        extra = [o for o in unconfirmed if cases.get(o, (0, ""))[0] > 1]
        if not_one or extra:
            failures.append(f"{len(not_one) + len(extra)} complaints not exactly one case")
        # 3. every photo stored
        stored = [p for p in photos if p[0] == "stored" and p[1]
                  and (self.media / p[1]).exists()]
        if len(stored) != len(photos):
            failures.append(f"{len(photos) - len(stored)} of {len(photos)} photos not stored")
        # 4. every push (reminders and digests included) sent once: a duplicate send is the
        # same call again (path, body, arguments but the access token); at most one in-flight
        # duplicate per process killed while delivering.
        from collections import Counter

        calls = Counter(
            c.path + json.dumps(c.body, ensure_ascii=False, sort_keys=True)
            + json.dumps({k: v for k, v in c.args.items() if k != "access_token"}, sort_keys=True)
            for c in list(self.fake.calls)
            if c.path in ("/cgi-bin/message/template/send", "/cgi-bin/message/custom/send",
                          "/cgi-bin/webhook/send", "/cgi-bin/message/send"))
        sends = sum(calls.values())
        duplicates = sum(n - 1 for n in calls.values())
        sent = [r for r in outbox if r[2] == "sent"]
        reminders = [r for r in outbox
                     if r[0] not in ("case_update", "case_assigned", "photo_failed")]
        reminders_sent = [r for r in reminders if r[2] == "sent"]
        unsent = [r for r in outbox if r[2] != "sent"]
        # A push whose "sent" mark could not commit is sent again: one per process killed while
        # delivering, and the pushes in flight when PostgreSQL restarted (documented).
        kills = sum(1 for name, _, _ in self.faults if "kill" in name)
        in_flight = sum(1 for name, _, _ in self.faults if "PostgreSQL" in name)
        for call, n in calls.items():
            if n > 1:
                print(f"  sent {n} times: {call[:150]}")
        allowed = kills  # the documented in-flight duplicate per kill, nothing more
        if duplicates > allowed:
            failures.append(f"{duplicates} duplicate sends (allowed {allowed})")
        if len(calls) < len(sent):
            failures.append(f"{len(sent) - len(calls)} outbox rows marked sent without a call")
        # 5. no 5xx outside the planned outages
        fivexx = [(t, e) for o in self.outcomes.values() for t, e in o.errors]
        outside = [(t, e) for t, e in fivexx if not self.in_fault(t) and e[:1] == "5"]
        stalls = [(t, e) for t, e in fivexx if not self.in_fault(t) and e[:1] != "5"]
        if outside:
            failures.append(f"{len(outside)} errors outside planned outages: "
                            + ", ".join(sorted({e for _, e in outside}))[:200])
        # figures
        print("\n=== soak figures")
        for name, start, end in self.faults:
            print(f"fault at {start - self.t0:6.1f} s: {name}")
        for kind in ("question", "complaint"):
            every = [x for o in self.outcomes.values() if o.kind == kind for x in o.latencies_ms]
            for label, lat in (("all", sorted(ms for _, ms in every)),
                               ("outside faults", sorted(ms for t, ms in every
                                                         if not self.in_fault(t)))):
                if lat:
                    print(f"{kind + ' deliveries, ' + label:<40} {len(lat):>7}   p50 "
                          f"{_pct(lat, 50):7.1f} ms   p99 {_pct(lat, 99):7.1f} ms   max "
                          f"{lat[-1]:8.1f} ms")
        print(f"distinct messages {len(self.outcomes)}, HTTP deliveries {deliveries}, answered "
              f"{answered}, never answered {never}, different replies {inconsistent}, "
              f"without a de-dup row {missing_row}")
        print(f"no answer in 10 s (timeouts, cut connections) outside the fault windows: "
              f"{len(stalls)}; never answered {never}, of which not explained by 503s or "
              f"faults {len(unexplained)}")
        print(f"non-200 answers: {len(fivexx) - len(outside) - len(stalls)} in planned outages, "
              f"{len(outside)} 5xx outside "
              f"({', '.join(sorted({e for _, e in fivexx}))[:160] or 'none'})")
        print(f"complaints submitted {len(submitted)}, not confirmed {len(unconfirmed)}, "
              f"not exactly one case {len(not_one) + len(extra)}; cadre accepted "
              f"{self.cadre_actions['accept']}, closed {self.cadre_actions['close']} "
              f"({self.cadre_actions['errors']} retried rounds)")
        print(f"report photos {len(photos)}, stored on disk {len(stored)}")
        print(f"pushes in the outbox {len(outbox)} (sent {len(sent)}, not sent yet "
              f"{len(unsent)}), of which reminders/digests/rankings {len(reminders)} (sent "
              f"{len(reminders_sent)}); API send calls {sends}, distinct {len(calls)}, "
              f"duplicate sends {duplicates} (allowed {allowed}: one per process killed; "
              f"PostgreSQL restarts {in_flight})")
        print("peak RSS: " + ", ".join(f"{k} {v / 1024:.0f} MB" for k, v in self.rss.items()))
        for f in failures:
            print("INVARIANT FAILED: " + f)
        print(f"VERDICT soak: {'PASS' if not failures else 'FAIL'} ({len(failures)} failed)")
        return 1 if failures else 0


def _pct(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def _reply_text(body: str) -> str:
    m = re.search(r"<Content><!\[CDATA\[(.*?)\]\]></Content>", body, re.S)
    return m.group(1) if m else body.strip()


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


def _jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float,
                    default=float(os.environ.get("SOAK_MINUTES", "10") or 10))
    ap.add_argument("--residents", type=int, default=3000)
    ap.add_argument("--question-threads", type=int, default=6)
    ap.add_argument("--complaint-threads", type=int, default=2)
    ap.add_argument("--think", type=float, default=0.05, help="seconds between a thread's messages")
    args = ap.parse_args()
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake API's request lines
    work = Path(tempfile.mkdtemp(prefix="wastebot-soak-"))
    code = Soak(args, work).run()
    if code == 0:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"logs in {work}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
