"""`flask units import FILE [--dry-run]`: responsible units and their service areas."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from cli.sheets import import_sheet
from services.units import import_units, read_unit_rows

units_cli = AppGroup("units", help="Responsible units and their service areas.")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def units_import(path: Path, dry_run: bool) -> None:
    """Create or update units from CSV/XLSX (code,name,kind,parent_code,...) or GeoJSON.

    All or nothing: every bad row is reported with its row number and nothing is written.
    """
    import_sheet(path, read_unit_rows, import_units, dry_run)

