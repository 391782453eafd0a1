"""`flask users create NAME --role ...`: dashboard accounts."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from models import User
from services.units import unit_by_code
from runtime import from_app

users_cli = AppGroup("users", help="Dashboard accounts.")
MIN_PASSWORD = 8


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "unit"]), required=True)
@click.option("--unit", "unit_code", default=None, help="The unit's code (unit users).")
def create_user(name: str, role: str, unit_code: str | None) -> None:
    """Create or reset an account; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"password must have at least {MIN_PASSWORD} characters")
    if role == "unit" and not unit_code:
        raise click.ClickException("a unit user needs --unit CODE")
    rt = from_app(current_app)
    with rt.sessions.begin() as s:
        unit = unit_by_code(s, unit_code) if unit_code else None
        if unit_code and unit is None:
            raise click.ClickException(f"unknown unit code {unit_code}")
        user = s.scalar(select(User).where(User.name == name))
        if user is None:
            user = User(name=name, failed_logins=0)
            s.add(user)
        user.role, user.unit_id, user.active = role, unit.id if unit else None, True
        user.password_hash = generate_password_hash(password)
        user.failed_logins, user.locked_until = 0, None
        user.must_change_password = True  # the person chooses their own at first sign-in
        user.session_version = (user.session_version or 0) + 1  # a reset ends old sessions
    click.echo(f"user {name} ({role}{' ' + unit_code if unit_code else ''}) saved")
