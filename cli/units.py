"""`flask units import FILE`: responsible units and their service areas."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app
from services.units import UnitImportError, import_units, read_unit_rows

units_cli = AppGroup("units", help="Responsible units and their service areas.")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(path: Path) -> None:
    """Create or update units from CSV/XLSX (code,name,kind,parent_code,...) or GeoJSON."""
    try:
        rows = read_unit_rows(path)
        with from_app(current_app).sessions.begin() as session:
            summary = import_units(session, rows)
    except (UnitImportError, ValueError) as exc:
        raise click.ClickException(f"{path.name}: {exc}") from None
    click.echo(str(summary))
