"""A year's State Council holiday notice as the office enters it: CSV or XLSX `date,workday,name`.

One row per exception to the ordinary week: every holiday day (workday 0, weekends inside a
holiday included) and every 调休 working weekend (workday 1). All rows belong to one year.
Errors name the row as a spreadsheet shows it (the header is row 1; `#` comment lines count).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

from openpyxl import load_workbook

TRUE = {"1", "true", "yes", "y", "workday", "work", "班", "上班", "是"}
FALSE = {"0", "false", "no", "n", "holiday", "off", "休", "休息", "否"}
NAME_ALIASES = ("name", "note", "名称", "备注")
MAX_NAME = 32


class NoticeError(ValueError):
    """The file cannot be entered; the message (Chinese) names the row."""


@dataclass(frozen=True)
class NoticeDay:
    date: date
    workday: bool
    name: str


@dataclass(frozen=True)
class Notice:
    year: int
    days: tuple[NoticeDay, ...]

    @property
    def holidays(self) -> int:
        return sum(1 for d in self.days if not d.workday)

    @property
    def workdays(self) -> int:
        return sum(1 for d in self.days if d.workday)


def parse_notice(filename: str, data: bytes) -> Notice:
    """Parse an uploaded notice: XLSX by zip signature or suffix, else CSV text."""
    if data[:4] == b"PK\x03\x04" or Path(filename).suffix.lower() == ".xlsx":
        return parse_rows(_xlsx_rows(data))
    if Path(filename).suffix.lower() not in ("", ".csv", ".txt"):
        raise NoticeError("请上传 .csv 或 .xlsx 文件（列：date,workday,name）。")
    return parse_rows(_csv_rows(data))


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return [(n, next(csv.reader([line]))) for n, line in enumerate(text.splitlines(), start=1)
            if line.strip() and not line.lstrip().startswith("#")]


def _xlsx_rows(data: bytes) -> list[tuple[int, list[Any]]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise NoticeError(f"无法读取 XLSX 文件：{exc}") from None
    sheet = book.worksheets[0]
    rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(c not in (None, "") for c in r)]
    book.close()
    return rows


def _text(cell: Any) -> str:
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return "" if cell is None else str(cell).strip()


def parse_rows(rows: Iterable[tuple[int, list[Any]]]) -> Notice:
    """Check every row; raise NoticeError naming the first bad one, so nothing half-enters."""
    rows = list(rows)
    if not rows:
        raise NoticeError("文件为空：需要表头 date,workday,name 和至少一行。")
    header_no, header = rows[0]
    columns = [_text(c).lower() for c in header]
    if "date" not in columns or "workday" not in columns:
        raise NoticeError(f"第{header_no}行：表头应为 date,workday,name（收到 {','.join(columns)}）。")
    at_date, at_flag = columns.index("date"), columns.index("workday")
    at_name = next((columns.index(a) for a in NAME_ALIASES if a in columns), None)
    days: dict[date, NoticeDay] = {}
    first_row: dict[int, int] = {}  # year -> the first row naming it
    for no, row in rows[1:]:
        cells = [_text(c) for c in row] + [""] * len(columns)
        raw_day, raw_flag = cells[at_date], cells[at_flag]
        name = cells[at_name] if at_name is not None else ""
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise NoticeError(f"第{no}行：日期“{raw_day}”无效，应为 2027-02-08 这样的格式。") from None
        flag = raw_flag.lower()
        if flag not in TRUE | FALSE:
            raise NoticeError(f"第{no}行：workday 应为 1（上班）或 0（放假），收到“{raw_flag}”。")
        if len(name) > MAX_NAME:
            raise NoticeError(f"第{no}行：名称过长（上限 {MAX_NAME} 字）。")
        if day in days:
            raise NoticeError(f"第{no}行：日期 {day} 重复。")
        days[day] = NoticeDay(day, flag in TRUE, name)
        first_row.setdefault(day.year, no)
    if not first_row:
        raise NoticeError("文件没有日期行：请至少填写一行放假或调休安排。")
    years = list(first_row)
    if len(years) > 1:
        raise NoticeError(f"第{first_row[years[1]]}行：一个文件只能包含一个年度（此前为 "
                          f"{years[0]} 年，此行为 {years[1]} 年）。")
    return Notice(years[0], tuple(sorted(days.values(), key=lambda d: d.date)))


def notice_csv(notice: Notice) -> str:
    """The notice as CSV text (the dashboard's confirm step carries it back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "workday", "name"])
    for d in notice.days:
        writer.writerow([d.date.isoformat(), int(d.workday), d.name])
    return out.getvalue()
