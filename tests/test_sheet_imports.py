"""The office's own unit and cadre sheets: every bad row at once, dry runs, title rows, merges."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from models import Cadre, Unit
from services.spreadsheets import TableFormatError, read_rows
from domain.org_words import UNIT_COLUMNS
from tests.support.dashboard import ADMIN, Seeded, csrf_token, seed, sign_in

TITLE = "某区生活垃圾分类责任单位名单（2026年11月）"
HEADER = ["单位编码", "名称", "类型", "上级", "地址关键词"]


def sheet(path: Path, rows: list[list[Any]], merges: tuple[str, ...] = (),
          titles: tuple[str, ...] = (TITLE,)) -> Path:
    """An XLSX as the office makes it: title rows merged across the table, then the header."""
    wb = Workbook()
    ws = wb.active
    for title in titles:
        ws.append([title])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row,
                       end_column=len(rows[0]))
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def count(runtime: Any, model: Any) -> int:
    with runtime.sessions.begin() as s:
        return int(s.scalar(select(func.count(model.id))))


BAD_UNITS = [HEADER,
             ["Q1", "某区分类办", "分类办", None, None],      # row 3: fine
             ["J1", "某街道", "星球", "Q1", None],            # row 4: unknown kind
             [None, "无编码社区", "社区", "J1", None],        # row 5: no code
             ["S1", "某社区", "社区", "NOPE", None],          # row 6: unknown parent
             ["Q1", "重复", "区", None, None]]                # row 7: duplicate code


def test_units_import_reports_every_bad_row_with_its_sheet_row_and_writes_nothing(
        app: Any, runtime: Any, tmp_path: Path) -> None:
    path = sheet(tmp_path / "units.xlsx", BAD_UNITS)
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "4 处问题，未写入任何数据" in result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip().startswith("第")]
    assert [line.split("：")[0] for line in lines] == ["第4行", "第5行", "第6行", "第7行"]
    assert "星球" in lines[0] and "单位编码" in lines[1] and "NOPE" in lines[2]
    assert "第3行" in lines[3]
    assert count(runtime, Unit) == 0


def test_cadres_import_reports_every_bad_row_and_writes_nothing(app: Any, runtime: Any,
                                                                 tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    units = sheet(tmp_path / "units.xlsx", BAD_UNITS[:2])
    assert runner.invoke(args=["units", "import", str(units)]).exit_code == 0
    path = sheet(tmp_path / "cadres.xlsx", [
        ["单位编码", "姓名", "角色", "手机"],
        ["Q1", "王主任", "主要负责人", 13800000000],   # row 3: fine
        ["NOPE", "李四", "成员", None],                # row 4: unknown unit
        ["Q1", None, "成员", None],                    # row 5: no name
        ["Q1", "赵五", "局长", None]])                 # row 6: unknown role
    result = runner.invoke(args=["cadres", "import", str(path)])
    assert result.exit_code != 0 and "3 处问题" in result.output
    for where, word in (("第4行", "NOPE"), ("第5行", "姓名"), ("第6行", "局长")):
        assert any(where in line and word in line for line in result.output.splitlines())
    assert count(runtime, Cadre) == 0


def test_dry_run_prints_the_same_report_and_writes_nothing(app: Any, runtime: Any,
                                                           tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = sheet(tmp_path / "units.xlsx", BAD_UNITS[:2] + [["J1", "某街道", "街道", "Q1", None]])
    dry = runner.invoke(args=["units", "import", "--dry-run", str(good)])
    assert dry.exit_code == 0, dry.output
    assert "units: 2 created, 0 updated (dry run: nothing written)" in dry.output
    assert "Q1 某区分类办" in dry.output and count(runtime, Unit) == 0
    real = runner.invoke(args=["units", "import", str(good)])
    assert real.output.replace(" (dry run: nothing written)", "") == dry.output.replace(
        " (dry run: nothing written)", "")
    bad = sheet(tmp_path / "bad.xlsx", BAD_UNITS)
    wet, dry = (runner.invoke(args=["units", "import", *flag, str(bad)])
                for flag in ((), ("--dry-run",)))
    assert dry.exit_code != 0 and dry.output == wet.output and "第7行" in dry.output
    cadres = tmp_path / "cadres.csv"
    cadres.write_text("unit_code,name,role\nJ1,王主任,负责人\nQ1,李科长,分管领导\n",
                      encoding="utf-8")
    dry = runner.invoke(args=["cadres", "import", "--dry-run", str(cadres)])
    assert "cadres: 2 created, 0 updated (dry run" in dry.output and count(runtime, Cadre) == 0
    assert count(runtime, Unit) == 2


def test_title_rows_above_a_chinese_header_import(app: Any, runtime: Any,
                                                  tmp_path: Path) -> None:
    path = sheet(tmp_path / "units.xlsx", [
        ["单位编码*", "单位名称", "单位类型", "上级单位编码", "辖区范围", "纬度", "经度", "半径（米）"],
        ["Q1", "某区分类办", "分类办", None, None, None, None, None],
        ["J1", "某街道办事处", "街道办事处", "Q1", "某路、某街", 31.2, 121.4, 500]],
        titles=(TITLE, "制表：区分类办    2026-11-30"))
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    with runtime.sessions.begin() as s:
        street = s.scalar(select(Unit).where(Unit.code == "J1"))
        assert (street.kind, street.parent.code, street.address_keywords, street.radius_m) == (
            "street", "Q1", "某路|某街", 500)


def test_merged_cells_take_the_top_left_value(app: Any, runtime: Any, tmp_path: Path) -> None:
    # The org-chart layout: one street's communities under a kind and a parent merged down.
    path = sheet(tmp_path / "units.xlsx", [
        HEADER,
        ["Q1", "某区分类办", "分类办", None, None],
        ["J1", "某街道", "街道", "Q1", None],
        ["S1", "一社区", "社区", "J1", "一路"],
        ["S2", "二社区", None, None, "二路"],
        ["S3", "三社区", None, None, "三路"]], merges=("C5:C7", "D5:D7"))
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    with runtime.sessions.begin() as s:
        got = {u.code: (u.kind, u.parent.code) for u in s.scalars(select(Unit))
               if u.code.startswith("S")}
    assert got == {"S1": ("community", "J1"), "S2": ("community", "J1"),
                   "S3": ("community", "J1")}


def test_a_sheet_without_a_recognisable_header_says_what_it_expected(
        app: Any, runtime: Any, tmp_path: Path) -> None:
    path = sheet(tmp_path / "units.xlsx", [["序号", "单位", "备注"], [1, "某社区", None]])
    result = app.test_cli_runner().invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0
    assert "前10行中找不到表头" in result.output and "单位编码（code）" in result.output
    cadres = tmp_path / "cadres.csv"
    cadres.write_text("序号,人员\n1,王五\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["cadres", "import", str(cadres)])
    assert result.exit_code != 0 and "单位编码（unit_code）、姓名（name）" in result.output


def test_headers_match_ignoring_case_spaces_marks_and_notes(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text("备注\n\n Code ,名称（全称）,类型＊\nQ1,某区分类办,分类办\n\nJ1,某街道,街道\n",
                    encoding="utf-8")
    rows = read_rows(path, UNIT_COLUMNS, required=("code",))
    assert [(r.line, r["code"], r["name"], r["kind"]) for r in rows] == [
        (4, "Q1", "某区分类办", "分类办"), (6, "J1", "某街道", "街道")]
    with pytest.raises(TableFormatError, match="单位编码"):
        read_rows(path, UNIT_COLUMNS, required=("code", "lat"))


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def upload(client: Any, url: str, path: Path, **form: str) -> str:
    token = csrf_token(client.get("/dashboard/units/").get_data(True))
    resp = client.post(url, data={"csrf_token": token, **form,
                                  "file": (io.BytesIO(path.read_bytes()), path.name)},
                       content_type="multipart/form-data", follow_redirects=True)
    assert resp.status_code == 200
    return resp.get_data(True)


def test_dashboard_upload_lists_every_bad_row(client: Any, runtime: Any, seeded: Seeded,
                                              tmp_path: Path) -> None:
    sign_in(client, *ADMIN)
    before = count(runtime, Unit)
    html = upload(client, "/dashboard/units/import", sheet(tmp_path / "units.xlsx", [
        HEADER,
        ["D01-S01-C09", "新村社区", "社区", "D01-S01", None],   # row 3: fine
        ["D01-S01-C10", "错类社区", "星球", "D01-S01", None],   # row 4
        [None, "无编码社区", "社区", "D01-S01", None],          # row 5
        ["D01-S01-C11", "孤儿社区", "社区", "NOPE", None]]))    # row 6
    assert "导入失败" in html and "3 处问题" in html and "未写入任何数据" in html
    for where, word in (("第4行", "星球"), ("第5行", "单位编码"), ("第6行", "NOPE")):
        assert f"<td>{where}</td>" in html and word in html
    assert count(runtime, Unit) == before
    html = upload(client, "/dashboard/units/cadres/import", sheet(tmp_path / "cadres.xlsx", [
        ["单位编码", "姓名", "角色"], ["NOPE", "王五", "成员"], ["D01-S01", "赵六", "局长"]]))
    assert "<td>第3行</td>" in html and "<td>第4行</td>" in html and "局长" in html


def test_dashboard_upload_shows_what_was_created_and_updated(client: Any, runtime: Any,
                                                             seeded: Seeded,
                                                             tmp_path: Path) -> None:
    sign_in(client, *ADMIN)
    before = count(runtime, Unit)
    path = sheet(tmp_path / "units.xlsx", [
        HEADER, ["D01-S01-C09", "新村社区", "社区", "D01-S01", None],
        ["D01-S01", None, None, None, "新路"]])
    html = upload(client, "/dashboard/units/import", path, dry_run="1")
    assert "检查通过（未写入）" in html and "D01-S01-C09 新村社区" in html
    assert count(runtime, Unit) == before
    html = upload(client, "/dashboard/units/import", path)
    assert "导入完成" in html and "<td>新建</td><td>D01-S01-C09 新村社区</td>" in html
    assert "<td>更新</td><td>D01-S01 " in html and count(runtime, Unit) == before + 1


@pytest.mark.parametrize("noun", ["units", "cadres"])
def test_a_file_that_is_not_a_workbook_gets_one_clear_line(app: Any, tmp_path: Path, noun: str) -> None:
    """Both imports go through one helper: a broken .xlsx is a message, not a traceback."""
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    result = app.test_cli_runner().invoke(args=[noun, "import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output == ("Error: broken.xlsx：1 处问题，未写入任何数据：\n"
                             "  文件：不是有效的 .xlsx 文件，无法打开（请在 Excel 或 WPS 中另存为 .xlsx）\n")
