"""The office's bulletins (通报): pick a month or quarter, download the Word document."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, runtime, transaction
from reminders.policy import load_policy, policy_path
from reports.document import bulletin_docx, default_name
from reports.figures import build_bulletin
from reports.period import parse_period, previous_month

bp = staff_blueprint("bulletins", "/bulletin")
bp.before_request(admin_required)  # a report on every unit, sent upward by the office
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@bp.get("/")
def index() -> ResponseReturnValue:
    chosen = request.args.get("period", "").strip()
    if chosen:
        return redirect(url_for("bulletins.download", period=chosen))
    today = now().date()
    last = previous_month(today)
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    return render_template("bulletin.html", last=last.key, this_month=f"{today:%Y-%m}",
                           quarter=quarter)


@bp.get("/<period>.docx")
def download(period: str) -> Response:
    try:
        chosen = parse_period(period)
    except ValueError:
        abort(404)
    policy = load_policy(policy_path(runtime().config.DATA_DIR)).ranking
    with transaction() as s:
        data = build_bulletin(s, chosen, now(), policy)
    return Response(bulletin_docx(data), mimetype=DOCX, headers={
        "Content-Disposition": f"attachment; filename={default_name(data)}"})
