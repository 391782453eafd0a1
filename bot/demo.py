"""`flask demo load`: a believable district so a newcomer's chat reaches real units."""
from __future__ import annotations

import importlib
from typing import Callable

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session
from runtime import from_app

demo_cli = AppGroup("demo", help="Demo data for trying the bot locally.")

# Loaders run in this order, each in the same transaction; each must be idempotent
# (re-running `make run` must not duplicate anything). Entries are "module:function",
# the function taking (session, runtime) and returning a one-line summary.
DEMO_LOADERS: list[str] = [
    "bot.cli_cases:load_demo_units",
    "dashboard.demo:load_users",  # keep after the units loader
    "scheduler.demo:load_demo",  # cadres and a plan; after the units loader
]


@demo_cli.command("load")
def load() -> None:
    """Load (or refresh) the demo district, cadres, dashboard users and a plan."""
    rt = from_app(current_app)
    if not rt.config.DEV_MODE:
        # Demo users have published passwords (admin / admin123): never on a real instance.
        raise click.ClickException("demo data is for development only: set DEV_MODE=1")
    with rt.sessions.begin() as session:
        for spec in DEMO_LOADERS:
            module, func = spec.split(":")
            loader: Callable[[Session, object], str] = getattr(
                importlib.import_module(module), func)
            click.echo(loader(session, rt))
    click.echo("demo data loaded")


commands = [demo_cli]
