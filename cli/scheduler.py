"""`flask scheduler run`: the scheduler process (reminders, outbox, media)."""
from __future__ import annotations

import os
import time
from datetime import datetime
from typing import Callable

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


def _use_soak_reminders(rt: Runtime, fast: Callable[[], datetime]) -> None:
    """Replace the reminder job by the scan on the fast clock, every 5 s of real time.

    What it writes is made due on the real clock, so that every deliverer (this process's outbox
    job, the web workers' kicks) leases the outbox on one clock: two clocks would each see the
    other's leases as expired and send twice.
    """
    from sqlalchemy import update

    from models import OutboxMessage
    from reminders.scan import scan
    from scheduler import runner

    def soak_reminder_job(_rt: object) -> int:
        real_now = datetime.now(TZ)
        with rt.sessions.begin() as session:
            written = len(scan(session, rt.config, fast()))
            session.execute(update(OutboxMessage).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > real_now)
                .values(next_attempt_at=real_now))
        return written

    runner.JOBS["reminders"] = (soak_reminder_job, 5)


def soak_clock() -> Callable[[], datetime] | None:
    """WASTEBOT_SOAK_CLOCK="<epoch>:<speed>" (bench/soak.py only, never in production): the
    scheduler's clock runs `speed` times as fast as real time from the Unix time `epoch`, the
    same in every scheduler process, so reminders come due within a short soak run."""
    value = os.environ.get("WASTEBOT_SOAK_CLOCK", "")
    if not value:
        return None
    epoch, speed = (float(part) for part in value.split(":"))

    def clock() -> datetime:
        now = time.time()
        return datetime.fromtimestamp(epoch + (now - epoch) * speed, TZ)

    return clock
