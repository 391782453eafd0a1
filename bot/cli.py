"""Command-line commands (`flask --app wsgi ...`). Capability groups register here."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from runtime import from_app, Runtime

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
outbox_cli = AppGroup("outbox", help="Pushed messages.")


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


@outbox_cli.command("deliver")
def outbox_deliver() -> None:
    """Deliver every due push once."""
    from outbound.delivery import deliver_due

    click.echo(f"sent {deliver_due(runtime())}")


@click.command("chat")
@click.option("--as", "openid", default="resident-demo", help="The WeChat openid to act as.")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True)
@click.option("--mode", type=click.Choice(["raw", "compat", "aes"]), default=None,
              help="Message encryption mode (default: aes when WECHAT_AES_KEY is set).")
def chat(openid: str, url: str, mode: str | None) -> None:
    """Chat with the running server as a resident or a cadre, as WeChat would."""
    from bot.chat import ChatSession, run_repl
    from bot.simulator import WeChatServer

    cfg = runtime().config
    mode = mode or ("aes" if cfg.WECHAT_AES_KEY else "raw")
    server = WeChatServer(cfg.WECHAT_TOKEN, cfg.WECHAT_AES_KEY, cfg.WECHAT_APP_ID or "wxdev",
                          mode=mode)
    session = ChatSession(url, server, openid, out=click.echo)
    run_repl(session, sys.stdin, interactive=sys.stdin.isatty())


# Capability command groups: each module exposes `commands: list[click.Command]`.
COMMAND_MODULES: list[str] = ["bot.demo", "bot.cli_kb", "bot.cli_users", "bot.cli_cases",
                              "bot.cli_calendar", "bot.cli_photos",
                              "scheduler.cli"]


def register_commands(app: Flask) -> None:
    import importlib

    app.cli.add_command(db_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(chat)
    for name in COMMAND_MODULES:
        for command in importlib.import_module(name).commands:
            app.cli.add_command(command)
