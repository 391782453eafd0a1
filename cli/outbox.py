"""`flask outbox deliver`: push every due outbox message once."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from runtime import from_app

outbox_cli = AppGroup("outbox", help="Pushed messages.")


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Deliver every due push once."""
    from outbound.delivery import deliver_due

    click.echo(f"sent {deliver_due(from_app(current_app))}")
