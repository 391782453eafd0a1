"""Dashboard through Flask's test client: sign-in, scoping, CSRF, escaping, actions, exports."""
from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from click.testing import Result
from openpyxl import load_workbook

from models.cases import CLOSED, DISPATCHED, IN_PROGRESS, RECTIFIED
from tests.support.settings import deliver
from tests.support.dashboard import (ADMIN, REPORTER, UNIT_USER, Seeded, case_row,
                                          csrf_token, post_form, seed, sign_in, user_row)


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def _fill(rule: Any, d: Seeded) -> str:
    """A URL for the rule, pointing at things outside the unit user's street."""
    values: dict[str, Any] = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__
        if arg == "photo_id":
            values[arg] = d.other_photo
        elif conv == "IntegerConverter":
            values[arg] = d.other_case
        elif arg == "number":
            values[arg] = d.other_number
        elif arg == "filename":
            values[arg] = "style.css"
        elif arg == "fmt":
            values[arg] = "json" if rule.endpoint.startswith("open311.") else "csv"
        else:
            values[arg] = "accept"
    return rule.build(values, append_unknown=False)[1]


def _rules(app: Any) -> list[Any]:
    return [r for r in app.url_map.iter_rules()
            if r.rule.startswith(("/dashboard", "/open311"))]


def test_every_dashboard_and_api_route_refuses_anonymous_callers(app: Any, client: Any,
                                                                  seeded: Seeded) -> None:
    public = {"auth.login", "auth.static", "open311.discovery"}
    # GeoReport v2 reads are public by default (OPEN311_READ_NEEDS_KEY); filing needs a key.
    public_reads = {"open311.services", "open311.list_requests", "open311.one_request",
                    "open311.media"}
    checked = 0
    for rule in _rules(app):
        if rule.endpoint in public:
            continue
        url = _fill(rule, seeded)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method)
            if rule.endpoint in public_reads and method == "GET":
                assert resp.status_code in (200, 404), (method, url, resp.status_code)
            elif rule.endpoint.startswith("open311."):
                assert resp.status_code == 401, (method, url)
                assert resp.get_json()[0]["code"] == 401
            else:
                assert resp.status_code == 302, (method, url, resp.status_code)
                assert "/dashboard/login" in resp.headers["Location"]
            checked += 1
    assert checked >= 20


def test_unit_user_sees_only_their_street(app: Any, client: Any, seeded: Seeded) -> None:
    assert sign_in(client, *UNIT_USER).status_code == 302
    token = csrf_token(client.get("/dashboard/").get_data(True))
    for rule in _rules(app):
        if rule.endpoint.startswith("open311.") or rule.endpoint in ("auth.login", "auth.static",
                                                                     "auth.logout"):
            continue
        url = _fill(rule, seeded)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, data={"csrf_token": token, "unit_id": "1"})
            if rule.arguments - {"fmt"}:  # a specific case, photo, task or item elsewhere
                assert resp.status_code in (403, 404), (method, url, resp.status_code)
            elif rule.endpoint.startswith(("kb.", "outbox.", "imports.", "plans.", "calendar.",
                                            "bulletins.")):
                assert resp.status_code == 403, (method, url)
            else:
                assert resp.status_code == 200, (method, url, resp.status_code)
                assert seeded.other_number not in resp.get_data(True), url
    assert client.get(f"/dashboard/cases/{seeded.other_case}").status_code == 404
    own = client.get(f"/dashboard/cases/{seeded.own_case}")
    assert own.status_code == 200 and seeded.own_number in own.get_data(True)
    assert client.get(f"/dashboard/photos/{seeded.own_photo}").status_code == 200
    listing = client.get("/dashboard/cases/").get_data(True)
    assert seeded.own_number in listing and seeded.other_number not in listing


def test_sign_in_wrong_password_lockout_and_expiry(client: Any, runtime: Any, clock: Any,
                                                   seeded: Seeded) -> None:
    assert sign_in(client, ADMIN[0], "wrong").status_code == 401
    for _ in range(4):
        sign_in(client, ADMIN[0], "wrong")
    assert user_row(runtime, ADMIN[0]).locked_until is not None
    locked = sign_in(client, *ADMIN)  # the right password does not help while locked
    assert locked.status_code == 401 and "锁定" in locked.get_data(True)
    clock.advance(minutes=16)
    assert sign_in(client, *ADMIN).status_code == 302
    assert client.get("/dashboard/").status_code == 200
    clock.advance(hours=9)
    assert client.get("/dashboard/").status_code == 302  # the session ran out


