"""Reminder scan at city scale: 100,000 open cases and 1,000 units, time and peak memory.

Two size points with the same number of reminders due (overdue cases) and ten times as many
open cases in the second: a scan that grows with reminders due takes about the same time at
both; one that walks every open case takes about ten times as long. A third, traced scan a
day later finds the same cases at their next stage (peak memory of a scan with work to do).
Cases are bulk-inserted with the reminder schedule the case service would store for them
(reminders/schedule.schedule_reminders, computed once per kind of case). Database: PostgreSQL
(BENCH_DATABASE_URL, default the local `test` database, in a throw-away schema) when it
answers, else SQLite in a temporary directory.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from tests.support.serve import fresh_database  # noqa: E402
from config import TZ, Config  # noqa: E402
from models import Case, OutboxMessage, Unit, make_engine, make_session_factory  # noqa: E402
from models.cases import DISPATCHED  # noqa: E402
from reminders.schedule import schedule_reminders  # noqa: E402
from reminders.scan import ScanSetup, load_setup, scan  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
NEXT_DAY = datetime(2026, 11, 24, 10, 0, tzinfo=TZ)  # the overdue cases' parent escalation
UNITS = 1000


def schedule_of(setup: ScanSetup, dispatched: datetime, deadline: datetime) -> dict[str, Any]:
    """What the case service stores for such a case (same function, once per kind of case)."""
    case = Case(status=DISPATCHED, unit_id=1, created_at=dispatched, dispatched_at=dispatched,
                deadline_at=deadline)
    schedule_reminders(case, setup.calendar, setup.policy.case, restart=True)
    return {"next_reminder_at": case.next_reminder_at, "reminder_stage": case.reminder_stage}


def populate(sessions: Any, setup: ScanSetup, open_cases: int, due: int) -> None:
    """A district, 10 streets, 1,000 units with robots; `due` overdue cases, the rest fresh."""
    with sessions.begin() as s:
        s.execute(insert(Unit), [{"code": "D", "name": "示范区", "kind": "district",
                                  "address_keywords": ""}])
        district = s.scalar(select(Unit.id).where(Unit.code == "D"))
        s.execute(insert(Unit), [{"code": f"S{i}", "name": f"街道{i}", "kind": "street",
                                  "parent_id": district, "address_keywords": ""}
                                 for i in range(10)])
        streets = list(s.scalars(select(Unit.id).where(Unit.kind == "street")))
        s.execute(insert(Unit), [{"code": f"U{i:04d}", "name": f"小区{i}", "kind": "property",
                                  "parent_id": streets[i % 10], "address_keywords": "",
                                  "wecom_robot_key": f"key{i}"} for i in range(UNITS)])
        units = list(s.scalars(select(Unit.id).where(Unit.kind == "property")))
    batch = 5000
    kinds = {overdue: schedule_of(setup, *times) for overdue, times in (
        (True, (NOW - timedelta(days=10), NOW - timedelta(days=1))),
        (False, (NOW - timedelta(hours=1), NOW + timedelta(days=30))))}
    for start in range(0, open_cases, batch):
        rows = []
        for n in range(start, min(open_cases, start + batch)):
            overdue = n < due
            dispatched = NOW - (timedelta(days=10) if overdue else timedelta(hours=1))
            deadline = NOW - timedelta(days=1) if overdue else NOW + timedelta(days=30)
            rows.append({"number": f"JC{n:012d}", "status": DISPATCHED, "problem_type": "混投错投",
                         "description": "", "source": "wechat", "unit_id": units[n % UNITS],
                         "route_reason": "area", "address": "", "created_at": dispatched,
                         "updated_at": dispatched, "dispatched_at": dispatched,
                         "deadline_at": deadline, "rework_count": 0, **kinds[overdue]})
        with sessions.begin() as s:
            s.execute(insert(Case), rows)


def measure(open_cases: int, due: int, work: Path) -> dict[str, float]:
    url, _, cleanup = fresh_database(work, f"c{open_cases}")
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    config = Config.from_mapping({"WECHAT_TOKEN": "b", "SECRET_KEY": "b", "DEV_MODE": "1", "DATABASE_URL": url,
                                  "INSTANCE_DIR": str(work / "instance")})
    try:
        with sessions.begin() as session:
            setup = load_setup(session, config)
        t = time.perf_counter()
        populate(sessions, setup, open_cases, due)
        load_s = time.perf_counter() - t
        if url.startswith("postgresql"):
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        t = time.perf_counter()
        with sessions.begin() as s:
            planned = scan(s, config, NOW, setup=setup)
        scan_s = time.perf_counter() - t
        tracemalloc.start()
        t = time.perf_counter()
        with sessions.begin() as s:
            again = scan(s, config, NOW, setup=setup)
        rescan_s = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # A day later the same cases reach their next stage: a traced scan with work to do.
        tracemalloc.start()
        t = time.perf_counter()
        with sessions.begin() as s:
            next_day = scan(s, config, NEXT_DAY, setup=setup)
        next_s = time.perf_counter() - t
        _, next_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        with sessions.begin() as s:
            outbox = s.scalar(select(func.count()).select_from(OutboxMessage))
        return {"open": open_cases, "due": due, "load_s": load_s, "scan_s": scan_s,
                "reminders": len(planned), "outbox": float(outbox or 0),
                "rescan_s": rescan_s, "rescan_new": len(again), "peak_mb": peak / 2**20,
                "next_s": next_s, "next_new": len(next_day), "next_peak_mb": next_peak / 2**20}
    finally:
        engine.dispose()
        cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--due", type=int, default=1_000)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wastebot-bench-rem-"))
    small = measure(args.cases // 10, args.due, work)
    big = measure(args.cases, args.due, work)
    print(f"reminder scan: {UNITS} units, {args.due} overdue cases, the rest not yet due")
    print(f"{'open cases':>11}{'reminders':>10}{'scan s':>9}{'re-scan s':>10}{'new':>5}"
          f"{'peak MB':>9}{'next-day s':>11}{'new':>6}{'peak MB':>9}{'insert s':>9}")
    for r in (small, big):
        print(f"{r['open']:>11.0f}{r['reminders']:>10.0f}{r['scan_s']:>9.2f}{r['rescan_s']:>10.2f}"
              f"{r['rescan_new']:>5.0f}{r['peak_mb']:>9.1f}{r['next_s']:>11.2f}"
              f"{r['next_new']:>6.0f}{r['next_peak_mb']:>9.1f}{r['load_s']:>9.1f}")
    growth = big["scan_s"] / small["scan_s"] if small["scan_s"] else float("inf")
    ok = growth < 3 and big["rescan_new"] == 0 and big["reminders"] >= args.due
    print(f"VERDICT reminder scan: {'PASS' if ok else 'MISS'} - 10x the open cases, same "
          f"reminders due: scan time x{growth:.1f} (aim: well under x10, i.e. grows with "
          f"reminders due, not with all cases); {big['scan_s']:.2f} s and "
          f"{big['peak_mb']:.0f} MB peak (traced) at {args.cases:,} open cases; "
          f"a second scan wrote {big['rescan_new']:.0f} new reminders")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
