"""Rectification plans (整改方案) from text, task tables, TSV and XLSX -> PlanTask records."""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from domain.deadlines import DeadlineSpec, parse_deadline

__all__ = ["PlanParse", "PlanTask", "detect_and_parse", "find_issue_date", "parse_plan_text",
           "parse_task_table", "parse_tsv", "parse_xlsx", "split_units"]


@dataclass(frozen=True)
class PlanTask:
    """One task; unit names are kept as written (groups like 各街道办事处 included)."""

    number: str
    title: str
    measures: str
    lead_units: tuple[str, ...]
    responsible_units: tuple[str, ...]
    deadline: DeadlineSpec
    deadline_text: str
    section: str = ""


@dataclass(frozen=True)
class PlanParse:
    """Parsed tasks plus human-readable warnings about what was not understood."""

    tasks: tuple[PlanTask, ...]
    warnings: tuple[str, ...] = ()


_UNIT_SPLIT = re.compile(r"[、，,;；/\s]+")
_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+、")
_NUMBERED = re.compile(r"^\s*(\d{1,3})\s*[.．、](?!\d)\s*(.*)$", re.S)
_FIELD = re.compile(r"^\s*(整改措施|牵头部门|牵头单位|责任部门|责任单位|完成时限|完成时间)\s*[:：]\s*(.*)$")
_ARTIFACT = re.compile(r"\[bookmark:[^\]]*\]\s*")
_ISSUE_DATE = re.compile(r"^\s*(\d{4})年(\d{1,2})月(\d{1,2})日\s*$")
_LEAD, _RESP, _DEADLINE = ("牵头部门", "牵头单位"), ("责任部门", "责任单位"), ("完成时限", "完成时间")


def split_units(text: str) -> tuple[str, ...]:
    """Split a unit list on 、，, and whitespace, keeping order and dropping repeats."""
    return tuple(dict.fromkeys(u for u in _UNIT_SPLIT.split(text.strip()) if u))


def find_issue_date(text: str) -> date | None:
    """The first date standing alone on a line (the signature date of a notice), if any."""
    for line in text.splitlines():
        if m := _ISSUE_DATE.match(line):
            try:
                return date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
    return None


# ------------------------------------------------------------------ seed-000 style prose
@dataclass
class _Draft:
    number: str
    title: list[str]
    measures: list[str]
    fields: dict[str, str]
    section: str
    in_measures: bool = False


def _finish(draft: _Draft | None, issued: date, tasks: list[PlanTask], warnings: list[str]) -> None:
    if draft is None or not draft.fields:
        return  # a numbered paragraph without any task field is not a task (e.g. 工作要求)
    deadline_text = next((draft.fields[k] for k in _DEADLINE if k in draft.fields), "")
    if not deadline_text:
        warnings.append(f"任务{draft.number}: 缺少完成时限")
    lead = next((draft.fields[k] for k in _LEAD if k in draft.fields), "")
    resp = next((draft.fields[k] for k in _RESP if k in draft.fields), "")
    tasks.append(PlanTask(
        number=draft.number, title="\n".join(draft.title).strip(),
        measures="\n".join(draft.measures).strip(), lead_units=split_units(lead),
        responsible_units=split_units(resp), deadline=parse_deadline(deadline_text, issued),
        deadline_text=deadline_text, section=draft.section,
    ))


def parse_plan_text(text: str, issued: date) -> PlanParse:
    """Numbered problems followed by 整改措施 / 牵头部门 / 责任部门 / 完成时限 lines."""
    tasks: list[PlanTask] = []
    warnings: list[str] = []
    draft: _Draft | None = None
    section = ""
    for raw in text.splitlines():
        line = _ARTIFACT.sub("", raw).strip()
        if not line:
            continue
        if _SECTION.match(line):
            _finish(draft, issued, tasks, warnings)
            draft, section = None, line
        elif m := _NUMBERED.match(line):
            _finish(draft, issued, tasks, warnings)
            draft = _Draft(m[1], [m[2]], [], {}, section)
        elif m := _FIELD.match(line):
            if draft is None:
                warnings.append(f"字段不属于任何任务: {line}")
                continue
            draft.in_measures = m[1] == "整改措施"
            draft.fields[m[1]] = m[2].strip()
            if draft.in_measures and m[2]:
                draft.measures.append(m[2])
        elif draft is not None:
            if draft.in_measures:
                draft.measures.append(line)
            elif not draft.fields:
                draft.title.append(line)
            else:
                warnings.append(f"任务{draft.number}: 无法识别的行: {line}")
    _finish(draft, issued, tasks, warnings)
    numbers = [t.number for t in tasks]
    warnings.extend(f"任务编号重复: {n}" for n in dict.fromkeys(n for n in numbers if numbers.count(n) > 1))
    return PlanParse(tuple(tasks), tuple(warnings))