def test_forms_without_a_valid_csrf_token_are_refused(client: Any, runtime: Any,
                                                      seeded: Seeded) -> None:
    page = client.get("/dashboard/login")
    assert client.post("/dashboard/login", data={"name": ADMIN[0], "password": ADMIN[1]}
                       ).status_code == 400
    assert csrf_token(page.get_data(True))
    sign_in(client, *ADMIN)
    url = f"/dashboard/cases/{seeded.own_case}/act/reject"
    assert client.post(url, data={"reason": "x"}).status_code == 400
    assert client.post(url, data={"reason": "x", "csrf_token": "forged"}).status_code == 400
    assert case_row(runtime, seeded.own_case).status == DISPATCHED


def test_resident_text_is_escaped(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    html = client.get(f"/dashboard/cases/{seeded.own_case}").get_data(True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;垃圾桶满了" in html
    assert "<script>" not in client.get("/dashboard/cases/?q=垃圾桶").get_data(True)


def test_reroute_and_close_send_the_right_messages(client: Any, runtime: Any, fake_wechat: Any,
                                                   seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    page = f"/dashboard/cases/{seeded.own_case}"
    hubin = seeded.unit_ids["D01-S02-C01"]
    resp = post_form(client, page, page + "/act/dispatch", {"unit_id": str(hubin),
                                                            "note": "地址属湖滨社区"})
    assert resp.status_code == 302
    deliver(runtime)
    case = case_row(runtime, seeded.own_case)
    assert case.unit_id == hubin and case.events[-1].action == "reroute"
    assert case.events[-1].actor == ADMIN[0]
    assert any(seeded.own_number in m for m in fake_wechat.messages_to("o_cadre_hb"))
    assert any("湖滨社区" in m for m in fake_wechat.messages_to(REPORTER))
    for action in ("accept", "rectify", "close"):
        post_form(client, page, f"{page}/act/{action}", {"note": "已清理"})
    deliver(runtime)
    case = case_row(runtime, seeded.own_case)
    assert case.status == CLOSED
    assert [e.to_status for e in case.events[-3:]] == [IN_PROGRESS, RECTIFIED, CLOSED]
    assert any("已办结" in m for m in fake_wechat.messages_to(REPORTER))
    html = client.get(page).get_data(True)
    assert "核查办结" in html and "改派" in html


def test_refused_transition_is_shown_not_applied(client: Any, runtime: Any,
                                                 seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    page = f"/dashboard/cases/{seeded.own_case}"
    resp = post_form(client, page, page + "/act/close", {})
    assert resp.status_code == 302
    assert "核查" in client.get(page).get_data(True)
    assert case_row(runtime, seeded.own_case).status == DISPATCHED


def test_unit_user_may_not_close_or_reroute(client: Any, runtime: Any, seeded: Seeded) -> None:
    sign_in(client, *UNIT_USER)
    page = f"/dashboard/cases/{seeded.own_case}"
    assert post_form(client, page, page + "/act/reject", {"reason": "x"}).status_code == 403
    assert post_form(client, page, page + "/act/accept", {}).status_code == 302
    assert case_row(runtime, seeded.own_case).status == IN_PROGRESS
    assert case_row(runtime, seeded.own_case).events[-1].actor_kind == "cadre"


def test_kb_edit_changes_the_bots_answer(client: Any, user: Any, seeded: Seeded) -> None:
    before = user.say("量子纠缠器")
    assert "有害垃圾" not in (before or "")
    sign_in(client, *ADMIN)
    misses = client.get("/dashboard/kb/").get_data(True)
    assert "量子纠缠器" in misses
    resp = post_form(client, "/dashboard/kb/edit?name=量子纠缠器", "/dashboard/kb/edit",
                     {"name": "量子纠缠器", "category": "有害垃圾", "aliases": "纠缠器",
                      "tip": "折断后投放"})
    assert resp.status_code == 302
    assert "有害垃圾" in (user.say("量子纠缠器") or "")
    assert "量子纠缠器" not in client.get("/dashboard/kb/").get_data(True).split("未能回答")[1] \
        .split("分类办的修改")[0]
    bad = post_form(client, "/dashboard/kb/edit", "/dashboard/kb/edit",
                    {"name": "x", "category": "不存在"})
    assert bad.status_code == 400


def test_exports_read_back(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    xlsx = client.get("/dashboard/export/cases.xlsx")
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and {r[0] for r in rows[1:]} == {seeded.own_number,
                                                                 seeded.other_number}
    text = client.get("/dashboard/export/cases.csv?status=open&type=混投错投").data.decode(
        "utf-8-sig")
    found = list(csv.reader(io.StringIO(text)))
    assert [r[0] for r in found[1:]] == [seeded.own_number]
    assert client.get("/dashboard/export/rankings.xlsx").status_code == 200
    assert client.get("/dashboard/export/cases.pdf").status_code == 404


def test_case_filters(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    by_unit = client.get(f"/dashboard/cases/?unit={seeded.unit_ids['D01-S02']}").get_data(True)
    assert seeded.other_number in by_unit and seeded.own_number not in by_unit
    assert seeded.own_number not in client.get("/dashboard/cases/?overdue=1").get_data(True)
    future = client.get("/dashboard/cases/?from=2027-01-01").get_data(True)
    assert seeded.own_number not in future and "没有符合条件" in future
    overview = client.get("/dashboard/").get_data(True)
    assert re.search(r"未办结</span><b>2<", overview)


def test_users_and_apikeys_commands(app: Any, runtime: Any, seeded: Seeded) -> None:
    runner = app.test_cli_runner()
    made: Result = runner.invoke(args=["users", "create", "jiedao", "--role", "unit", "--unit",
                                       "D01-S02"], input="long-enough-pw\n")
    assert made.exit_code == 0, made.output
    assert user_row(runtime, "jiedao").unit_id == seeded.unit_ids["D01-S02"]
    short = runner.invoke(args=["users", "create", "x", "--role", "admin"], input="short\n")
    assert short.exit_code != 0
    key = runner.invoke(args=["apikeys", "create", "city", "--write"])
    assert key.exit_code == 0 and len(key.output.strip()) >= 40
    client = app.test_client()
    assert sign_in(client, "jiedao", "long-enough-pw").status_code == 302


def test_unit_import_checks_files_and_invitations(client: Any, runtime: Any,
                                                  seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    token = csrf_token(client.get("/dashboard/units/").get_data(True))

    def upload(name: str, data: bytes) -> str:
        resp = client.post("/dashboard/units/import", data={
            "csrf_token": token, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data", follow_redirects=True)
        return resp.get_data(True)

    assert "请上传" in upload("units.exe", b"MZ")
    assert "导入失败" in upload("units.xlsx", b"not a zip")
    good = "code,name,kind,parent_code\nD01-S01-C09,新村社区,community,D01-S01\n"
    assert "导入完成" in upload("units.csv", good.encode())
    assert "新村社区" in client.get("/dashboard/units/").get_data(True)
    invited = client.post("/dashboard/units/invite", data={
        "csrf_token": token, "unit_code": "D01-S01-C09", "name": "<b>王</b>"},
        follow_redirects=True).get_data(True)
    assert re.search(r"邀请码：[A-Z0-9]{8}", invited) and "<b>王</b>" not in invited


def test_plan_upload_creates_tasks_and_lists_unknown_units(client: Any, runtime: Any,
                                                           seeded: Seeded) -> None:
    from pathlib import Path

    from sqlalchemy import func, select

    from models import Task

    fixture = Path(__file__).parent / "domain" / "fixtures" / "plan_000_excerpt.txt"
    sign_in(client, *ADMIN)
    token = csrf_token(client.get("/dashboard/tasks/").get_data(True))
    resp = client.post("/dashboard/tasks/plans/upload", data={
        "csrf_token": token, "issued": "2024-01-11", "title": "整改方案",
        "file": (io.BytesIO(fixture.read_bytes()), "plan.txt")},
        content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(True)
    assert "已导入" in page and "未识别的单位" in page
    with runtime.sessions.begin() as s:
        assert s.scalar(select(func.count()).select_from(Task)) > 0
        first = s.scalar(select(Task).where(Task.number == "1"))
        assert first is not None and first.due_dates == ["2024-01-20"]


def test_plan_upload_refuses_bad_files_and_unit_users(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    token = csrf_token(client.get("/dashboard/tasks/").get_data(True))
    resp = client.post("/dashboard/tasks/plans/upload", data={
        "csrf_token": token, "issued": "2024-01-11",
        "file": (io.BytesIO(b"MZ\x90\x00"), "plan.exe")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "请上传" in resp.get_data(True)
    client.get("/dashboard/logout")
    sign_in(client, *UNIT_USER)
    token = csrf_token(client.get("/dashboard/tasks/").get_data(True))
    resp = client.post("/dashboard/tasks/plans/upload", data={
        "csrf_token": token, "issued": "2024-01-11",
        "file": (io.BytesIO("1.问题\n完成时限：3月底前\n".encode()), "plan.txt")},
        content_type="multipart/form-data")
    assert resp.status_code == 403


def test_the_site_root_redirects_to_the_dashboard(client: Any) -> None:
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/dashboard/"


def test_dashboard_shows_words_not_codes(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    html = client.get(f"/dashboard/cases/{seeded.own_case}").get_data(True)
    assert "<dt>来源</dt><dd>微信</dd>" in html and "<dt>派单方式</dt><dd>按区域</dd>" in html
    assert "按区域自动派单" in html and "自动派单（area）" not in html and "来源：微信" in html
    assert "整改前（上报照片）" in html
    listing = client.get("/dashboard/cases/").get_data(True)
    assert listing.count('placeholder="YYYY-MM-DD"') == 2 and 'type="date"' not in listing
    units = client.get("/dashboard/units/").get_data(True)
    assert "<td>街道</td>" in units and "<td>street</td>" not in units
