"""Route a complaint to the responsible unit by problem type, location and address."""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.strtree import STRtree

from domain.geo import (
    LatLng,
    area_m2,
    bbox_around,
    distance_to_geometry_m,
    geometry_from_geojson,
    haversine_m,
)

# Depth in the hierarchy: deeper (smaller, closer to the ground) wins ties.
KIND_DEPTH: dict[str, int] = {
    "district": 0,
    "office": 0,
    "department": 0,
    "street": 1,
    "community": 2,
    "property": 3,
}
Reason = Literal["department", "area", "nearest", "keyword", "triage"]


@dataclass(frozen=True)
class UnitArea:
    """A responsible unit and where it is responsible (a polygon, a circle, or nowhere)."""

    code: str
    name: str
    kind: str
    parent_code: str | None = None
    geometry: Polygon | MultiPolygon | None = None  # WGS-84, x=lng, y=lat
    centre: LatLng | None = None  # (lat, lng), WGS-84
    radius_m: float | None = None
    address_keywords: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("unit code must not be empty")
        if self.kind not in KIND_DEPTH:
            raise ValueError(f"{self.code}: unknown kind {self.kind!r}")
        if (self.centre is None) != (self.radius_m is None):
            raise ValueError(f"{self.code}: centre and radius_m go together")
        if self.geometry is not None and self.centre is not None:
            raise ValueError(f"{self.code}: give a geometry or a centre+radius, not both")
        if self.centre is not None and not (abs(self.centre[0]) <= 90 and abs(self.centre[1]) <= 180):
            raise ValueError(f"{self.code}: centre must be (lat, lng) in degrees")
        if self.radius_m is not None and not (math.isfinite(self.radius_m) and self.radius_m > 0):
            raise ValueError(f"{self.code}: radius_m must be positive")
        if self.geometry is not None and self.geometry.is_empty:
            raise ValueError(f"{self.code}: empty geometry")

    @property
    def depth(self) -> int:
        return KIND_DEPTH[self.kind]

    @property
    def has_area(self) -> bool:
        return self.geometry is not None or self.centre is not None


@dataclass(frozen=True)
class RouteDecision:
    """Where a case goes and why; ``candidates`` lists plausible units, best first."""

    unit_code: str
    reason: Reason
    distance_m: float | None
    candidates: tuple[str, ...]


class UnknownUnitError(ValueError):
    """A configuration names a unit code the router does not know."""


