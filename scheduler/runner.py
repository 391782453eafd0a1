"""The scheduler process: a few periodic scans under APScheduler, guarded by a lock."""
from __future__ import annotations

import dataclasses
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from apscheduler.schedulers.blocking import BlockingScheduler

from config import TZ
from outbound.delivery import deliver_due
from outbound.kick import Kicker
from outbound.photos import fetch_pending
from runtime import Runtime
from scheduler.lock import SchedulerLock, make_lock, wait_for

if TYPE_CHECKING:
    from reminders.notices import Planned

log = logging.getLogger(__name__)

Job = Callable[[Runtime], int]


def remind(rt: Runtime, now: datetime | None = None, *,
           dry_run: bool = False) -> tuple[list[Planned], int]:
    """One reminder scan as of `now` (committed), then delivery: (what it wrote, pushes sent).

    The scheduler's job and `flask reminders run` both call this. A dry run writes and
    delivers nothing and returns what would have been written.
    """
    from reminders.scan import scan

    now = now or rt.clock()
    with rt.sessions.begin() as session:
        planned = scan(session, rt.config, now, dry_run=dry_run)
        if dry_run:
            session.rollback()
    if dry_run:
        return planned, 0
    # Deliver as of the scan time (rows written "at" a future time are due then).
    moved = dataclasses.replace(rt, clock=lambda: max(now, rt.clock()), kicker=Kicker())
    return planned, deliver_due(moved)


def reminder_job(rt: Runtime) -> int:
    """Scan for due reminders (commit), then deliver what is due."""
    planned, _ = remind(rt)
    if planned:
        log.info("reminder scan wrote %d message(s)", len(planned))
    return len(planned)


def outbox_job(rt: Runtime) -> int:
    return deliver_due(rt)


def media_job(rt: Runtime) -> int:
    return fetch_pending(rt)


def calendar_job(rt: Runtime) -> int:
    from scheduler.calendar_check import calendar_job as check

    return check(rt)


def prune_job(rt: Runtime) -> int:
    """Delete de-duplication rows past INBOUND_RETENTION_DAYS, stale nonces and counters."""
    from models.shared import prune

    config = rt.config
    with rt.sessions.begin() as session:
        removed = prune(session, rt.clock(), timedelta(days=config.INBOUND_RETENTION_DAYS),
                        timedelta(seconds=2 * config.TIMESTAMP_TOLERANCE_S + 60))
    if any(removed.values()):
        log.info("pruned %s", ", ".join(f"{n} {name}" for name, n in removed.items()))
    return sum(removed.values())


# name → (job, interval in seconds)
JOBS: dict[str, tuple[Job, int]] = {
    "reminders": (reminder_job, 60),
    "outbox": (outbox_job, 10),
    "media": (media_job, 30),
    "calendar": (calendar_job, 24 * 3600),
    "prune": (prune_job, 3600),
}


def run_job(name: str, job: Job, rt: Runtime) -> None:
    """The scheduler's process boundary: a failing job is logged, never fatal."""
    try:
        job(rt)
    except Exception:
        log.exception("scheduler job %s failed", name)


def run_once(rt: Runtime) -> None:
    """Every job once, in order (operators and tests)."""
    for name, (job, _) in JOBS.items():
        run_job(name, job, rt)


LOCK_CHECK_S = 5  # how often the active scheduler checks that its lock still lives


def run(rt: Runtime, *, max_seconds: float | None = None, once: bool = False,
        poll_s: float = 5.0) -> bool:
    """Wait for the lock, then run the jobs until stopped; False if the lock never came.

    A lock lost while active (PostgreSQL restarted: the session holding it ended) is taken
    again when free; when another scheduler took it first, this one stands by again.
    """
    deadline = time.monotonic() + max_seconds if max_seconds else None
    lock = make_lock(rt.engine, rt.config.INSTANCE_DIR)
    active = False
    try:
        while True:
            if not wait_for(lock, poll_s=poll_s, deadline=deadline):
                if not active:
                    log.info("scheduler: stopping, never became active")
                return active
            active = True
            log.info("scheduler: active (lock held)")
            if once:
                run_once(rt)
                return True
            if not _run_while_held(rt, lock, deadline):
                return True
            log.warning("scheduler: lock lost (its session ended; another scheduler took it, "
                        "or the database is still down); standing by")
    finally:
        lock.release()
        rt.drain()


def _run_while_held(rt: Runtime, lock: SchedulerLock, deadline: float | None) -> bool:
    """Run the jobs until the deadline (False) or until another scheduler holds the lock (True)."""
    lost = False
    sched = BlockingScheduler(timezone=TZ, job_defaults={
        "coalesce": True, "max_instances": 1, "misfire_grace_time": None})

    def check_lock() -> None:
        nonlocal lost
        if lock.held():
            return
        if lock.try_acquire():  # the database came back and nobody else took it
            log.warning("scheduler: lock's session ended (database restart?); lock taken again")
            return
        lost = True
        sched.shutdown(wait=False)

    start = datetime.now(TZ)
    for name, (job, seconds) in JOBS.items():
        # First run at once: a restarted scheduler catches up before anything else.
        sched.add_job(run_job, "interval", seconds=seconds, args=[name, job, rt], id=name,
                      next_run_time=start)
    sched.add_job(check_lock, "interval", seconds=LOCK_CHECK_S, id="lock")
    if deadline is not None:
        sched.add_job(lambda: sched.shutdown(wait=False), "date", id="stop",
                      run_date=start + timedelta(seconds=max(0.0, deadline - time.monotonic())))
    sched.start()
    return lost
