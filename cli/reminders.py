"""`flask reminders run [--at "YYYY-MM-DD HH:MM"] [--dry-run]`: one reminder scan by hand."""
from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from config import TZ
from runtime import from_app

reminders_cli = AppGroup("reminders", help="Reminder scans.")


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    except ValueError as exc:
        raise click.BadParameter("use YYYY-MM-DD HH:MM (Asia/Shanghai)") from exc


@reminders_cli.command("run")
@click.option("--at", "at", default=None, help='Scan as if it were "YYYY-MM-DD HH:MM".')
@click.option("--dry-run", is_flag=True, help="Print what would be sent; write nothing.")
def reminders_run(at: str | None, dry_run: bool) -> None:
    """One reminder scan, delivered through the outbox; a second run sends nothing new."""
    from scheduler.runner import remind

    rt = from_app(current_app)
    planned, sent = remind(rt, _parse_at(at), dry_run=dry_run)
    for p in planned:
        click.echo(f"{'would send' if dry_run else 'queued'} {p.kind} → {p.to}: {p.text}")
    if dry_run:
        click.echo(f"dry run: {len(planned)} reminder(s) due, nothing written")
        return
    click.echo(f"{len(planned)} new reminder(s) queued, {sent} delivered")
