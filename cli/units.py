"""`flask units import FILE [--dry-run]`: responsible units and their service areas."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app
from services.spreadsheets import SheetImportError
from services.units import import_units, read_unit_rows

units_cli = AppGroup("units", help="Responsible units and their service areas.")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def units_import(path: Path, dry_run: bool) -> None:
    """Create or update units from CSV/XLSX (code,name,kind,parent_code,...) or GeoJSON.

    All or nothing: every bad row is reported with its row number and nothing is written.
    """
    try:
        rows = read_unit_rows(path)
        with from_app(current_app).sessions.begin() as session:
            report = import_units(session, rows, dry_run=dry_run)
    except SheetImportError as exc:
        raise click.ClickException(exc.report(path.name)) from None
    except ValueError as exc:  # a file that is not what its name says (bad JSON, bad zip)
        raise click.ClickException(f"{path.name}: {exc}") from None
    click.echo("\n".join(report.lines()))