# ------------------------------------------------------------------ task tables
def _header_offsets(row: list[str]) -> dict[str, int] | None:
    """Column positions counted from the right (the export left-pads merged cells)."""
    cells = [re.sub(r"\s+", "", c) for c in row]
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        for key, names in (("lead", _LEAD), ("resp", _RESP), ("deadline", _DEADLINE), ("remark", ("备注",))):
            if cell in names and key not in found:
                found[key] = len(cells) - i
    if "deadline" not in found or not ({"lead", "resp"} & found.keys()):
        return None
    return found


@dataclass
class _Context:
    section: str = ""
    group: str = ""
    group_title: str = ""
    subs: dict[int, str] = field(default_factory=dict)
    last_units: tuple[str, ...] = ()
    last_lead: tuple[str, ...] = ()


def _pad_missing_trailing(cells: list[str], offsets: dict[str, int], issued: date) -> list[str]:
    """Re-align a row whose empty trailing cells were dropped (its deadline sits too far right)."""
    off = offsets["deadline"]
    for _ in range(off - 1):
        if len(cells) < off:
            break
        here, right = cells[-off], cells[-off + 1]
        if not (right and parse_deadline(here, issued).needs_review
                and not parse_deadline(right, issued).needs_review):
            break
        cells = [*cells, ""]
    return cells


def _flat(cell: str) -> str:
    return re.sub(r"\s*\n\s*", "", cell).strip()


def parse_task_table(rows: list[list[str]], issued: date) -> PlanParse:
    """Task table: headings (一、), numbered groups (7.) carried down, measures, units, deadlines."""
    warnings: list[str] = []
    offsets: dict[str, int] | None = None
    drafts: list[tuple[str, PlanTask]] = []  # (group key, task with provisional number)
    ctx = _Context()
    for row in rows:
        cells = [("" if c is None else str(c)).strip() for c in row]
        if not any(cells):
            continue
        if offsets is None:
            offsets = _header_offsets(cells)
            if offsets is None:
                warnings.append(f"表头之前的内容已忽略: {' | '.join(c for c in cells if c)}")
            continue
        cells = _pad_missing_trailing(cells, offsets, issued)
        width = len(cells)
        first_right = max(offsets.values())
        if width < first_right:
            warnings.append(f"列数不足，已忽略: {' | '.join(c for c in cells if c)}")
            continue
        pick = {k: cells[width - off] for k, off in offsets.items()}
        texts: list[tuple[int, str]] = []
        for index, cell in enumerate(cells[: width - first_right]):
            if not cell:
                continue
            if _SECTION.match(_flat(cell)):
                ctx.section, ctx.group, ctx.group_title, ctx.subs = _flat(cell), "", "", {}
            elif m := _NUMBERED.match(cell):
                ctx.group, ctx.group_title, ctx.subs = m[1], _flat(m[2]).rstrip("。."), {}
            else:
                texts.append((index, cell))
        measure_at, measure = texts[-1] if texts else (len(cells), "")
        for index, sub in texts[:-1]:  # sub-headings: they also apply to the rows below
            ctx.subs = {k: v for k, v in ctx.subs.items() if k < index} | {
                index: _flat(sub).rstrip("。.：:")}
        ctx.subs = {k: v for k, v in ctx.subs.items() if k < measure_at}
        deadline_text, units_text = pick.get("deadline", ""), pick.get("resp", "")
        if not (measure or deadline_text or units_text):
            continue  # a heading-only row
        units, lead = split_units(units_text), split_units(pick.get("lead", ""))
        key = ctx.group or f"_{ctx.section}"
        if not units and not lead and drafts and drafts[-1][0] == key:
            units, lead = ctx.last_units, ctx.last_lead
            warnings.append(f"“{_flat(measure)[:20]}”责任单位为空，沿用上一行: {'、'.join(units + lead)}")
        if not deadline_text:
            warnings.append(f"“{_flat(measure)[:20]}”缺少完成时限")
        ctx.last_units, ctx.last_lead = units, lead
        subs = [v for _, v in sorted(ctx.subs.items())]
        title = "：".join([ctx.group_title, *subs]) if ctx.group_title else "：".join(subs)
        remark = pick.get("remark", "")
        drafts.append((key, PlanTask(
            number=ctx.group, title=title or _flat(measure)[:40],
            measures=f"{measure}\n备注：{remark}" if remark else measure,
            lead_units=lead, responsible_units=units,
            deadline=parse_deadline(deadline_text, issued), deadline_text=deadline_text,
            section=ctx.section,
        )))
    if offsets is None:
        warnings.append("未找到包含“责任单位”和“完成时限”的表头")
    return PlanParse(_numbered(drafts), tuple(warnings))


