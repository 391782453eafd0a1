"""`flask apikeys create NAME`: Open311 keys."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app

apikeys_cli = AppGroup("apikeys", help="Open311 API keys.")


@apikeys_cli.command("create")
@click.argument("name")
@click.option("--write", is_flag=True, help="Allow filing service requests.")
def create_apikey(name: str, write: bool) -> None:
    """Create an Open311 key and print it once (only its digest is stored)."""
    from open311.keys import create_key

    rt = from_app(current_app)
    with rt.sessions.begin() as s:
        key = create_key(s, name, write, rt.clock())
    click.echo(key)
