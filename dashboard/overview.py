"""The overview page."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from dashboard.auth import staff_blueprint
from dashboard.chart import stacked_bars
from dashboard.db import now, transaction
from dashboard.stats import overview
from domain.workcal import estimated_years
from services.calendar import work_calendar

bp = staff_blueprint("overview", "")


@bp.get("/")
def index() -> str:
    with transaction() as s:
        figures = overview(s, current_user, now())
        estimated = estimated_years(work_calendar(s), now().date())
    return render_template("overview.html", o=figures, estimated=estimated,
                           chart=stacked_bars(figures.weeks, figures.trend))
