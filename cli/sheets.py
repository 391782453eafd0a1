"""The one way the command line imports an office spreadsheet: report every bad row, or what changed."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click
from flask import current_app

from runtime import from_app
from services.spreadsheets import SheetImportError


def import_sheet(path: Path, read: Callable[[Path], list[dict[str, Any]]],
                 apply: Callable[..., Any], dry_run: bool) -> None:
    """Read `path`, apply its rows in one transaction (all or nothing) and print the report."""
    try:
        rows = read(path)
        with from_app(current_app).sessions.begin() as session:
            report = apply(session, rows, dry_run=dry_run)
    except SheetImportError as exc:
        raise click.ClickException(exc.report(path.name)) from None
    except ValueError as exc:  # a file that is not what its name says (bad JSON, not a workbook)
        raise click.ClickException(f"{path.name}: {exc}") from None
    click.echo("\n".join(report.lines()))
