"""`flask cadres import FILE` and `flask cadres invite`: cadres of responsible units."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from cli.sheets import import_sheet
from config import TZ
from runtime import from_app

cadres_cli = AppGroup("cadres", help="Cadres of responsible units.")


@cadres_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def cadres_import(file: Path, dry_run: bool) -> None:
    """Import or update cadres from CSV/XLSX: unit_code,name,role,openid,wecom_userid,phone.

    All or nothing: every bad row is reported with its row number and nothing is written.
    """
    from services.cadres import import_cadres, read_cadre_rows

    import_sheet(file, read_cadre_rows, import_cadres, dry_run)


@cadres_cli.command("invite")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["member", "leader"]), default="member")
def cadres_invite(unit_code: str, name: str, role: str) -> None:
    """Issue a one-time code; the cadre sends “绑定 CODE” to the official account."""
    from services.cadres import BindError, issue_invitation

    rt = from_app(current_app)
    try:
        with rt.sessions.begin() as session:
            inv = issue_invitation(session, unit_code=unit_code, name=name, role=role,
                                   now=rt.clock())
            code, expires = inv.code, inv.expires_at
    except BindError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(code)
    click.echo(f"发送“绑定 {code}”到公众号完成绑定，{expires.astimezone(TZ):%Y-%m-%d %H:%M} 前有效",
               err=True)
