"""Commands: `scheduler run`, `reminders run`, `cadres import|invite`, `plan import`."""
from __future__ import annotations

import dataclasses
import json
import os
import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup

from config import TZ
from runtime import from_app

scheduler_cli = AppGroup("scheduler", help="The scheduler process (reminders, outbox, media).")
reminders_cli = AppGroup("reminders", help="Reminder scans.")
cadres_cli = AppGroup("cadres", help="Cadres of responsible units.")
plan_cli = AppGroup("plan", help="Rectification plans (整改方案) and their tasks.")


def _rt():  # type: ignore[no-untyped-def]
    return from_app(current_app)


@scheduler_cli.command("run")
@click.option("--once", is_flag=True, help="Run every job once and exit.")
@click.option("--max-seconds", type=float, default=None, help="Stop after this long (tests).")
@click.option("--poll", type=float, default=5.0, show_default=True,
              help="Seconds between lock attempts while standing by.")
def scheduler_run(once: bool, max_seconds: float | None, poll: float) -> None:
    """Run the scheduler (one active process; others stand by for the lock)."""
    from scheduler.runner import run

    rt = _rt()
    fast = soak_clock()
    if fast is not None:  # bench/soak.py only: reminders come due under a fast clock
        from scheduler import runner

        from sqlalchemy import update

        from models import OutboxMessage
        from reminders.scan import scan

        def soak_reminder_job(_rt: object) -> int:
            """The scan on the fast clock, every 5 s of real time. What it writes is made due
            on the real clock, so that every deliverer (this process's outbox job, the web
            workers' kicks) leases the outbox on one clock: two clocks would each see the
            other's leases as expired and send twice."""
            real_now = datetime.now(TZ)
            with rt.sessions.begin() as session:
                written = len(scan(session, rt.config, fast()))  # type: ignore[misc]
                session.execute(update(OutboxMessage).where(
                    OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > real_now)
                    .values(next_attempt_at=real_now))
            return written

        runner.JOBS["reminders"] = (soak_reminder_job, 5)

    active = run(rt, max_seconds=max_seconds, once=once, poll_s=poll)
    click.echo("scheduler: finished" if active else "scheduler: stood by, never active")


def soak_clock() -> "Callable[[], datetime] | None":
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
    from outbound.delivery import deliver_due
    from outbound.kick import Kicker
    from reminders.scan import scan

    rt = _rt()
    now = _parse_at(at) or rt.clock()
    with rt.sessions.begin() as session:
        planned = scan(session, rt.config, now, dry_run=dry_run)
        if dry_run:
            session.rollback()
    for p in planned:
        click.echo(f"{'would send' if dry_run else 'queued'} {p.kind} → {p.to}: {p.text}")
    if dry_run:
        click.echo(f"dry run: {len(planned)} reminder(s) due, nothing written")
        return
    # Deliver as of the scan time (rows written "at" a future time are due then).
    moved = dataclasses.replace(rt, clock=lambda: max(now, rt.clock()), kicker=Kicker())
    sent = deliver_due(moved)
    click.echo(f"{len(planned)} new reminder(s) queued, {sent} delivered")


@cadres_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def cadres_import(file: Path) -> None:
    """Import or update cadres from CSV/XLSX: unit_code,name,role,openid,wecom_userid,phone."""
    from models.cadre_service import CadreImportError, import_cadres, read_cadre_rows

    try:
        with _rt().sessions.begin() as session:
            summary = import_cadres(session, read_cadre_rows(file))
    except CadreImportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(summary))


@cadres_cli.command("invite")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["member", "leader"]), default="member")
def cadres_invite(unit_code: str, name: str, role: str) -> None:
    """Issue a one-time code; the cadre sends “绑定 CODE” to the official account."""
    from models.cadre_service import BindError, issue_invitation

    rt = _rt()
    try:
        with rt.sessions.begin() as session:
            inv = issue_invitation(session, unit_code=unit_code, name=name, role=role,
                                   now=rt.clock())
            code, expires = inv.code, inv.expires_at
    except BindError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(code)
    click.echo(f"发送“绑定 {code}”到公众号完成绑定，{expires.astimezone(TZ):%Y-%m-%d %H:%M} 前有效",
               err=True)


@plan_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--issued", required=True, help="Issue date YYYY-MM-DD (supplies missing years).")
@click.option("--title", default=None, help="Plan title (default: the file name).")
@click.option("--dry-run", is_flag=True, help="Parse and resolve units; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the tasks as JSON.")
def plan_import(file: Path, issued: str, title: str | None, dry_run: bool,
                as_json: bool) -> None:
    """Import a plan (text, TSV or XLSX) and create tasks linked to the units it names."""
    from domain.plans import detect_and_parse
    from models.task_service import import_plan

    try:
        issued_on = date.fromisoformat(issued)
        parsed = detect_and_parse(file.name, file.read_bytes(), issued_on)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    rt = _rt()
    with rt.sessions.begin() as session:
        _, results = import_plan(session, parsed, title=title or file.stem,
                                 source_name=file.name, issued=issued_on, now=rt.clock())
        if dry_run:
            session.rollback()
    if as_json:
        click.echo(json.dumps({"tasks": [r.as_dict() for r in results],
                               "warnings": list(parsed.warnings)}, ensure_ascii=False, indent=1))
        return
    for r in results:
        spec = r.task.deadline
        dates = ", ".join(d.isoformat() for d in spec.due_dates) or (
            "长期" if spec.ongoing else ("周期" if spec.recurrence else "待人工确认"))
        flag = "  [需人工确认]" if spec.needs_review else ""
        click.echo(f"{r.task.number}\t{dates}\t{r.task.title[:30]}{flag}")
        if r.unresolved:
            click.echo(f"\tunknown units: {', '.join(r.unresolved)}")
    for w in parsed.warnings:
        click.echo(f"warning: {w}")
    unknown = sorted({n for r in results for n in r.unresolved})
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {len(results)} task(s); unknown unit names: "
               f"{'、'.join(unknown) if unknown else 'none'}")


commands = [scheduler_cli, reminders_cli, cadres_cli, plan_cli]
