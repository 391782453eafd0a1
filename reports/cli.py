"""`flask --app wsgi report bulletin --month YYYY-MM | --quarter YYYY-Qn [--out FILE]`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from reminders.policy import load_policy, policy_path
from reports.document import default_name, write_bulletin
from reports.figures import build_bulletin
from reports.period import Period, parse_period, previous_month
from runtime import from_app

report_cli = AppGroup("report", help="The office's bulletins (通报).")


def choose_period(month: str | None, quarter: str | None, today: Any) -> Period:
    if month and quarter:
        raise click.UsageError("give --month or --quarter, not both")
    try:
        return parse_period(month or quarter) if (month or quarter) else previous_month(today)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@report_cli.command("bulletin")
@click.option("--month", help="YYYY-MM (default: last month)")
@click.option("--quarter", help="YYYY-Qn, e.g. 2026-Q4")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="the .docx to write (default: bulletin-<period>.docx here)")
def bulletin(month: str | None, quarter: str | None, out: Path | None) -> None:
    """Write the monthly or quarterly bulletin as a Word document."""
    rt = from_app(current_app)
    now = rt.clock()
    period = choose_period(month, quarter, now.date())
    policy = load_policy(policy_path(rt.config.DATA_DIR)).ranking
    with rt.sessions.begin() as session:
        data = build_bulletin(session, period, now, policy)
    path = write_bulletin(data, out or Path(default_name(data)))
    click.echo(f"{path}: {data.cases} cases, {len(data.ranking)} units ranked, "
               f"{len(data.tasks)} tasks due")


