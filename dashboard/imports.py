"""Office uploads: unit and cadre files (the command line's formats) and invitation codes."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, transaction
from dashboard.web import megabytes, upload_limit
from services.cadres import BindError, import_cadres, issue_invitation, read_cadre_rows
from services.spreadsheets import ImportReport, RowProblem, SheetImportError
from services.units import import_units, read_unit_rows

bp = staff_blueprint("imports", "/units")
bp.before_request(admin_required)
SUFFIXES = {"units": (".csv", ".xlsx", ".geojson", ".json"), "cadres": (".csv", ".xlsx")}
TITLES = {"units": "单位", "cadres": "人员"}


def _upload(kind: str, read: Callable[[Path], list[dict[str, Any]]],
            apply: Callable[..., ImportReport]) -> ResponseReturnValue:
    """Check the uploaded file, then import every row or none; the page lists each bad row."""
    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in SUFFIXES[kind]:
        flash(f"请上传 {' / '.join(SUFFIXES[kind])} 文件。", "error")
        return redirect(url_for("units.index"))
    data = upload.read(upload_limit() + 1)
    if len(data) > upload_limit():
        flash(f"文件过大（上限 {megabytes(upload_limit())}）。", "error")
        return redirect(url_for("units.index"))
    dry_run = request.form.get("dry_run") == "1"
    page = {"kind": TITLES[kind], "filename": upload.filename, "dry_run": dry_run}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            rows = read(path)
            with transaction() as s:
                report = apply(s, rows, dry_run=dry_run)
        except SheetImportError as exc:
            return render_template("import_report.html", problems=exc.problems, **page)
        except (ValueError, KeyError, zipfile.BadZipFile) as exc:
            # Not a spreadsheet at all (a renamed file, broken JSON): no rows to list.
            return render_template("import_report.html",
                                   problems=[RowProblem("文件", f"无法读取：{exc}")], **page)
    return render_template("import_report.html", report=report, **page)


@bp.post("/import")
def units() -> ResponseReturnValue:
    return _upload("units", read_unit_rows, import_units)


@bp.post("/cadres/import")
def cadres() -> ResponseReturnValue:
    return _upload("cadres", read_cadre_rows, import_cadres)


@bp.post("/invite")
def invite() -> ResponseReturnValue:
    name = request.form.get("name", "").strip()[:64]
    if not name:
        flash("请填写姓名。", "error")
        return redirect(url_for("units.index"))
    try:
        with transaction() as s:
            inv = issue_invitation(s, unit_code=request.form.get("unit_code", ""), name=name,
                                   role=request.form.get("role", "member"), now=now())
            code = inv.code
    except BindError as exc:
        flash(f"未能生成邀请码：{exc}", "error")
    else:
        flash(f"{name} 的邀请码：{code}（请其在公众号发送“绑定 {code}”）")
    return redirect(url_for("units.index"))
