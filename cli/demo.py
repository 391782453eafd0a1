"""`flask demo load`: a believable district so a newcomer's chat reaches real units.

The demo district's units, its cadres (one bound to openid "cadre-demo") and a plan are
loaded here; the dashboard's demo accounts come from dashboard/demo.py.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from dashboard.demo import load_users
from domain.plans import detect_and_parse
from runtime import from_app
from services.cadres import import_cadres, read_cadre_rows
from services.tasks import import_plan
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
            created, updated = created + len(summary.created), updated + len(summary.updated)
    return f"demo units: {created} created, {updated} updated"


def load_cadres_and_plan(session: Session, runtime: Any) -> str:
    """Idempotent: cadres upsert by (unit, name); the plan refreshes by file name and date."""
    folder = Path(runtime.config.DATA_DIR) / "demo"
    summary = import_cadres(session, read_cadre_rows(folder / "cadres.csv"))
    plan_file = folder / "plan_demo.txt"
    issued = date(2026, 11, 2)
    parsed = detect_and_parse(plan_file.name, plan_file.read_bytes(), issued)
    _, tasks = import_plan(session, parsed, title="示范区生活垃圾分类问题整改方案（演示）",
                           source_name=plan_file.name, issued=issued, now=runtime.clock())
    return f"demo {summary}; demo plan: {len(tasks)} task(s)"


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

