"""The scheduler's daily calendar check warns while a year runs on the estimate."""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from config import TZ
from scheduler.runner import JOBS, run_once
from tests.support.calendar import enter


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "scheduler.calendar_check" and r.levelno == logging.WARNING]


def test_daily_warning_from_1_november_until_the_notice_is_entered(
        app: Any, runtime: Any, clock: Any, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    assert JOBS["calendar"][1] == 24 * 3600
    job = JOBS["calendar"][0]
    caplog.set_level(logging.WARNING)
    clock.set(datetime(2026, 10, 31, 12, tzinfo=TZ))
    assert job(runtime) == 0 and warnings(caplog) == []
    clock.set(datetime(2026, 11, 1, 0, 5, tzinfo=TZ))
    run_once(runtime)
    assert warnings(caplog) == [
        "working-day calendar: 2027 runs on an estimate (statutory holidays, no 调休); enter "
        "the State Council notice: flask --app wsgi calendar import FILE, or the dashboard's "
        "日历 page"]
    assert enter(app, tmp_path).exit_code == 0
    caplog.clear()
    assert job(runtime) == 0 and warnings(caplog) == []
    clock.set(datetime(2028, 3, 1, 12, tzinfo=TZ))  # the current year on the estimate too
    assert job(runtime) == 1 and "2028 runs on an estimate" in warnings(caplog)[0]
