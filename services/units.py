"""Responsible units: import from CSV / XLSX / GeoJSON (upsert by code) and the router over them."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.org_words import kind_names, split_keywords, unit_kind
from domain.routing import Router, UnitArea, unit_area_from_fields
from services.spreadsheets import read_rows
from models.units import UNIT_KINDS, Unit

COLUMNS = ("code", "name", "kind", "parent_code", "address_keywords", "lat", "lng", "radius_m")


class UnitImportError(ValueError):
    """A unit file that cannot be imported; the message names the row and the problem."""


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int

    def __str__(self) -> str:
        return f"units: {self.created} created, {self.updated} updated"


def read_unit_rows(path: str | Path) -> list[dict[str, Any]]:
    """Rows from a .csv, .xlsx or .geojson/.json file, as flat dicts (geometry kept as GeoJSON)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx", ".xlsm"):
        return read_rows(path)
    if suffix in (".geojson", ".json"):
        return geojson_rows(json.loads(path.read_text(encoding="utf-8")))
    raise UnitImportError(f"{path.name}: expected .csv, .xlsx or .geojson")


def geojson_rows(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Features of a FeatureCollection → rows: properties plus the geometry."""
    if doc.get("type") != "FeatureCollection":
        raise UnitImportError("GeoJSON must be a FeatureCollection")
    rows = []
    for i, feature in enumerate(doc.get("features") or [], start=1):
        props = dict(feature.get("properties") or {})
        if not props.get("code"):
            raise UnitImportError(f"feature {i}: properties need a code")
        props["geometry"] = feature.get("geometry")
        rows.append(props)
    return rows


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _num(value: Any, field: str, where: str) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise UnitImportError(f"{where}: {field} must be a number, got {text!r}") from None


def import_units(session: Session, rows: Iterable[Mapping[str, Any]]) -> ImportSummary:
    """Create or update units by code; a row without a column leaves that field unchanged."""
    rows = list(rows)
    existing = {u.code: u for u in session.scalars(select(Unit))}
    created = updated = 0
    parents: list[tuple[Unit, str]] = []
    for n, row in enumerate(rows, start=2):
        code = _text(row.get("code"))
        where = f"row {n} ({code or 'no code'})"
        if not code:
            raise UnitImportError(f"{where}: code is required")
        unit = existing.get(code)
        if unit is None:
            name, kind = _text(row.get("name")), unit_kind(_text(row.get("kind")))
            if not name or kind not in UNIT_KINDS:
                raise UnitImportError(f"{where}: a new unit needs a name and a kind "
                                      f"({kind_names()} or {', '.join(UNIT_KINDS)})")
            unit = Unit(code=code, name=name, kind=kind, address_keywords="", is_triage=False,
                        active=True)
            session.add(unit)
            existing[code] = unit
            created += 1
        else:
            updated += 1
        _apply(unit, row, where)
        if "parent_code" in row:
            parents.append((unit, _text(row.get("parent_code"))))
    session.flush()
    for unit, parent_code in parents:
        if parent_code and parent_code not in existing:
            raise UnitImportError(f"{unit.code}: unknown parent_code {parent_code!r}")
        unit.parent_id = existing[parent_code].id if parent_code else None
    session.flush()
    return ImportSummary(created, updated)


def _apply(unit: Unit, row: Mapping[str, Any], where: str) -> None:
    if _text(row.get("name")):
        unit.name = _text(row.get("name"))
    if "kind" in row:
        kind = unit_kind(_text(row.get("kind")))
        if kind is None:
            raise UnitImportError(f"{where}: kind must be one of {kind_names()} "
                                  f"(or {', '.join(UNIT_KINDS)}), got {_text(row.get('kind'))!r}")
        unit.kind = kind
    if "address_keywords" in row:
        unit.address_keywords = "|".join(split_keywords(_text(row.get("address_keywords"))))
    if any(k in row for k in ("lat", "lng", "radius_m")):
        unit.lat = _num(row.get("lat"), "lat", where)
        unit.lng = _num(row.get("lng"), "lng", where)
        unit.radius_m = _num(row.get("radius_m"), "radius_m", where)
    if row.get("geometry"):
        unit.geometry = dict(row["geometry"])
    if "is_triage" in row:
        unit.is_triage = _text(row.get("is_triage")).lower() in ("1", "true", "yes", "y")
    try:
        unit_area(unit, None)
    except ValueError as exc:
        raise UnitImportError(f"{where}: {exc}") from None


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
