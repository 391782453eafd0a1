"""Responsible units: import from CSV / XLSX / GeoJSON (upsert by code) and the router over them."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.org_words import UNIT_COLUMNS, kind_names, split_keywords, unit_kind
from domain.routing import Router, UnitArea, unit_area_from_fields
from services.spreadsheets import (ImportReport, RowProblem, SheetImportError, TableFormatError,
                                   read_rows, row_label)
from models.units import UNIT_KINDS, Unit

COLUMNS = ("code", "name", "kind", "parent_code", "address_keywords", "lat", "lng", "radius_m")
_UNSET = object()


class UnitImportError(SheetImportError):
    """A unit file that cannot be imported: every bad row with its place and reason."""


def read_unit_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows from a .csv, .xlsx or .geojson/.json file, as flat dicts (geometry kept as GeoJSON)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx", ".xlsm"):
        try:
            return list(read_rows(path, UNIT_COLUMNS, required=("code",)))
        except TableFormatError as exc:
            raise UnitImportError([str(exc)]) from exc
    if suffix in (".geojson", ".json"):
        return geojson_rows(json.loads(path.read_text(encoding="utf-8")))
    raise UnitImportError([f"{path.name}：应为 .csv、.xlsx 或 .geojson 文件"])


def geojson_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Features of a FeatureCollection → rows: properties plus the geometry."""
    if doc.get("type") != "FeatureCollection":
        raise UnitImportError(["GeoJSON 应为 FeatureCollection"])
    rows = []
    for feature in doc.get("features") or []:
        props = dict(feature.get("properties") or {})
        props["geometry"] = feature.get("geometry")
        rows.append(props)
    return rows


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # codes typed into Excel as numbers arrive as floats
    return "" if value is None else str(value).strip()


@dataclass
class _Planned:
    """One valid row: the unit it updates (None: a new one) and the fields it sets."""
    code: str
    unit: Unit | None
    fields: dict[str, Any]
    parent_code: Any  # _UNSET when the file has no parent column


def import_units(session: Session, rows: Iterable[Mapping[str, Any]], *,
                 dry_run: bool = False) -> ImportReport:
    """Create or update units by code, all or nothing; a missing column leaves a field unchanged.

    Every row is checked first; any bad row raises UnitImportError listing them all and
    nothing is written. A dry run checks and reports without writing.
    """
    existing = {u.code: u for u in session.scalars(select(Unit))}
    problems: list[tuple[int, RowProblem]] = []
    planned: list[tuple[int, _Planned]] = []
    seen: dict[str, str] = {}
    for index, row in enumerate(rows):
        where = row_label(row, index)
        checked = _check(row, existing, seen, where)
        if isinstance(checked, _Planned):
            planned.append((index, checked))
        else:
            problems += [(index, RowProblem(where, reason)) for reason in checked]
    known = set(existing) | set(seen)
    for index, plan in planned:
        if plan.parent_code not in (_UNSET, "") and plan.parent_code not in known:
            problems.append((index, RowProblem(seen[plan.code], "上级单位编码（parent_code）"
                                               f"{plan.parent_code!r} 不存在，也不在本表中")))
    if problems:
        raise UnitImportError([p for _, p in sorted(problems, key=lambda ip: ip[0])])
    report = ImportReport("units", dry_run=dry_run)
    for _, plan in planned:
        name = plan.fields.get("name") or (plan.unit.name if plan.unit else "")
        (report.updated if plan.unit else report.created).append(f"{plan.code} {name}")
    if not dry_run:
        _write(session, [plan for _, plan in planned], existing)
    return report


