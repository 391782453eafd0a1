"""Routing complaints to responsible units, duplicate detection, and the demo district."""
from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from shapely.geometry import Point

from domain.geo import destination, distance_to_geometry_m, haversine_m
from domain.routing import (
    Router,
    UnitArea,
    UnknownUnitError,
    find_duplicate,
    unit_area_from_fields,
)

CENTRE = (31.23, 121.47)
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
DEPARTMENTS = {"混装混运": "D01-CG"}


def square(lat: float, lng: float, half_deg: float) -> dict:
    """A GeoJSON square around a point (for tests)."""
    ring = [
        [lng - half_deg, lat - half_deg],
        [lng + half_deg, lat - half_deg],
        [lng + half_deg, lat + half_deg],
        [lng - half_deg, lat + half_deg],
        [lng - half_deg, lat - half_deg],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def units() -> list[UnitArea]:
    return [
        UnitArea("D", "区分类办", "district"),
        UnitArea("CG", "区城管执法局", "department", "D"),
        unit_area_from_fields("S", "东湖街道", "street", "D", "东湖街道|东湖路", geometry=square(*CENTRE, 0.02)),
        UnitArea("C", "樱花社区", "community", "S", centre=CENTRE, radius_m=500, address_keywords=("樱花路",)),
        UnitArea("P", "樱花苑物业", "property", "C", centre=CENTRE, radius_m=100, address_keywords=("樱花路100弄",)),
        # A community far to the east, outside the street.
        UnitArea("E", "远东社区", "community", "D", centre=destination(CENTRE, 90, 5000), radius_m=300),
    ]


@pytest.fixture
def router(units: list[UnitArea]) -> Router:
    return Router(units, max_distance_m=1500)


def test_department_for_problem_type_wins_over_location(router: Router) -> None:
    decision = router.route(CENTRE, "樱花路100弄", "混装混运", {"混装混运": "CG"})
    assert (decision.unit_code, decision.reason, decision.distance_m) == ("CG", "department", None)
    # The spatial candidates stay available for re-routing.
    assert decision.candidates[:3] == ("CG", "P", "C")


def test_unknown_department_code_fails_loudly(router: Router) -> None:
    with pytest.raises(UnknownUnitError):
        router.route(CENTRE, None, "混装混运", {"混装混运": "NOPE"})
    assert router.unknown_codes({"混装混运": "NOPE", "x": "CG"}.values()) == ["NOPE"]


def test_smallest_containing_area_wins(router: Router) -> None:
    decision = router.route(CENTRE, None, "乱扔垃圾", {"混装混运": "CG"})
    assert (decision.unit_code, decision.reason, decision.distance_m) == ("P", "area", 0.0)
    assert [u.code for u in router.containing(CENTRE)] == ["P", "C", "S"]


def test_community_outside_property_and_street_outside_community(router: Router) -> None:
    assert router.route(destination(CENTRE, 0, 300), None, None, {}).unit_code == "C"
    # 1.5 km north is outside the community but still inside the ±0.02° street square.
    in_street = destination(CENTRE, 0, 1500)
    decision = router.route(in_street, None, None, {})
    assert (decision.unit_code, decision.reason) == ("S", "area")


def test_circle_boundary_is_inclusive(router: Router) -> None:
    edge = destination(CENTRE, 45, 99.9)
    assert router.route(edge, None, None, {}).unit_code == "P"
    assert router.route(destination(CENTRE, 45, 100.5), None, None, {}).unit_code == "C"


def test_nearest_unit_by_distance_to_edge(router: Router) -> None:
    # 1 km east of the far community's centre: 700 m from its edge, well outside the street.
    point = destination(destination(CENTRE, 90, 5000), 90, 1000)
    decision = router.route(point, None, None, {})
    assert (decision.unit_code, decision.reason) == ("E", "nearest")
    assert decision.distance_m == pytest.approx(700, abs=1)


def test_nearest_measures_edges_not_centres() -> None:
    point = (30.0, 120.0)
    big = UnitArea("BIG", "大社区", "community", "D", centre=destination(point, 0, 1400), radius_m=1000)
    small = UnitArea("SMALL", "小物业", "property", "D", centre=destination(point, 180, 700), radius_m=100)
    router = Router([UnitArea("D", "区", "district"), big, small])
    decision = router.route(point, None, None, {})
    assert decision.unit_code == "BIG"  # 400 m to its edge versus 600 m to the small one's
    assert decision.distance_m == pytest.approx(400, abs=1)
    assert decision.candidates == ("BIG", "SMALL", "D")


def test_beyond_max_distance_falls_back_to_keywords_then_triage(router: Router) -> None:
    far = destination(CENTRE, 180, 20_000)
    by_keyword = router.route(far, "示范区樱花路100弄3号", None, {})
    assert (by_keyword.unit_code, by_keyword.reason) == ("P", "keyword")
    triage = router.route(far, "不知道哪里", None, {})
    assert (triage.unit_code, triage.reason, triage.candidates) == ("D", "triage", ("D",))
    assert router.route(None, None, None, {}).reason == "triage"


def test_polygon_edge_distance_counts_for_nearest(router: Router) -> None:
    # 0.02° ≈ 1.9 km east of centre is the street's edge; 500 m further east is within reach.
    point = (CENTRE[0], CENTRE[1] + 0.02 + 0.0052)
    decision = router.route(point, None, None, {})
    assert (decision.unit_code, decision.reason) == ("S", "nearest")
    assert decision.distance_m == pytest.approx(494, abs=5)


def test_longest_keyword_wins_and_deeper_kind_breaks_ties() -> None:
    units = [
        UnitArea("D", "区", "district"),
        UnitArea("S", "街道", "street", "D", address_keywords=("和平路",)),
        UnitArea("C", "社区", "community", "S", address_keywords=("和平路",)),
        UnitArea("P", "物业", "property", "C", address_keywords=("和平路128弄",)),
    ]
    router = Router(units)
    assert [u.code for u in router.by_keyword("和平路5号")] == ["C", "S"]
    assert router.route(None, "和平路128弄2号", None, {}).unit_code == "P"
    # Full-width digits and stray spaces in the resident's text still match.
    assert router.route(None, "和平路 １２８弄", None, {}).unit_code == "P"


def test_candidates_are_unique_and_end_with_triage(router: Router) -> None:
    decision = router.route(CENTRE, "樱花路100弄", None, {})
    assert decision.candidates[0] == decision.unit_code
    assert decision.candidates[-1] == "D"
    assert len(set(decision.candidates)) == len(decision.candidates)


def test_triage_defaults_to_the_only_district(units: list[UnitArea]) -> None:
    assert Router(units).triage_code == "D"
    assert Router(units, triage_code="CG").route(None, None, None, {}).unit_code == "CG"
    with pytest.raises(UnknownUnitError):
        Router(units, triage_code="X")
    with pytest.raises(ValueError):
        Router([u for u in units if u.code not in ("D", "CG", "E")] + [UnitArea("D", "区", "district")]
               + [UnitArea("D2", "二区", "district")])


def test_router_rejects_inconsistent_units(units: list[UnitArea]) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        Router(units + [UnitArea("C", "again", "community", "S")])
    with pytest.raises(UnknownUnitError):
        Router(units + [UnitArea("X", "orphan", "community", "MISSING")])
    with pytest.raises(ValueError):
        Router(units, max_distance_m=-1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"code": "", "name": "n", "kind": "street"},
        {"code": "A", "name": "n", "kind": "village"},
        {"code": "A", "name": "n", "kind": "street", "centre": (31.0, 121.0)},
        {"code": "A", "name": "n", "kind": "street", "centre": (31.0, 121.0), "radius_m": 0},
        {"code": "A", "name": "n", "kind": "street", "centre": (121.0, 31.0), "radius_m": 10},
    ],
)
def test_unit_area_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        UnitArea(**kwargs)