def normalize_address(text: str) -> str:
    """NFKC (full-width → half-width) without whitespace, for keyword matching."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class Router:
    """Spatial + keyword router over a fixed set of units (build once, route many)."""

    def __init__(self, areas: Iterable[UnitArea], max_distance_m: float = 1500.0, triage_code: str = "") -> None:
        self._units: dict[str, UnitArea] = {}
        for unit in areas:
            if unit.code in self._units:
                raise ValueError(f"duplicate unit code {unit.code!r}")
            self._units[unit.code] = unit
        for unit in self._units.values():
            if unit.parent_code is not None and unit.parent_code not in self._units:
                raise UnknownUnitError(f"{unit.code}: unknown parent {unit.parent_code!r}")
        if not (math.isfinite(max_distance_m) and max_distance_m >= 0):
            raise ValueError("max_distance_m must be a non-negative number")
        self.max_distance_m = max_distance_m
        self.triage_code = triage_code or self._only_district()
        if self.triage_code not in self._units:
            raise UnknownUnitError(f"unknown triage unit {self.triage_code!r}")
        self._spatial = [u for u in self._units.values() if u.has_area]
        self._area = [_area_of(u) for u in self._spatial]
        self._tree = STRtree([_index_geometry(u) for u in self._spatial])
        self._keywords = [
            (kw, u) for u in self._units.values() for kw in {normalize_address(k) for k in u.address_keywords} if kw
        ]

    def _only_district(self) -> str:
        districts = [u.code for u in self._units.values() if u.kind == "district"]
        if len(districts) != 1:
            raise ValueError("triage_code is required unless there is exactly one district unit")
        return districts[0]

    def unit(self, code: str) -> UnitArea:
        """The unit with this code (KeyError when unknown)."""
        return self._units[code]

    def unknown_codes(self, codes: Iterable[str]) -> list[str]:
        """Codes this router does not know — check a department map at start-up."""
        return sorted({c for c in codes if c not in self._units})

    def containing(self, point: LatLng) -> list[UnitArea]:
        """Units whose area contains the point, smallest area first."""
        hits = self._tree.query(Point(point[1], point[0]), predicate="intersects")
        found = [i for i in hits.tolist() if self._contains(self._spatial[i], point)]
        found.sort(key=lambda i: (self._area[i], -self._spatial[i].depth, self._spatial[i].code))
        return [self._spatial[i] for i in found]

    def nearby(self, point: LatLng, within_m: float) -> list[tuple[UnitArea, float]]:
        """Units not containing the point whose edge lies within ``within_m``, nearest first."""
        minx, miny, maxx, maxy = bbox_around(point, within_m * 1.01 + 1.0)
        hits = self._tree.query(shapely.box(minx, miny, maxx, maxy), predicate="intersects")
        ranked = []
        for i in hits.tolist():
            d = self._edge_distance(self._spatial[i], point)
            if 0 < d <= within_m:
                ranked.append((d, -self._spatial[i].depth, self._area[i], self._spatial[i].code, i))
        ranked.sort()
        return [(self._spatial[r[-1]], r[0]) for r in ranked]

    def by_keyword(self, address: str) -> list[UnitArea]:
        """Units with a keyword in the address: longest keyword first, deeper kind on ties."""
        text = normalize_address(address)
        best: dict[str, int] = {}
        for kw, unit in self._keywords:
            if kw in text and len(kw) > best.get(unit.code, 0):
                best[unit.code] = len(kw)
        order = sorted(best, key=lambda c: (-best[c], -self._units[c].depth, c))
        return [self._units[c] for c in order]

    def route(
        self,
        point_wgs84: LatLng | None,
        address: str | None,
        problem_type: str | None,
        department_for_type: Mapping[str, str],
    ) -> RouteDecision:
        """Department by type, else smallest containing area, nearest area, keyword, triage."""
        inside = self.containing(point_wgs84) if point_wgs84 is not None else []
        near = self.nearby(point_wgs84, self.max_distance_m) if point_wgs84 is not None else []
        by_kw = self.by_keyword(address) if address else []
        pool = [u.code for u in inside] + [u.code for u, _ in near] + [u.code for u in by_kw]

        def decide(code: str, reason: Reason, distance: float | None) -> RouteDecision:
            ranked = tuple(dict.fromkeys([code, *pool, self.triage_code]))
            return RouteDecision(code, reason, distance, ranked)

        department = department_for_type.get(problem_type) if problem_type else None
        if department is not None:
            if department not in self._units:
                raise UnknownUnitError(f"problem type {problem_type!r} maps to unknown unit {department!r}")
            return decide(department, "department", None)
        if inside:
            return decide(inside[0].code, "area", 0.0)
        if near:
            return decide(near[0][0].code, "nearest", near[0][1])
        if by_kw:
            return decide(by_kw[0].code, "keyword", None)
        return decide(self.triage_code, "triage", None)

    @staticmethod
    def _contains(unit: UnitArea, point: LatLng) -> bool:
        if unit.geometry is not None:
            return True  # the tree's exact "intersects" test already decided
        assert unit.centre is not None and unit.radius_m is not None
        return haversine_m(unit.centre, point) <= unit.radius_m

    @staticmethod
    def _edge_distance(unit: UnitArea, point: LatLng) -> float:
        if unit.geometry is not None:
            return distance_to_geometry_m(point, unit.geometry)
        assert unit.centre is not None and unit.radius_m is not None
        return max(0.0, haversine_m(unit.centre, point) - unit.radius_m)


def _index_geometry(unit: UnitArea) -> shapely.Geometry:
    """What goes in the STRtree: the polygon itself, or the degree box around a circle."""
    if unit.geometry is not None:
        return unit.geometry
    assert unit.centre is not None and unit.radius_m is not None
    return shapely.box(*bbox_around(unit.centre, unit.radius_m * 1.01))


def _area_of(unit: UnitArea) -> float:
    if unit.geometry is not None:
        return area_m2(unit.geometry)
    assert unit.radius_m is not None
    return math.pi * unit.radius_m**2


def unit_area_from_fields(
    code: str,
    name: str,
    kind: str,
    parent_code: str | None = None,
    address_keywords: str = "",
    lat: float | None = None,
    lng: float | None = None,
    radius_m: float | None = None,
    geometry: Mapping[str, Any] | None = None,
) -> UnitArea:
    """Build a unit from flat fields (a CSV row or a ``models.units.Unit``); a polygon beats a circle."""
    keywords = tuple(k.strip() for k in address_keywords.split("|") if k.strip())
    if geometry is not None:
        return UnitArea(code, name, kind, parent_code or None, geometry_from_geojson(geometry), None, None, keywords)
    if lat is None and lng is None and radius_m is None:
        return UnitArea(code, name, kind, parent_code or None, address_keywords=keywords)
    if lat is None or lng is None or radius_m is None:
        raise ValueError(f"{code}: lat, lng and radius_m go together")
    return UnitArea(code, name, kind, parent_code or None, None, (float(lat), float(lng)), float(radius_m), keywords)


class CaseLike(Protocol):
    """What ``find_duplicate`` needs from a case (the ORM model fits)."""

    @property
    def id(self) -> object: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lng(self) -> float | None: ...
    @property
    def problem_type(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def is_open(self) -> bool: ...


C = TypeVar("C", bound=CaseLike)


def find_duplicate(
    candidates: Iterable[C],
    point: LatLng | None,
    problem_type: str | None,
    now: datetime,
    radius_m: float = 100.0,
    window: timedelta = timedelta(hours=24),
) -> C | None:
    """The nearest open case of the same type within ``radius_m`` and ``window`` of ``now``."""
    if point is None or not problem_type:
        return None
    best: tuple[float, float, C] | None = None
    for case in candidates:
        if not case.is_open or case.problem_type != problem_type or case.lat is None or case.lng is None:
            continue
        age = abs(now - case.created_at)
        if age > window:
            continue
        d = haversine_m(point, (case.lat, case.lng))
        if d <= radius_m and (best is None or (d, age.total_seconds()) < best[:2]):
            best = (d, age.total_seconds(), case)
    return best[2] if best else None