def _numbered(drafts: list[tuple[str, PlanTask]]) -> tuple[PlanTask, ...]:
    """Number tasks "7-2" inside group 7 ("7" when alone); ungrouped rows get a running count."""
    sizes: dict[str, int] = {}
    for key, _ in drafts:
        sizes[key] = sizes.get(key, 0) + 1
    seen: dict[str, int] = {}
    used: set[str] = set()
    out: list[PlanTask] = []
    for index, (key, task) in enumerate(drafts, start=1):
        seen[key] = seen.get(key, 0) + 1
        if not task.number:
            number = str(index)
        elif sizes[key] == 1:
            number = task.number
        else:
            number = f"{task.number}-{seen[key]}"
        base, extra = number, 1
        while number in used:  # an ungrouped running count may meet a group's number
            extra += 1
            number = f"{base}-{extra}"
        used.add(number)
        out.append(PlanTask(**{**task.__dict__, "number": number}))
    return tuple(out)


def _cell_per_line_rows(text: str) -> list[list[str]]:
    """Rows of a table exported one cell per line ("\\tcell"), rows separated by blank lines."""
    rows: list[list[str]] = []
    row: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("\t"):
            row = row if row is not None else []
            row.append(line[1:])
        elif not line.strip():
            if row:
                rows.append(row)
            row = None
        elif row:
            row[-1] += "\n" + line  # a multi-line cell continues
    if row:
        rows.append(row)
    return rows


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:  # malformed quoting: fall back to a plain split
        return [line.split(delimiter) for line in text.splitlines()]


def parse_tsv(text: str, issued: date) -> PlanParse:
    """Tab-separated task table: ordinary TSV, or the one-cell-per-line export of seed 003."""
    tab_lines = [line for line in text.splitlines() if "\t" in line]
    per_cell = [line for line in tab_lines if line.startswith("\t") and line.count("\t") == 1]
    if tab_lines and len(per_cell) >= 0.8 * len(tab_lines):
        rows = _cell_per_line_rows(text)
    else:
        rows = _csv_rows(text, "\t")
    return parse_task_table(rows, issued)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        return (value.date() if isinstance(value, datetime) else value).isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_xlsx(source: str | Path | bytes, issued: date) -> PlanParse:
    """First worksheet with a 责任单位/完成时限 header; same semantics as the text table."""
    from openpyxl import load_workbook  # imported here: only the importer needs it

    workbook = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source,
                             read_only=True, data_only=True)
    try:
        sheets = [[[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
                  for ws in workbook.worksheets]
    finally:
        workbook.close()
    for rows in sheets:
        if any(_header_offsets([c.strip() for c in r]) for r in rows):
            return parse_task_table(rows, issued)
    return PlanParse((), ("没有工作表包含“责任单位”和“完成时限”的表头",))


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def detect_and_parse(filename: str, data: bytes, issued: date) -> PlanParse:
    """Pick the parser from the file name and content (.xlsx, .tsv, .csv, or plain text)."""
    suffix = Path(filename).suffix.lower()
    if data[:2] == b"PK" or suffix in (".xlsx", ".xlsm"):
        return parse_xlsx(data, issued)
    if suffix in (".xls", ".doc", ".docx", ".pdf", ".wps"):
        raise ValueError(f"不支持的文件格式 {suffix}：请另存为 .xlsx、.tsv 或 .txt")
    text = _decode(data)
    if suffix == ".csv":
        return parse_task_table(_csv_rows(text, ","), issued)
    tabbed = re.findall(r"\t\s*([^\t\n]+)", text)
    has_table_header = any(_header_offsets(tabbed[i:i + 8]) for i in range(len(tabbed)))
    if suffix == ".tsv" or has_table_header:
        return parse_tsv(text, issued)
    return parse_plan_text(text, issued)
