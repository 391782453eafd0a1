"""The working-day calendar page: which source each year runs on, and entering a year's notice.

Upload → preview (the year's days as the new calendar answers them, and the open cases whose
deadline it would move) → confirm. The preview carries the parsed notice back as CSV text
in the form, so nothing is kept between the two steps. Admins only.
"""
from __future__ import annotations

from pathlib import Path

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, runtime, transaction
from domain.calendar_notice import NoticeError, notice_csv, parse_notice
from domain.workcal import estimated_years
from services.calendar_cases import import_notice, preview_notice
from services.calendar import entries, with_notice, work_calendar

bp = staff_blueprint("calendar", "/calendar")
bp.before_request(admin_required)
MAX_UPLOAD = 512 * 1024


@bp.get("/")
def index() -> str:
    today = now().date()
    with transaction() as s:
        calendar = work_calendar(s)
        years = [(y, calendar.source(y)) for y in (today.year, today.year + 1)]
        return render_template("calendar.html", years=years, entries=entries(s),
                               estimated=estimated_years(calendar, today))


@bp.post("/preview")
def preview() -> ResponseReturnValue:
    upload = request.files.get("file")
    name = Path(upload.filename or "").name if upload else ""
    data = upload.read(MAX_UPLOAD + 1) if upload else b""
    if not name or len(data) > MAX_UPLOAD:
        flash("请上传不超过 512 KB 的 .csv 或 .xlsx 文件。", "error")
        return redirect(url_for("calendar.index"))
    try:
        notice = parse_notice(name, data)
    except NoticeError as exc:
        flash(f"无法读取节假日安排：{exc}", "error")
        return redirect(url_for("calendar.index"))
    with transaction() as s:
        moved = preview_notice(s, runtime().config, notice)
        days = with_notice(s, notice).unusual_days(notice.year)
        replacing = work_calendar(s).source(notice.year)
    return render_template("calendar_preview.html", notice=notice, days=days, moved=moved,
                           replacing=replacing, text=notice_csv(notice), source_name=name)


@bp.post("/confirm")
def confirm() -> ResponseReturnValue:
    source_name = request.form.get("source_name", "")[:200]
    try:
        notice = parse_notice("confirmed.csv", request.form.get("notice", "").encode("utf-8"))
    except NoticeError as exc:
        flash(f"无法录入：{exc}", "error")
        return redirect(url_for("calendar.index"))
    with transaction() as s:
        moved = import_notice(s, runtime().config, notice, current_user.name, now(),
                              source_name)
    flash(f"已录入{notice.year}年节假日安排：{len(notice.days)}天"
          f"（放假{notice.holidays}天，调休上班{notice.workdays}天）。")
    return render_template("calendar_done.html", notice=notice, moved=moved)
