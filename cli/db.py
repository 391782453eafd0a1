"""`flask db upgrade|downgrade`: the schema, through Alembic migrations."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app, Runtime

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


def runtime() -> Runtime:
    return from_app(current_app)


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config as AlembicConfig

    root = Path(__file__).resolve().parent.parent
    cfg = AlembicConfig(str(root / "alembic.ini"))
    cfg.set_main_option("script_location", str(root / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_database(url: str, revision: str = "head") -> None:
    from alembic import command

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Bring the database to the current schema (any empty database works)."""
    upgrade_database(runtime().config.database_url, revision)
    click.echo("database is at " + revision)


@db_cli.command("downgrade")
@click.argument("revision", default="base")
def db_downgrade(revision: str) -> None:
    """Step the schema back (base = empty)."""
    from alembic import command

    command.downgrade(alembic_config(runtime().config.database_url), revision)
    click.echo("database is at " + revision)
