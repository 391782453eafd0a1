"""`flask demo load`: a believable district so a newcomer's chat reaches real units."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from dashboard.demo import load_users
from runtime import from_app
from scheduler.demo import load_demo as load_cadres_and_plan
from services.units import import_units, read_unit_rows

demo_cli = AppGroup("demo", help="Demo data for trying the bot locally.")

DEMO_UNIT_FILES = ("units.csv", "units.geojson")


def load_demo_units(session: Session, runtime: Any) -> str:
    """Demo loader: the demo district's units, then their polygons (idempotent upsert)."""
    folder = Path(runtime.config.DATA_DIR) / "demo"
    created = updated = 0
    for name in DEMO_UNIT_FILES:
        if (folder / name).is_file():
            summary = import_units(session, read_unit_rows(folder / name))
            created, updated = created + summary.created, updated + summary.updated
    return f"demo units: {created} created, {updated} updated"


# Loaders run in this order, each in the same transaction; each must be idempotent
# (re-running `make run` must not duplicate anything). Each takes (session, runtime) and
# returns a one-line summary.
DEMO_LOADERS: list[Callable[[Session, Any], str]] = [
    load_demo_units,
    load_users,  # dashboard accounts; after the units
    load_cadres_and_plan,  # cadres and a plan; after the units
]


@demo_cli.command("load")
def load() -> None:
    """Load (or refresh) the demo district, cadres, dashboard users and a plan."""
    rt = from_app(current_app)
    if not rt.config.DEV_MODE:
        # Demo users have published passwords (admin / admin123): never on a real instance.
        raise click.ClickException("demo data is for development only: set DEV_MODE=1")
    with rt.sessions.begin() as session:
        for loader in DEMO_LOADERS:
            click.echo(loader(session, rt))
    click.echo("demo data loaded")

