"""The dashboard's calendar page: preview, confirm, who entered it, admins only; the overview
notice while a year runs on the estimate."""
from __future__ import annotations

import io
import re
from datetime import datetime
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from config import TZ
from models import CalendarDay, Case
from tests.support.calendar import NOTICE
from tests.support.dashboard import ADMIN, UNIT_USER, Seeded, csrf_token, seed, sign_in
from tests.support.district import make_case

NOTICE_TEXT = "尚未录入，办理时限暂按估算"


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def upload(client: Any, data: bytes, name: str = "2027.csv") -> Any:
    token = csrf_token(client.get("/dashboard/calendar/").get_data(True))
    return client.post("/dashboard/calendar/preview", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), name)})


def office_days(runtime: Any) -> int:
    with runtime.sessions.begin() as s:
        return int(s.scalar(select(func.count()).select_from(CalendarDay)))


def test_preview_then_confirm_records_who_and_lists_moved_cases(client: Any, runtime: Any,
                                                                 seeded: Seeded) -> None:
    with runtime.sessions.begin() as s:
        make_case(s, runtime.config, "D01-S01-C01", datetime(2027, 2, 1, 10, tzinfo=TZ),
                  "JC202702010001", ptype="其他")
    assert sign_in(client, *ADMIN).status_code == 302
    page = upload(client, NOTICE.encode())
    html = page.get_data(True)
    assert page.status_code == 200
    assert "预览：2027年节假日安排" in html and "放假7天，调休上班2天" in html
    assert "2027-02-13</td><td>六</td><td>上班</td><td>春节调休上班</td><td>分类办录入" in html
    assert "JC202702010001" in html and "2027-02-13 10:00" in html
    assert office_days(runtime) == 0  # a preview writes nothing
    notice = re.search(r'<textarea name="notice" hidden>(.*?)</textarea>', html, re.S)
    assert notice is not None
    done = client.post("/dashboard/calendar/confirm", data={
        "csrf_token": csrf_token(html), "notice": notice.group(1).replace("&#34;", '"'),
        "source_name": "2027.csv"})
    assert done.status_code == 200
    body = done.get_data(True)
    assert "已录入2027年节假日安排：9天（放假7天，调休上班2天）" in body
    assert "JC202702010001" in body
    with runtime.sessions.begin() as s:
        rows = s.scalars(select(CalendarDay)).all()
        assert {(r.entered_by, r.source_name) for r in rows} == {(ADMIN[0], "2027.csv")}
        case = s.scalar(select(Case).where(Case.number == "JC202702010001"))
        assert case.deadline_at.astimezone(TZ) == datetime(2027, 2, 10, 10, tzinfo=TZ)
    listing = client.get("/dashboard/calendar/").get_data(True)
    assert "<td>2027</td><td>9</td><td>office</td>" in listing
    assert "<td>2027</td><td>分类办录入</td>" in listing
    assert NOTICE_TEXT not in client.get("/dashboard/").get_data(True)


def test_xlsx_upload_previews(client: Any, seeded: Seeded) -> None:
    wb = Workbook()
    wb.active.append(["date", "workday", "name"])
    wb.active.append([datetime(2027, 10, 8), 0, "国庆节"])
    buf = io.BytesIO()
    wb.save(buf)
    sign_in(client, *ADMIN)
    html = upload(client, buf.getvalue(), "2027.xlsx").get_data(True)
    assert "2027-10-08</td><td>五</td><td>放假</td><td>国庆节</td><td>分类办录入" in html


def test_bad_row_is_named_and_nothing_written(client: Any, runtime: Any,
                                              seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    resp = upload(client, (NOTICE + "2027-13-01,0,x\n").encode())
    assert resp.status_code == 302
    page = client.get("/dashboard/calendar/").get_data(True)
    assert "无法读取节假日安排：第11行：日期“2027-13-01”无效" in page
    assert office_days(runtime) == 0


def test_unit_users_get_403(client: Any, runtime: Any, seeded: Seeded) -> None:
    sign_in(client, *UNIT_USER)
    token = csrf_token(client.get("/dashboard/").get_data(True))
    assert client.get("/dashboard/calendar/").status_code == 403
    assert client.post("/dashboard/calendar/preview", content_type="multipart/form-data", data={
        "csrf_token": token, "file": (io.BytesIO(NOTICE.encode()), "n.csv")}).status_code == 403
    assert client.post("/dashboard/calendar/confirm", data={
        "csrf_token": token, "notice": NOTICE}).status_code == 403
    assert office_days(runtime) == 0


def test_confirm_needs_csrf(client: Any, runtime: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    assert client.post("/dashboard/calendar/confirm", data={"notice": NOTICE}).status_code == 400
    assert office_days(runtime) == 0


def test_overview_notice_from_1_november(client: Any, clock: Any, seeded: Seeded) -> None:
    sign_in(client, *UNIT_USER)
    html = client.get("/dashboard/").get_data(True)  # 23 Nov 2026: 2027 is on the estimate
    assert "2027年的节假日安排尚未录入，办理时限暂按估算（法定节假日，不含调休）计算" in html
    assert "请分类办在国务院通知发布后录入" in html
    clock.set(datetime(2026, 10, 31, 10, tzinfo=TZ))
    assert NOTICE_TEXT not in client.get("/dashboard/").get_data(True)
