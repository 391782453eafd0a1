"""`flask scheduler run`: the scheduler process (reminders, outbox, media)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from config import TZ
from runtime import Runtime, from_app

scheduler_cli = AppGroup("scheduler", help="The scheduler process (reminders, outbox, media).")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--max-seconds", type=float, default=None, help="Stop after this long (tests).")
@click.option("--poll", type=float, default=5.0, show_default=True,
              help="Seconds between lock attempts while standing by.")
def scheduler_run(once: bool, max_seconds: float | None, poll: float) -> None:
    """Run the scheduler (one active process; others stand by for the lock)."""
    from scheduler.runner import run

    rt = from_app(current_app)
    fast = soak_clock()
    if fast is not None:  # bench/soak.py only: reminders come due under a fast clock
        _use_soak_reminders(rt, fast)
    active = run(rt, max_seconds=max_seconds, once=once, poll_s=poll)
    click.echo("scheduler: finished" if active else "scheduler: stood by, never active")


def _use_soak_reminders(rt: Runtime, fast: SoakClock) -> None:
    """Replace the reminder job by the scan on the fast clock, every 5 s of real time.

    What it writes is made due on the real clock, so that every deliverer (this process's outbox
    job, the web workers' kicks) leases the outbox on one clock: two clocks would each see the
    other's leases as expired and send twice. After the soak's end of day (`until`) the scan
    writes nothing more, so that the outbox can be seen to drain.
    """
    from sqlalchemy import update

    from models import OutboxMessage
    from reminders.scan import scan
    from scheduler import runner

    def soak_reminder_job(_rt: object) -> int:
        if time.time() >= fast.until:
            return 0
        real_now = datetime.now(TZ)
        with rt.sessions.begin() as session:
            written = len(scan(session, rt.config, fast()))
            session.execute(update(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > real_now)
                .values(next_attempt_at=real_now))
        return written

    runner.JOBS["reminders"] = (soak_reminder_job, 5)


@dataclass(frozen=True)
class SoakClock:
    """`speed` times as fast as real time from the Unix time `epoch`, the same in every process."""

    epoch: float
    speed: float
    until: float  # Unix time after which the soak's scans stop

    def __call__(self) -> datetime:
        now = time.time()
        return datetime.fromtimestamp(self.epoch + (now - self.epoch) * self.speed, TZ)


def soak_clock() -> SoakClock | None:
    """WASTEBOT_SOAK_CLOCK="<epoch>:<speed>[:<until>]" (bench/soak.py only, never in
    production): the reminder scans run on a fast clock, so reminders come due within a
    short soak run, and stop at `until` (Unix time)."""
    value = os.environ.get("WASTEBOT_SOAK_CLOCK", "")
    if not value:
        return None
    parts = [float(part) for part in value.split(":")]
    return SoakClock(parts[0], parts[1], parts[2] if len(parts) > 2 else float("inf"))
