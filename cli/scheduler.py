"""`flask scheduler run`: the scheduler process (reminders, outbox, media)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app

scheduler_cli = AppGroup("scheduler", help="The scheduler process (reminders, outbox, media).")


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--max-seconds", type=float, default=None, help="Stop after this long (tests).")
@click.option("--poll", type=float, default=5.0, show_default=True,
              help="Seconds between lock attempts while standing by.")
def scheduler_run(once: bool, max_seconds: float | None, poll: float) -> None:
    """Run the scheduler (one active process; others stand by for the lock)."""
    from scheduler.runner import run

    active = run(from_app(current_app), max_seconds=max_seconds, once=once, poll_s=poll)
    click.echo("scheduler: finished" if active else "scheduler: stood by, never active")