def test_unit_area_from_fields() -> None:
    unit = unit_area_from_fields("A", "甲", "community", "", " 甲路 | |甲村", 31.0, 121.0, 200.0)
    assert unit.parent_code is None and unit.address_keywords == ("甲路", "甲村")
    assert unit.centre == (31.0, 121.0) and unit.radius_m == 200.0
    polygon = unit_area_from_fields("B", "乙", "street", "A", geometry=square(31.0, 121.0, 0.01), lat=31.0, lng=121.0, radius_m=5)
    assert polygon.geometry is not None and polygon.centre is None
    assert not unit_area_from_fields("C", "丙", "department").has_area
    with pytest.raises(ValueError):
        unit_area_from_fields("D", "丁", "community", lat=31.0, lng=121.0)


def test_index_agrees_with_brute_force_on_a_thousand_units() -> None:
    rng = random.Random(7)
    units = [UnitArea("D", "区", "district")]
    for i in range(1000):
        centre = (31.0 + rng.random() * 0.4, 121.0 + rng.random() * 0.4)
        if i % 4 == 0:
            units.append(unit_area_from_fields(f"G{i}", "多边形", "street", "D", geometry=square(*centre, 0.003 + rng.random() * 0.01)))
        else:
            units.append(UnitArea(f"U{i}", "圆", "community", "D", centre=centre, radius_m=50 + rng.random() * 400))
    router = Router(units, max_distance_m=800)
    spatial = [u for u in units if u.has_area]

    def edge(u: UnitArea, p: tuple[float, float]) -> float:
        if u.geometry is not None:
            return distance_to_geometry_m(p, u.geometry)
        return max(0.0, haversine_m(u.centre, p) - u.radius_m)  # type: ignore[arg-type, operator]

    for _ in range(300):
        p = (30.98 + rng.random() * 0.44, 120.98 + rng.random() * 0.44)
        distances = {u.code: edge(u, p) for u in spatial}
        assert {u.code for u in router.containing(p)} == {c for c, d in distances.items() if d == 0}
        expected_near = sorted(d for d in distances.values() if 0 < d <= 800)
        assert [d for _, d in router.nearby(p, 800)] == pytest.approx(expected_near)


