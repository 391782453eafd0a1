"""Office uploads: unit and cadre files (the command line's formats) and invitation codes."""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any, Callable

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, transaction
from dashboard.web import megabytes, upload_limit
from services.cadres import (BindError, CadreImportError, import_cadres, issue_invitation,
                                  read_cadre_rows)
from services.units import UnitImportError, import_units, read_unit_rows

bp = staff_blueprint("imports", "/units")
bp.before_request(admin_required)
SUFFIXES = {"units": (".csv", ".xlsx", ".geojson", ".json"), "cadres": (".csv", ".xlsx")}


def _upload(kind: str, read: Callable[[Path], list[dict[str, Any]]],
            apply: Callable[[Session, list[dict[str, Any]]], Any]) -> None:
    """Check the uploaded file, parse it, and import it in one transaction (or not at all)."""
    upload = request.files.get("file")
    suffix = Path(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in SUFFIXES[kind]:
        flash(f"请上传 {' / '.join(SUFFIXES[kind])} 文件。", "error")
        return
    data = upload.read(upload_limit() + 1)
    if len(data) > upload_limit():
        flash(f"文件过大（上限 {megabytes(upload_limit())}）。", "error")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            rows = read(path)
            with transaction() as s:
                summary = apply(s, rows)
        except (UnitImportError, CadreImportError, ValueError, KeyError,
                zipfile.BadZipFile) as exc:
            flash(f"导入失败：{exc}", "error")
            return
    flash(f"导入完成：{summary}")


@bp.post("/import")
def units() -> ResponseReturnValue:
    _upload("units", read_unit_rows, import_units)
    return redirect(url_for("units.index"))


@bp.post("/cadres/import")
def cadres() -> ResponseReturnValue:
    _upload("cadres", read_cadre_rows, import_cadres)
    return redirect(url_for("units.index"))


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
