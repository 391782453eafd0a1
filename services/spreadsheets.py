"""Reading the office's spreadsheets: CSV or XLSX rows keyed by a header found among title rows."""
from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEADER_SEARCH_ROWS = 10  # title rows above the header: a sheet's name, a date, a note


class TableFormatError(ValueError):
    """The file is neither CSV nor XLSX, or no header row with the expected columns was found."""


class SheetRow(dict[str, Any]):
    """One data row keyed by column; `line` is its row number as Excel shows it."""

    def __init__(self, values: Mapping[str, Any], line: int) -> None:
        super().__init__(values)
        self.line = line


def row_label(row: Mapping[str, Any], index: int) -> str:
    """'第5行' for a sheet row; '第3条' for a record with no sheet line (GeoJSON, a list)."""
    return f"第{row.line}行" if isinstance(row, SheetRow) else f"第{index + 1}条"


@dataclass(frozen=True)
class RowProblem:
    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}：{self.reason}"


class SheetImportError(ValueError):
    """Rows that cannot be imported, every one with its place and reason; nothing was written."""

    def __init__(self, problems: Sequence[RowProblem | str]) -> None:
        self.problems = [p if isinstance(p, RowProblem) else RowProblem("文件", p)
                         for p in problems]
        super().__init__("\n".join(map(str, self.problems)))

    def report(self, name: str) -> str:
        """'units.xlsx：3 处问题，未写入任何数据：' and one indented line per problem."""
        return "\n".join([f"{name}：{len(self.problems)} 处问题，未写入任何数据："]
                         + [f"  {p}" for p in self.problems])


@dataclass
class ImportReport:
    """What an import created and updated (or would have, in a dry run)."""
    noun: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    dry_run: bool = False

    def __str__(self) -> str:
        tail = " (dry run: nothing written)" if self.dry_run else ""
        return f"{self.noun}: {len(self.created)} created, {len(self.updated)} updated{tail}"

    def lines(self) -> list[str]:
        """The summary, then one line listing the created and one the updated."""
        out = [str(self)]
        out += [f"  created: {', '.join(self.created)}"] if self.created else []
        out += [f"  updated: {', '.join(self.updated)}"] if self.updated else []
        return out


def read_rows(path: str | Path, columns: Mapping[str, Sequence[str]],
              required: Sequence[str]) -> list[SheetRow]:
    """Data rows of a .csv (UTF-8, with or without BOM) or .xlsx file, keyed by column name.

    `columns` maps each column name to the headers the office writes for it (单位编码, code);
    the header is the first of the top rows holding every `required` column. Blank rows are
    skipped; each row keeps its sheet line number.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_text(encoding="utf-8-sig")
        grid: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text))]
    elif suffix in (".xlsx", ".xlsm"):
        grid = _xlsx_grid(path)
    else:
        raise TableFormatError(f"{path.name}：应为 .csv 或 .xlsx 文件")
    return _keyed_rows(grid, columns, required)


def _xlsx_grid(path: Path) -> list[list[Any]]:
    """The active sheet's values; every cell of a merged range holds its top-left value."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # Not read_only: read-only sheets do not know their merged cells.
    try:
        wb = load_workbook(path, data_only=True)
    except (zipfile.BadZipFile, KeyError, InvalidFileException) as exc:  # not a workbook inside
        raise TableFormatError("不是有效的 .xlsx 文件，无法打开（请在 Excel 或 WPS 中另存为 .xlsx）") from exc
    try:
        ws = wb.active
        if ws is None:
            return []
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        for merged in ws.merged_cells.ranges:
            value = grid[merged.min_row - 1][merged.min_col - 1]
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                for c in range(merged.min_col - 1, min(merged.max_col, len(grid[r]))):
                    grid[r][c] = value
    finally:
        wb.close()
    return grid


def _header_key(text: Any) -> str:
    """'单位编码*', ' Code ', '半径（米）' → '单位编码', 'code', '半径'."""
    key = re.sub(r"\s+", "", str(text or "")).lower()
    key = re.sub(r"[(（][^)）]*[)）]$", "", key)
    return key.strip("*＊")


def _keyed_rows(grid: list[list[Any]], columns: Mapping[str, Sequence[str]],
                required: Sequence[str]) -> list[SheetRow]:
    names = {_header_key(alias): name for name, aliases in columns.items()
             for alias in (name, *aliases)}
    for top, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        header = [names.get(_header_key(c), str(c or "").strip()) for c in cells]
        if all(name in header for name in required):
            break
    else:
        if not any(any(_filled(v) for v in r) for r in grid):
            return []
        wanted = "、".join(f"{columns[n][0]}（{n}）" for n in required)
        raise TableFormatError(f"前{HEADER_SEARCH_ROWS}行中找不到表头：需要一行包含列 {wanted}"
                               f"；可用的列名：{_known_headers(columns)}")
    return [SheetRow({h: v for h, v in zip(header, r) if h}, line)
            for line, r in enumerate(grid[top + 1:], start=top + 2)
            if any(_filled(v) for v in r)]


def _filled(value: Any) -> bool:
    return value is not None and bool(str(value).strip())


def _known_headers(columns: Mapping[str, Sequence[str]]) -> str:
    return "，".join(f"{aliases[0]}（{name}）" for name, aliases in columns.items())