# --- duplicates -------------------------------------------------------------------------

NOW = datetime(2024, 5, 20, 10, 0, tzinfo=timezone.utc)


@dataclass
class FakeCase:
    id: int
    lat: float | None
    lng: float | None
    problem_type: str
    created_at: datetime
    is_open: bool = True


def test_duplicate_same_type_nearby_recent_open() -> None:
    near = destination(CENTRE, 30, 60)
    nearer = destination(CENTRE, 200, 20)
    cases = [
        FakeCase(1, *near, "垃圾满溢", NOW - timedelta(hours=3)),
        FakeCase(2, *nearer, "垃圾满溢", NOW - timedelta(hours=20)),
        FakeCase(3, *nearer, "混装混运", NOW - timedelta(hours=1)),
    ]
    assert find_duplicate(cases, CENTRE, "垃圾满溢", NOW).id == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "case",
    [
        FakeCase(1, *destination(CENTRE, 0, 150), "垃圾满溢", NOW - timedelta(hours=1)),
        FakeCase(2, *CENTRE, "垃圾满溢", NOW - timedelta(hours=25)),
        FakeCase(3, *CENTRE, "垃圾满溢", NOW - timedelta(hours=1), is_open=False),
        FakeCase(4, *CENTRE, "未分类投放", NOW - timedelta(hours=1)),
        FakeCase(5, None, None, "垃圾满溢", NOW - timedelta(hours=1)),
    ],
)
def test_not_a_duplicate(case: FakeCase) -> None:
    assert find_duplicate([case], CENTRE, "垃圾满溢", NOW) is None


def test_duplicate_needs_a_point_and_a_type_and_honours_parameters() -> None:
    case = FakeCase(1, *destination(CENTRE, 0, 150), "垃圾满溢", NOW - timedelta(hours=30))
    assert find_duplicate([case], None, "垃圾满溢", NOW) is None
    assert find_duplicate([case], CENTRE, None, NOW) is None
    found = find_duplicate([case], CENTRE, "垃圾满溢", NOW, radius_m=200, window=timedelta(hours=48))
    assert found is case


