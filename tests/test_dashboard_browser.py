"""The office's and a unit's day in headless Chromium (Debian's package, no downloads)."""
from __future__ import annotations

import os
from typing import Any, Iterator

import pytest

from models.cases import CLOSED
from tests.support.settings import deliver
from tests.support.dashboard import ADMIN, REPORTER, UNIT_USER, Seeded, case_row, seed
from tests.support.served import serve_in_thread

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is not installed "
                                       "(run scripts/install-browser.sh as root)")


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app on a loopback port, served from a thread."""
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def signed_in(browser: Any, server: str, name: str, password: str) -> Any:
    page = browser.new_page()
    page.goto(server + "/dashboard/")
    assert "/dashboard/login" in page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_selector("text=概览")
    return page


def test_wrong_password_then_sign_in(browser: Any, server: str, seeded: Seeded) -> None:
    page = browser.new_page()
    page.goto(server + "/dashboard/login")
    page.fill("input[name=name]", ADMIN[0])
    page.fill("input[name=password]", "not-it")
    page.click("button[type=submit]")
    assert page.locator(".flash.error").inner_text() == "用户名或密码错误。"
    page = signed_in(browser, server, *ADMIN)
    assert page.locator(".stat").first.inner_text().startswith("未办结")
    page.click("text=退出")
    page.goto(server + "/dashboard/cases/")
    assert "/dashboard/login" in page.url


def test_unit_user_gets_404_for_another_units_case(browser: Any, server: str,
                                                   seeded: Seeded) -> None:
    page = signed_in(browser, server, *UNIT_USER)
    page.click("nav >> text=案件")
    rows = page.locator("table tr td:first-child a").all_inner_texts()
    assert rows == [seeded.own_number]
    response = page.goto(f"{server}/dashboard/cases/{seeded.other_case}")
    assert response is not None and response.status == 404
    assert seeded.other_number not in page.content()


def test_reroute_and_close_in_the_browser(browser: Any, server: str, runtime: Any,
                                          fake_wechat: Any, seeded: Seeded) -> None:
    page = signed_in(browser, server, *ADMIN)
    page.goto(f"{server}/dashboard/cases/{seeded.own_case}")
    assert "<script>alert" in page.locator(".description").inner_text()  # shown as text
    page.select_option("#act-dispatch select[name=unit_id]",
                       str(seeded.unit_ids["D01-S02-C01"]))
    page.fill("#act-dispatch input[name=note]", "地址属湖滨社区")
    page.click("#act-dispatch button")
    page.wait_for_selector("text=已派单")
    deliver(runtime)
    assert any(seeded.own_number in m for m in fake_wechat.messages_to("o_cadre_hb"))
    assert any("湖滨社区" in m for m in fake_wechat.messages_to(REPORTER))
    for form in ("#act-accept", "#act-rectify", "#act-close"):
        page.click(f"{form} button")
        page.wait_for_load_state()
    page.wait_for_selector("text=已办结")
    deliver(runtime)
    assert case_row(runtime, seeded.own_case).status == CLOSED
    assert any("已办结" in m for m in fake_wechat.messages_to(REPORTER))
    assert page.locator(".timeline li").count() >= 6


def test_kb_edit_in_the_browser_changes_the_bots_answer(browser: Any, server: str, user: Any,
                                                        seeded: Seeded) -> None:
    assert "有害垃圾" not in (user.say("星际罗盘") or "")
    page = signed_in(browser, server, *ADMIN)
    page.click("nav >> text=知识库")
    page.click("text=添加此物品")
    assert page.input_value("input[name=name]") == "星际罗盘"
    page.select_option("select[name=category]", "有害垃圾")
    page.fill("textarea[name=tip]", "含电池，请投入有害垃圾桶")
    page.click("#kb-edit button[type=submit]")
    page.wait_for_selector("text=已保存")
    reply = user.say("星际罗盘") or ""
    assert "有害垃圾" in reply and "含电池" in reply


def _ready_map(page: Any) -> Any:
    page.wait_for_selector("#map[data-state=ready]", timeout=15000)
    return page.locator("#map")


def test_maps_draw_areas_and_cases_without_a_tile_server(browser: Any, server: str,
                                                         seeded: Seeded) -> None:
    page = signed_in(browser, server, *ADMIN)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.reload()
    overview = _ready_map(page)
    assert overview.get_attribute("data-points") == "2"
    assert int(overview.get_attribute("data-areas") or 0) >= 15  # the demo district's units
    assert "no-tiles" in (overview.get_attribute("class") or "")
    assert page.locator("#map path.case-point").count() == 2
    assert page.locator("#map path.unit-area").count() >= 15
    assert page.locator("#map .leaflet-tile").count() == 0  # nothing fetched from outside
    page.locator("#map path.case-point").first.click(force=True)
    assert page.locator(".leaflet-popup-content a").inner_text() in (seeded.own_number,
                                                                     seeded.other_number)
    page.goto(f"{server}/dashboard/cases/{seeded.own_case}")
    case_map = _ready_map(page)
    assert (case_map.get_attribute("data-points"), case_map.get_attribute("data-areas")) == (
        "1", "1")
    page.goto(f"{server}/dashboard/units/{seeded.unit_ids['D01-S01']}")
    assert _ready_map(page).get_attribute("data-areas") == "1"
    assert errors == []  # no CSP violation, no script error


def test_bulletin_download_in_the_browser(browser: Any, server: str, seeded: Seeded,
                                         tmp_path: Any) -> None:
    from docx import Document

    page = signed_in(browser, server, *ADMIN)
    page.click("nav >> text=通报")
    page.fill("input[name=period]", "2026-11")
    with page.expect_download() as info:
        page.click("form.filters button")
    download = info.value
    assert download.suggested_filename == "bulletin-2026-11.docx"
    path = tmp_path / download.suggested_filename
    download.save_as(str(path))
    doc = Document(str(path))
    assert doc.paragraphs[0].text == "2026年11月生活垃圾分类工作月度通报"
    assert [c.text for c in doc.tables[0].rows[1].cells] == ["2", "0", "0.0%", "0.0%", "—"]
