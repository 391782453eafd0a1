"""`flask cases show|list --json`: complaint cases (纠错投诉)."""
from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from services.intake import case_as_dict
from models.cases import ALL_STATUSES, Case
from services.units import unit_by_code
from runtime import from_app

cases_cli = AppGroup("cases", help="Complaint cases (纠错投诉).")


def _runtime() -> Any:
    return from_app(current_app)


def _text(data: dict[str, Any]) -> str:
    return (f"{data['number']}  {data['status']}  {data['problem_type']}  "
            f"{data['unit'] or '-'}  {data['deadline'] or '-'}")


@cases_cli.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cases_show(number: str, as_json: bool) -> None:
    """One case with its location, photos and history."""
    with _runtime().sessions.begin() as session:
        case = session.scalar(select(Case).where(Case.number == number.strip().upper()))
        if case is None:
            raise click.ClickException(f"no case {number}")
        data = case_as_dict(case)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(_text(data))
    for event in data["history"]:
        click.echo(f"  {event['at']} {event['action']} {event['from'] or ''}→{event['to'] or ''}"
                   f" {event['actor']} {event['note']}")


@cases_cli.command("list")
@click.option("--status", type=click.Choice(ALL_STATUSES), default=None)
@click.option("--unit", "unit_code", default=None, help="Unit code.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cases_list(status: str | None, unit_code: str | None, as_json: bool) -> None:
    """Cases, newest first, optionally by status and unit."""
    with _runtime().sessions.begin() as session:
        query = select(Case).order_by(Case.created_at.desc(), Case.id.desc())
        if status:
            query = query.where(Case.status == status)
        if unit_code:
            unit = unit_by_code(session, unit_code)
            if unit is None:
                raise click.ClickException(f"no unit {unit_code}")
            query = query.where(Case.unit_id == unit.id)
        rows = [case_as_dict(c) for c in session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for data in rows:
        click.echo(_text(data))
