"""`flask units import` (CSV, XLSX, GeoJSON), `flask cases show|list --json`, demo units."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select

from cli.demo import load_demo_units
from models import Cadre, Unit
from tests.support.complaints import DEMO, file_report


def unit_count(runtime: Any) -> int:
    with runtime.sessions.begin() as session:
        return int(session.scalar(select(func.count(Unit.id))))


def test_import_csv_then_geojson_updates_in_place(app: Any, runtime: Any) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "import", str(DEMO / "units.csv")])
    assert result.exit_code == 0, result.output
    assert "29 created" in result.output
    result = runner.invoke(args=["units", "import", str(DEMO / "units.geojson")])
    assert "0 created, 4 updated" in result.output
    assert unit_count(runtime) == 29
    with runtime.sessions.begin() as session:
        street = session.scalar(select(Unit).where(Unit.code == "D01-S01"))
        assert street.geometry["type"] == "Polygon" and street.parent.code == "D01"


def test_import_xlsx_and_errors(app: Any, runtime: Any, tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name", "kind", "parent_code", "address_keywords", "lat", "lng",
               "radius_m"])
    ws.append(["X1", "测试区", "district", None, "测试区", None, None, None])
    ws.append(["X1-S1", "测试街道", "street", "X1", "测试路|测试街道", 31.2, 121.4, 500])
    wb.save(tmp_path / "units.xlsx")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "import", str(tmp_path / "units.xlsx")])
    assert result.exit_code == 0 and "2 created" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent_code\nY1,某单位,planet,\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(bad)])
    assert result.exit_code != 0 and "kind" in result.output
    orphan = tmp_path / "orphan.csv"
    orphan.write_text("code,name,kind,parent_code\nZ1,某社区,community,NOPE\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(orphan)])
    assert result.exit_code != 0 and "NOPE" in result.output
    assert unit_count(runtime) == 2  # failed imports changed nothing


def test_cases_show_and_list_json(app: Any, user: Any, runtime: Any, district: None) -> None:
    file_report(user, "1")
    file_report(user, "4", label="别处")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["cases", "show", "JC202611230001", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["number"] == "JC202611230001" and data["status"] == "已派单"
    assert data["unit"] == "D01-S01-C02-P01" and data["problem_type"] == "混投错投"
    assert data["deadline"] == "2026-11-26T10:00:00+08:00"
    assert data["location"]["raw_crs"] == "gcj02" and data["location"]["lat"] is not None
    assert len(data["photos"]) == 1 and data["photos"][0]["status"] == "pending"
    assert [h["action"] for h in data["history"]] == ["submit", "dispatch"]
    assert user.openid not in result.output
    listed = json.loads(runner.invoke(args=["cases", "list", "--json"]).output)
    assert [c["number"] for c in listed] == ["JC202611230002", "JC202611230001"]
    by_unit = json.loads(runner.invoke(args=["cases", "list", "--unit", "D01-CG",
                                             "--status", "已派单", "--json"]).output)
    assert [c["number"] for c in by_unit] == ["JC202611230002"]
    assert runner.invoke(args=["cases", "show", "JC209901010001"]).exit_code != 0


def test_demo_units_loader_is_idempotent(runtime: Any) -> None:
    with runtime.sessions.begin() as session:
        assert "29 created" in load_demo_units(session, runtime)
    with runtime.sessions.begin() as session:
        assert "0 created" in load_demo_units(session, runtime)
    assert unit_count(runtime) == 29


def test_units_and_cadres_import_the_offices_own_words(app: Any, runtime: Any,
                                                       tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,name,kind,parent_code,address_keywords\n"
                     "Q1,某区分类办,分类办,,\n"
                     "J1,某街道办事处,街道办事处,Q1,某路；某街、某巷 某里\n"
                     "S1,某社区居委会,居委会,J1,\n"
                     "W1,某物业公司,物业公司,S1,\n"
                     "B1,区执法局,执法局,Q1,\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "import", str(units)])
    assert result.exit_code == 0, result.output
    cadres = tmp_path / "cadres.csv"
    cadres.write_text("unit_code,name,role\nJ1,王主任,主要负责人\nJ1,李科长,分管领导\n"
                      "S1,赵专干,联络员\nS1,钱书记,负责人\nW1,孙经理,成员\n", encoding="utf-8")
    result = runner.invoke(args=["cadres", "import", str(cadres)])
    assert result.exit_code == 0, result.output
    with runtime.sessions.begin() as s:
        got = {u.code: (u.kind, u.address_keywords) for u in s.scalars(select(Unit))}
        roles = {c.name: c.role for c in s.scalars(select(Cadre))}
    assert got == {"Q1": ("office", ""), "J1": ("street", "某路|某街|某巷|某里"),
                   "S1": ("community", ""), "W1": ("property", ""), "B1": ("department", "")}
    assert roles == {"王主任": "leader", "李科长": "leader", "赵专干": "member",
                     "钱书记": "leader", "孙经理": "member"}
