"""`flask calendar show YEAR` and `flask calendar import FILE`: the working-day calendar."""
from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from domain.calendar_notice import NoticeError, parse_notice
from services.calendar_cases import import_notice
from services.calendar import work_calendar
from runtime import from_app

calendar_cli = AppGroup("calendar", help="Working days: holidays, 调休, the office's entries.")


def _runtime() -> Any:
    return from_app(current_app)


@calendar_cli.command("show")
@click.argument("year", type=click.IntRange(1900, 2199))
def calendar_show(year: int) -> None:
    """One JSON line per holiday, named day or worked weekend of YEAR, with its source."""
    with _runtime().sessions.begin() as session:
        days = work_calendar(session).unusual_days(year)
    for day in days:
        click.echo(json.dumps(day.as_dict(), ensure_ascii=False))


@calendar_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "who", default="", help="Who enters the notice (default: the OS user).")
def calendar_import(path: Path, who: str) -> None:
    """Enter a year's State Council notice (CSV or XLSX: date,workday,name)."""
    rt = _runtime()
    try:
        notice = parse_notice(path.name, path.read_bytes())
    except NoticeError as exc:
        raise click.ClickException(f"{path.name}: {exc}") from None
    who = who.strip() or f"命令行 {getpass.getuser()}"
    with rt.sessions.begin() as session:
        moved = import_notice(session, rt.config, notice, who, rt.clock(), path.name)
    click.echo(f"{notice.year}: {len(notice.days)} days entered by {who} "
               f"({notice.holidays} holiday, {notice.workdays} working weekend)")
    if moved:
        click.echo(f"{len(moved)} open case(s) keep a deadline the new calendar would move:")
    for m in moved:
        click.echo(json.dumps(m.as_dict(), ensure_ascii=False))

