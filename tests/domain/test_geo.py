"""GCJ-02 ↔ WGS-84, distances and geometry helpers."""
from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon

from domain.geo import (
    area_m2,
    bbox_around,
    circle_polygon,
    destination,
    distance_to_geometry_m,
    gcj02_to_wgs84,
    geometry_from_geojson,
    haversine_m,
    out_of_china,
    wgs84_to_gcj02,
)

# Inside the conventional China box, away from its edges (where the offset switches off).
china_lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)
china_lng = st.floats(min_value=74.0, max_value=134.5, allow_nan=False)


def test_known_offset_at_tiananmen() -> None:
    # Published pairs for this spot put the GCJ-02 shift at about +0.0014° lat, +0.0062° lng.
    lat, lng = wgs84_to_gcj02(39.9087, 116.3975)
    assert lat - 39.9087 == pytest.approx(0.00140, abs=5e-5)
    assert lng - 116.3975 == pytest.approx(0.00624, abs=5e-5)


def test_offset_in_shanghai_is_a_few_hundred_metres() -> None:
    wgs = (31.23, 121.47)
    shift = haversine_m(wgs, wgs84_to_gcj02(*wgs))
    assert 300 < shift < 700


@pytest.mark.parametrize("point", [(51.5074, -0.1278), (40.7128, -74.006), (-33.86, 151.2), (35.68, 139.76)])
def test_no_offset_outside_china(point: tuple[float, float]) -> None:
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point


@given(china_lat, china_lng)
def test_round_trip_within_a_metre_inside_china(lat: float, lng: float) -> None:
    gcj = wgs84_to_gcj02(lat, lng)
    back = gcj02_to_wgs84(*gcj)
    assert haversine_m((lat, lng), back) < 1.0


@given(china_lat, china_lng)
def test_inverse_then_forward_returns_the_gcj_point(lat: float, lng: float) -> None:
    wgs = gcj02_to_wgs84(lat, lng)
    assert haversine_m(wgs84_to_gcj02(*wgs), (lat, lng)) < 1.0
    assert haversine_m(wgs, (lat, lng)) < 1000  # the offset itself stays below a kilometre


@pytest.mark.parametrize("bad", [(float("nan"), 120.0), (91.0, 120.0), (30.0, 181.0), (30.0, float("inf"))])
def test_rejects_non_coordinates(bad: tuple[float, float]) -> None:
    with pytest.raises(ValueError):
        wgs84_to_gcj02(*bad)
    with pytest.raises(ValueError):
        gcj02_to_wgs84(*bad)


def test_haversine_known_distances() -> None:
    assert haversine_m((31.23, 121.47), (31.23, 121.47)) == 0.0
    one_degree_lat = haversine_m((0.0, 0.0), (1.0, 0.0))
    assert one_degree_lat == pytest.approx(111_195, rel=1e-3)
    # Shanghai People's Square to Beijing Tiananmen: about 1,067 km.
    assert haversine_m((31.2304, 121.4737), (39.9042, 116.4074)) == pytest.approx(1_067_000, rel=0.01)
    assert haversine_m((0.0, 0.0), (0.0, 180.0)) == pytest.approx(math.pi * 6_371_008.8)


@given(china_lat, china_lng, st.floats(0, 360), st.floats(1, 20_000))
def test_destination_is_at_the_requested_distance(lat: float, lng: float, bearing: float, dist: float) -> None:
    assert haversine_m((lat, lng), destination((lat, lng), bearing, dist)) == pytest.approx(dist, rel=1e-6, abs=1e-3)


def test_bbox_around_contains_the_circle() -> None:
    centre = (31.23, 121.47)
    minx, miny, maxx, maxy = bbox_around(centre, 1000)
    for bearing in range(0, 360, 15):
        lat, lng = destination(centre, bearing, 999)
        assert minx <= lng <= maxx and miny <= lat <= maxy
    assert haversine_m((miny, centre[1]), (maxy, centre[1])) == pytest.approx(2000, rel=1e-3)


def test_circle_polygon_area_and_edge_distance() -> None:
    centre = (31.23, 121.47)
    circle = circle_polygon(centre, 500)
    assert area_m2(circle) == pytest.approx(math.pi * 500**2, rel=0.01)
    outside = destination(centre, 90, 800)
    assert distance_to_geometry_m(outside, circle) == pytest.approx(300, abs=2)
    assert distance_to_geometry_m(centre, circle) == 0.0
    with pytest.raises(ValueError):
        circle_polygon(centre, 0)


def test_distance_to_polygon_in_metres_not_degrees() -> None:
    # A 0.01° × 0.01° square near Shanghai: about 951 m wide and 1,112 m tall.
    square = geometry_from_geojson(
        {"type": "Polygon", "coordinates": [[[121.47, 31.23], [121.48, 31.23], [121.48, 31.24], [121.47, 31.24], [121.47, 31.23]]]}
    )
    assert area_m2(square) == pytest.approx(951 * 1112, rel=0.01)
    east = (31.235, 121.49)  # 0.01° east of the right edge
    assert distance_to_geometry_m(east, square) == pytest.approx(951, rel=0.01)
    south = (31.22, 121.475)
    assert distance_to_geometry_m(south, square) == pytest.approx(1112, rel=0.01)


def test_geometry_from_geojson_accepts_polygons_and_multipolygons() -> None:
    ring = [[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.0]]
    assert isinstance(geometry_from_geojson({"type": "Polygon", "coordinates": [ring]}), Polygon)
    other = [[[x + 1, y] for x, y in ring]]
    multi = geometry_from_geojson({"type": "MultiPolygon", "coordinates": [[ring], other]})
    assert isinstance(multi, MultiPolygon) and len(multi.geoms) == 2


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Point", "coordinates": [121.0, 31.0]},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[121.0, 31.0], [121.1]]]},
        {"type": "Polygon"},
        # A bow tie: self-intersecting.
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
        # Lat/lng swapped far out of range.
        {"type": "Polygon", "coordinates": [[[31.0, 121.0], [31.1, 121.0], [31.1, 121.1], [31.0, 121.0]]]},
    ],
)
def test_geometry_from_geojson_rejects_bad_input(geometry: dict) -> None:
    with pytest.raises(ValueError):
        geometry_from_geojson(geometry)
