"""Reading the office's spreadsheets: CSV or XLSX rows as dicts keyed by the header row."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any


class TableFormatError(ValueError):
    """The file is neither CSV nor XLSX."""


def read_rows(path: str | Path) -> list[dict[str, Any]]:
    """Data rows of a .csv (UTF-8, with or without BOM) or .xlsx file; blank rows skipped."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise TableFormatError(f"{path.name}: expected .csv or .xlsx")


def _xlsx_rows(path: Path) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = list(wb.active.iter_rows(values_only=True)) if wb.active else []
    finally:
        wb.close()
    if not rows:
        return []
    header = [str(h or "").strip() for h in rows[0]]
    return [{h: v for h, v in zip(header, r) if h} for r in rows[1:]
            if any(v is not None and str(v).strip() for v in r)]
