"""Parsing a year's holiday notice (domain.calendar_notice): CSV, XLSX, bad rows."""
from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from domain.calendar_notice import NoticeDay, NoticeError, notice_csv, parse_notice

CSV = ("# 2027 notice\ndate,workday,name\n2027-02-06,0,春节\n2027-02-14,1,春节调休上班\n"
       "2027-02-05,休,春节\n")


def test_csv_rows_sorted_with_flags_and_names() -> None:
    notice = parse_notice("n.csv", CSV.encode("utf-8-sig"))
    assert notice.year == 2027
    assert notice.days == (NoticeDay(date(2027, 2, 5), False, "春节"),
                           NoticeDay(date(2027, 2, 6), False, "春节"),
                           NoticeDay(date(2027, 2, 14), True, "春节调休上班"))
    assert (notice.holidays, notice.workdays) == (2, 1)
    assert parse_notice("n.csv", notice_csv(notice).encode()) == notice


def test_gb18030_csv_and_note_column() -> None:
    data = "date,workday,note\n2027-10-01,0,国庆节\n".encode("gb18030")
    assert parse_notice("n.csv", data).days == (NoticeDay(date(2027, 10, 1), False, "国庆节"),)


def test_xlsx_with_date_cells() -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["date", "workday", "name"])
    ws.append([datetime(2027, 2, 8), 0, "春节"])
    ws.append(["2027-02-20", 1, "春节调休上班"])
    buf = io.BytesIO()
    wb.save(buf)
    notice = parse_notice("notice.xlsx", buf.getvalue())
    assert notice.days == (NoticeDay(date(2027, 2, 8), False, "春节"),
                           NoticeDay(date(2027, 2, 20), True, "春节调休上班"))


@pytest.mark.parametrize(("text", "message"), [
    ("date,workday,name\n2027-02-30,0,春节\n", "第2行：日期“2027-02-30”无效"),
    ("# c\ndate,workday,name\n2027-02-06,0,春节\n2027-02-07,maybe,春节\n",
     "第4行：workday 应为 1（上班）或 0（放假），收到“maybe”"),
    ("date,workday,name\n2027-02-06,0,春节\n2027-02-06,0,春节\n", "第3行：日期 2027-02-06 重复"),
    ("date,workday,name\n2027-02-06,0,春节\n2028-01-01,0,元旦\n", "第3行：一个文件只能包含一个年度"),
    ("day,flag\n2027-02-06,0\n", "第1行：表头应为 date,workday,name"),
    ("date,workday,name\n", "文件没有日期行"),
    ("", "文件为空"),
    ("date,workday,name\n2027-02-06,0," + "长" * 33 + "\n", "第2行：名称过长"),
])
def test_bad_files_name_the_row(text: str, message: str) -> None:
    with pytest.raises(NoticeError, match=message):
        parse_notice("n.csv", text.encode())


def test_other_formats_and_broken_xlsx_refused() -> None:
    with pytest.raises(NoticeError, match="请上传 .csv 或 .xlsx"):
        parse_notice("n.pdf", b"%PDF")
    with pytest.raises(NoticeError, match="无法读取 XLSX"):
        parse_notice("n.xlsx", b"not a zip")
