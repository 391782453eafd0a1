"""`flask plan import FILE --issued DATE`: rectification plans (整改方案) and their tasks."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app

plan_cli = AppGroup("plan", help="Rectification plans (整改方案) and their tasks.")


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
    from services.tasks import import_plan

    try:
        issued_on = date.fromisoformat(issued)
        parsed = detect_and_parse(file.name, file.read_bytes(), issued_on)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    rt = from_app(current_app)
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