def _check(row: Mapping[str, Any], existing: dict[str, Unit], seen: dict[str, str],
           where: str) -> _Planned | list[str]:
    """The row's planned change, or why it cannot be imported."""
    code = _text(row.get("code"))
    if not code:
        return ["单位编码（code）为空"]
    if code in seen:
        return [f"单位编码 {code} 与{seen[code]}重复"]
    seen[code] = where
    unit, reasons = existing.get(code), []
    fields: dict[str, Any] = {}
    if _text(row.get("name")):
        fields["name"] = _text(row.get("name"))
    elif unit is None:
        reasons.append("新单位需要名称（name）")
    given = _text(row.get("kind"))
    if given:
        fields["kind"] = unit_kind(given)
        if fields["kind"] is None:
            reasons.append(f"类型（kind）应为 {kind_names()}（或 {', '.join(UNIT_KINDS)}），"
                           f"实为 {given!r}")
    elif unit is None:
        reasons.append(f"新单位需要类型（kind）：{kind_names()}")
    if "address_keywords" in row:
        fields["address_keywords"] = "|".join(split_keywords(_text(row.get("address_keywords"))))
    if any(k in row for k in ("lat", "lng", "radius_m")):
        for key, label in (("lat", "纬度"), ("lng", "经度"), ("radius_m", "半径")):
            text = _text(row.get(key))
            try:
                fields[key] = float(text) if text else None
            except ValueError:
                reasons.append(f"{label}（{key}）应为数字，实为 {text!r}")
    if row.get("geometry"):
        fields["geometry"] = dict(row["geometry"])
    if "is_triage" in row:
        fields["is_triage"] = _text(row.get("is_triage")).lower() in ("1", "true", "yes", "y",
                                                                     "是")
    if reasons:
        return reasons
    try:
        _area(code, unit, fields)
    except ValueError as exc:
        return [f"纬度、经度、半径须同时填写或都不填（{exc}）"]
    parent = _text(row.get("parent_code")) if "parent_code" in row else _UNSET
    return _Planned(code, unit, fields, parent)


def _area(code: str, unit: Unit | None, fields: dict[str, Any]) -> UnitArea:
    """The routing engine's view of the unit once the row is applied (raises when unusable)."""
    def value(key: str, default: Any = None) -> Any:
        return fields[key] if key in fields else getattr(unit, key, default)

    return unit_area_from_fields(code, value("name"), value("kind"), None,
                                 value("address_keywords") or "", value("lat"), value("lng"),
                                 value("radius_m"), value("geometry"))


def _write(session: Session, planned: list[_Planned], existing: dict[str, Unit]) -> None:
    for plan in planned:
        unit = plan.unit
        if unit is None:
            unit = Unit(code=plan.code, address_keywords="", is_triage=False, active=True)
            session.add(unit)
            existing[plan.code] = unit
        for key, value in plan.fields.items():
            setattr(unit, key, value)
    session.flush()
    for plan in planned:
        if plan.parent_code is not _UNSET:
            parent = existing.get(plan.parent_code) if plan.parent_code else None
            existing[plan.code].parent_id = parent.id if parent else None
    session.flush()


def unit_area(unit: Unit, parent_code: str | None) -> UnitArea:
    """The routing engine's view of one unit."""
    return unit_area_from_fields(unit.code, unit.name, unit.kind, parent_code,
                                 unit.address_keywords or "", unit.lat, unit.lng, unit.radius_m,
                                 unit.geometry)


def triage_unit(session: Session) -> Unit | None:
    """The district office's triage queue: the unit marked is_triage, else the only district."""
    marked = session.scalars(select(Unit).where(Unit.is_triage.is_(True), Unit.active.is_(True))
                             .order_by(Unit.id)).first()
    if marked is not None:
        return marked
    districts = list(session.scalars(select(Unit).where(Unit.kind == "district",
                                                        Unit.active.is_(True))))
    return districts[0] if len(districts) == 1 else None


def build_router(session: Session, max_distance_m: float = 1500.0) -> Router | None:
    """A router over the active units; None when there are no units or no triage unit."""
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    triage = triage_unit(session)
    if not units or triage is None:
        return None
    codes = {u.id: u.code for u in units}
    areas = [unit_area(u, codes.get(u.parent_id) if u.parent_id else None) for u in units]
    return Router(areas, max_distance_m=max_distance_m, triage_code=triage.code)


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == code))
