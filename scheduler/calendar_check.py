"""A daily warning while this year, or from 1 November next year, runs on the estimate."""
from __future__ import annotations

import logging

from runtime import Runtime
from domain.workcal import estimated_years
from services.calendar import work_calendar

log = logging.getLogger(__name__)


def calendar_job(rt: Runtime) -> int:
    """Log a WARNING for each year that needs the office's entry; returns how many."""
    today = rt.clock().date()
    with rt.sessions.begin() as session:
        years = estimated_years(work_calendar(session), today)
    for year in years:
        log.warning("working-day calendar: %d runs on an estimate (statutory holidays, no "
                    "调休); enter the State Council notice: flask --app wsgi calendar import "
                    "FILE, or the dashboard's 日历 page", year)
    return len(years)
