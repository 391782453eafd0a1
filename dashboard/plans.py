"""Plan upload: the same import as `flask plan import`, from the Tasks page."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, transaction
from dashboard.web import megabytes, upload_limit
from domain.plans import detect_and_parse
from services.tasks import import_plan

bp = staff_blueprint("plans", "/tasks/plans")
bp.before_request(admin_required)
SUFFIXES = (".txt", ".tsv", ".xlsx")


@bp.post("/upload")
def upload() -> ResponseReturnValue:
    """Parse an uploaded plan and create (or refresh) its tasks; unknown units are listed."""
    file = request.files.get("file")
    name = Path(file.filename or "").name if file else ""
    if file is None or Path(name).suffix.lower() not in SUFFIXES:
        flash("请上传 .txt / .tsv / .xlsx 格式的整改方案。", "error")
        return redirect(url_for("tasks.index"))
    data = file.read(upload_limit() + 1)
    if len(data) > upload_limit():
        flash(f"文件过大（上限 {megabytes(upload_limit())}）。", "error")
        return redirect(url_for("tasks.index"))
    try:
        issued = date.fromisoformat(request.form.get("issued", ""))
        parsed = detect_and_parse(name, data, issued)
    except ValueError as exc:
        flash(f"无法读取方案：{exc}", "error")
        return redirect(url_for("tasks.index"))
    if not parsed.tasks:
        flash("没有识别出任务，请检查文件格式。", "error")
        return redirect(url_for("tasks.index"))
    title = request.form.get("title", "").strip()[:200] or Path(name).stem
    with transaction() as s:
        _, results = import_plan(s, parsed, title=title, source_name=name[:200], issued=issued,
                                 now=now())
    unknown = sorted({n for r in results for n in r.unresolved})
    review = sum(1 for r in results if r.task.deadline.needs_review)
    flash(f"已导入 {len(results)} 项任务" + (f"，{review} 项时限需人工核对" if review else ""))
    if unknown:
        flash("未识别的单位：" + "、".join(unknown), "error")
    return redirect(url_for("tasks.index"))
