"""What the dashboard's map draws: units' areas as GeoJSON and cases as coloured points.

Areas are stored in WGS-84 and cases in both systems; the map gets everything in the tiles'
system (MAP_CRS): GCJ-02 for AMap, WGS-84 (≈ CGCS2000) for Tianditu and for no tiles at all.
"""
from __future__ import annotations

from typing import Any, Callable

from shapely.geometry import mapping

from domain.geo import LatLng, circle_polygon, wgs84_to_gcj02
from models import Case, Unit
from models.cases import (CLOSED, DISPATCHED, EXTENDED, IN_PROGRESS, PENDING, RECTIFIED,
                          RETURNED)

STATUS_COLOURS = {PENDING: "#d63384", DISPATCHED: "#fd7e14", IN_PROGRESS: "#0d6efd",
                  RECTIFIED: "#6f42c1", RETURNED: "#dc3545", EXTENDED: "#b58900",
                  CLOSED: "#198754"}
OTHER_COLOUR = "#6c757d"


def _project(crs: str) -> Callable[[float, float], LatLng]:
    return wgs84_to_gcj02 if crs == "gcj02" else (lambda lat, lng: (lat, lng))


def _coords(value: Any, to: Callable[[float, float], LatLng]) -> Any:
    """GeoJSON coordinates ([lng, lat] pairs, nested) moved into the map's system."""
    if value and isinstance(value[0], (int, float)):
        lat, lng = to(float(value[1]), float(value[0]))
        return [round(lng, 7), round(lat, 7)]
    return [_coords(v, to) for v in value]


def unit_area(unit: Unit) -> dict[str, Any] | None:
    """The unit's polygon, else its centre and radius as a circle, in WGS-84 GeoJSON."""
    if unit.geometry:
        return unit.geometry
    if unit.lat is not None and unit.lng is not None and unit.radius_m:
        return dict(mapping(circle_polygon((unit.lat, unit.lng), unit.radius_m, segments=32)))
    return None


def unit_feature(unit: Unit, crs: str, url: str) -> dict[str, Any] | None:
    area = unit_area(unit)
    if area is None or area.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    return {"type": "Feature",
            "properties": {"id": unit.id, "name": unit.name, "kind": unit.kind, "url": url},
            "geometry": {"type": area["type"],
                         "coordinates": _coords(area["coordinates"], _project(crs))}}


def case_point(case: Case, crs: str) -> LatLng | None:
    """Where the case is, in the map's system (the raw GCJ-02 as received when it exists)."""
    if case.lat is None or case.lng is None:
        return None
    if crs != "gcj02":
        return case.lat, case.lng
    if case.raw_crs == "gcj02" and case.raw_lat is not None and case.raw_lng is not None:
        return case.raw_lat, case.raw_lng
    return wgs84_to_gcj02(case.lat, case.lng)


def case_marker(case: Case, crs: str, url: str) -> dict[str, Any] | None:
    point = case_point(case, crs)
    if point is None:
        return None
    return {"id": case.id, "number": case.number, "status": case.status,
            "problem_type": case.problem_type, "address": case.address,
            "lat": round(point[0], 7), "lng": round(point[1], 7), "url": url,
            "colour": STATUS_COLOURS.get(case.status, OTHER_COLOUR)}


def gcj02_of(case: Case) -> LatLng | None:
    """The case's GCJ-02 position, as Chinese map apps (AMap, Tencent) expect it."""
    return case_point(case, "gcj02")