# --- the demo district ------------------------------------------------------------------


def load_demo() -> tuple[list[dict[str, str]], dict[str, dict]]:
    with (DEMO / "units.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    features = json.loads((DEMO / "units.geojson").read_text(encoding="utf-8"))["features"]
    return rows, {f["properties"]["code"]: f for f in features}


def demo_router() -> Router:
    rows, features = load_demo()

    def num(v: str) -> float | None:
        return float(v) if v else None

    areas = [
        unit_area_from_fields(
            r["code"], r["name"], r["kind"], r["parent_code"], r["address_keywords"],
            num(r["lat"]), num(r["lng"]), num(r["radius_m"]),
            features[r["code"]]["geometry"] if r["code"] in features else None,
        )
        for r in rows
    ]
    return Router(areas, triage_code="D01")


def test_demo_files_agree() -> None:
    rows, features = load_demo()
    assert list(rows[0]) == ["code", "name", "kind", "parent_code", "address_keywords", "lat", "lng", "radius_m"]
    by_code = {r["code"]: r for r in rows}
    kinds = [r["kind"] for r in rows]
    assert (kinds.count("street"), kinds.count("district")) == (4, 1)
    assert 10 <= kinds.count("community") <= 14 and 8 <= kinds.count("property") <= 12
    assert sorted(features) == sorted(c for c, r in by_code.items() if r["kind"] == "street")
    for code, feature in features.items():
        row = by_code[code]
        for key in ("name", "kind", "parent_code", "address_keywords"):
            assert feature["properties"][key] == row[key], (code, key)
        geometry = unit_area_from_fields(code, row["name"], row["kind"], geometry=feature["geometry"]).geometry
        centre = (float(row["lat"]), float(row["lng"]))
        assert distance_to_geometry_m(centre, geometry.exterior) >= float(row["radius_m"])  # type: ignore[union-attr]


def test_demo_areas_nest() -> None:
    router = demo_router()
    rows, _ = load_demo()
    for row in rows:
        if row["kind"] not in ("community", "property"):
            continue
        unit, parent = router.unit(row["code"]), router.unit(row["parent_code"])
        assert parent.depth == unit.depth - 1
        if parent.geometry is not None:
            reach = distance_to_geometry_m(unit.centre, parent.geometry.boundary)  # type: ignore[arg-type]
            assert parent.geometry.contains(Point(unit.centre[1], unit.centre[0]))  # type: ignore[index]
        else:
            reach = parent.radius_m - haversine_m(unit.centre, parent.centre)  # type: ignore[arg-type, operator]
        assert reach >= unit.radius_m, row["code"]  # type: ignore[operator]


def test_demo_routing() -> None:
    router = demo_router()
    sakura_1 = router.unit("D01-S02-C02-P01")
    inside_property = destination(sakura_1.centre, 10, 50)  # type: ignore[arg-type]
    assert router.route(inside_property, None, None, DEPARTMENTS).unit_code == "D01-S02-C02-P01"

    community = router.unit("D01-S02-C02")
    # 250 m north-west of the community centre: inside it, outside both 樱花苑 compounds.
    in_community = destination(community.centre, 315, 250)  # type: ignore[arg-type]
    for code in ("D01-S02-C02-P01", "D01-S02-C02-P02"):
        compound = router.unit(code)
        assert haversine_m(in_community, compound.centre) > compound.radius_m  # type: ignore[arg-type, operator]
    decision = router.route(in_community, None, None, DEPARTMENTS)
    assert (decision.unit_code, decision.reason) == ("D01-S02-C02", "area")

    far = (31.40, 121.80)
    assert router.route(far, None, None, DEPARTMENTS).unit_code == "D01"
    assert router.route(far, "松风路88弄5号", None, DEPARTMENTS).unit_code == "D01-S01-C02-P01"
    assert router.route(inside_property, None, "混装混运", DEPARTMENTS).unit_code == "D01-CG"
