"""A bulletin as a .docx that Word and WPS open: figures, chart, ranking, bottom five, tasks."""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from config import TZ
from reports.chart import bar_chart
from reports.figures import Bulletin

RANKING_HEADER = ("名次", "单位", "案件量", "按时办结率", "返工率", "末位")
OVERDUE_HEADER = ("单位", "编号", "问题类型", "地址", "办理期限", "状态")
TASK_HEADER = ("编号", "任务", "期限", "状态")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _fonts(doc: DocxDocument) -> None:
    """宋体 for Chinese text, as government documents use; Word and WPS both have it."""
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


def _table(doc: DocxDocument, header: tuple[str, ...], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row):
            cell.text = text


def bulletin_docx(b: Bulletin) -> bytes:
    """The whole bulletin as .docx bytes."""
    doc = Document()
    _fonts(doc)
    p = b.period
    doc.add_heading(f"{p.title}生活垃圾分类工作{p.kind}通报", level=0)
    doc.add_paragraph(f"统计期间：{p.first:%Y-%m-%d} 至 {p.after:%Y-%m-%d}（不含）；"
                      f"生成时间：{b.generated_at.astimezone(TZ):%Y-%m-%d %H:%M}")
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(
        f"本期受理纠错投诉案件{b.cases}件，已办结{b.closed}件；按时办结率{pct(b.on_time_rate)}，"
        f"返工率{pct(b.rework_rate)}；群众满意度"
        + (f"{b.satisfaction:.2f}分（满分3分，{b.rated}件评价）。" if b.satisfaction is not None
           else "暂无评价。"))
    _table(doc, ("案件量", "已办结", "按时办结率", "返工率", "满意度"),
           [[str(b.cases), str(b.closed), pct(b.on_time_rate), pct(b.rework_rate),
             "—" if b.satisfaction is None else f"{b.satisfaction:.2f}"]])
    doc.add_paragraph()
    doc.add_picture(io.BytesIO(bar_chart("案件问题类型分布", b.by_type)), width=Cm(15))
    doc.add_heading("二、单位排名", level=1)
    if b.ranking:
        _table(doc, RANKING_HEADER, [[str(r.rank), r.name, str(r.volume), pct(r.on_time_rate),
                                      pct(r.rework_rate), "是" if r.bottom else ""]
                                     for r in b.ranking])
    else:
        doc.add_paragraph("本期无参与排名的案件。")
    doc.add_heading("三、排名末位单位及超期案件", level=1)
    if b.bottom:
        doc.add_paragraph("、".join(r.name for r, _ in b.bottom) + "排名末位，请予约谈督促。")
        rows = [[c.unit, c.number, c.problem_type, c.address, c.deadline, c.status]
                for _, cases in b.bottom for c in cases]
        if rows:
            _table(doc, OVERDUE_HEADER, rows)
        else:
            doc.add_paragraph("末位单位本期无超期案件。")
    else:
        doc.add_paragraph("参与排名的单位不足，本期不设末位。")
    doc.add_heading("四、整改任务", level=1)
    done, late, pending = b.tasks_in("已完成"), b.tasks_in("逾期"), b.tasks_in("未到期")
    doc.add_paragraph(f"本期到期任务{len(b.tasks)}项，已完成{len(done)}项，逾期{len(late)}项，"
                      f"未到期{len(pending)}项。")
    if b.tasks:
        _table(doc, TASK_HEADER, [[t.number, t.title, t.due.isoformat(), t.state]
                                  for t in b.tasks])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def default_name(b: Bulletin) -> str:
    return f"bulletin-{b.period.key}.docx"


def write_bulletin(b: Bulletin, path: Path) -> Path:
    path.write_bytes(bulletin_docx(b))
    return path
