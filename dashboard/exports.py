"""Cases and rankings as XLSX or CSV, scoped like the pages they come from."""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from flask import Response, abort, request
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import select

from dashboard.auth import staff_blueprint
from dashboard.case_queries import CaseFilter, filtered
from dashboard.db import now, transaction
from models import RankingEntry

bp = staff_blueprint("exports", "/export")
MAX_ROWS = 20000
CASE_HEADER = ["编号", "状态", "问题类型", "描述", "责任单位", "地址", "纬度", "经度", "上报时间",
               "办理期限", "办结时间", "满意度"]
RANKING_HEADER = ["月份", "名次", "单位", "案件量", "按时办结率", "返工率", "末位"]


def _cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas in text from residents."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _local(value: Any) -> str:
    return value.astimezone(now().tzinfo).strftime("%Y-%m-%d %H:%M") if value else ""


def render(fmt: str, name: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    rows = [[_cell(v) for v in row] for row in rows]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        data = ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM so Excel reads UTF-8
        mime = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        buf = io.BytesIO()
        book.save(buf)
        data = buf.getvalue()
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        abort(404)
    return Response(data, mimetype=mime, headers={
        "Content-Disposition": f"attachment; filename={name}.{fmt}"})


@bp.get("/cases.<fmt>")
def cases(fmt: str) -> Response:
    f = CaseFilter.from_args(request.args)
    with transaction() as s:
        query = filtered(s, current_user, f, now()).limit(MAX_ROWS)
        rows = [[c.number, c.status, c.problem_type, c.description,
                 c.unit.name if c.unit else "", c.address, c.lat, c.lng, _local(c.created_at),
                 _local(c.deadline_at), _local(c.closed_at), c.satisfaction]
                for c in s.scalars(query)]
    return render(fmt, "cases", CASE_HEADER, rows)


@bp.get("/rankings.<fmt>")
def rankings(fmt: str) -> Response:
    month = request.args.get("month", "")
    with transaction() as s:
        query = select(RankingEntry).order_by(RankingEntry.month.desc(), RankingEntry.rank)
        if month:
            query = query.where(RankingEntry.month == month)
        rows = [[r.month, r.rank, r.unit.name, r.volume, r.on_time_rate, r.rework_rate,
                 "是" if r.bottom else ""]
                for r in s.scalars(query)
                if current_user.scope is None or r.unit_id in current_user.scope]
    return render(fmt, "rankings", RANKING_HEADER, rows)
