"""Coordinates for the complaint channel: GCJ-02 ↔ WGS-84, distances, area geometries.

Points are ``(lat, lng)`` tuples in degrees everywhere in this module; shapely geometries
use GeoJSON order ``(x=lng, y=lat)``.

Distances are never measured in degrees. Circles are kept as centre + radius and checked
with the haversine distance; polygon distances are measured after projecting the polygon
onto a local equirectangular plane centred on the query point, which is accurate to well
under 1 % within a few tens of kilometres — ample for city-scale routing.
``circle_polygon`` exists for display and export (GeoJSON for maps), not for routing.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape

LatLng = tuple[float, float]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
_M_PER_DEG_LAT = math.pi * EARTH_RADIUS_M / 180.0

# Krasovsky 1940 ellipsoid parameters used by the published GCJ-02 transform.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323


def out_of_china(lat: float, lng: float) -> bool:
    """True where GCJ-02 applies no offset (the conventional bounding box of China)."""
    return not (73.66 < lng < 135.05 and 3.86 < lat < 53.55)


def _delta_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _delta_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _check_latlng(lat: float, lng: float) -> None:
    if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
        raise ValueError(f"not a coordinate: lat={lat!r}, lng={lng!r}")


def wgs84_to_gcj02(lat: float, lng: float) -> LatLng:
    """Apply the published GCJ-02 offset (identity outside China)."""
    _check_latlng(lat, lng)
    if out_of_china(lat, lng):
        return lat, lng
    dlat = _delta_lat(lng - 105.0, lat - 35.0)
    dlng = _delta_lng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1 - _GCJ_EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_GCJ_A / sqrtmagic * math.cos(radlat) * math.pi)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> LatLng:
    """Invert GCJ-02 by fixed-point iteration (converges to millimetres in a few steps)."""
    _check_latlng(lat, lng)
    if out_of_china(lat, lng):
        return lat, lng
    wlat, wlng = lat, lng
    for _ in range(30):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        dlat, dlng = glat - lat, glng - lng
        wlat, wlng = wlat - dlat, wlng - dlng
        if abs(dlat) < 1e-10 and abs(dlng) < 1e-10:
            break
    return wlat, wlng


def haversine_m(a: LatLng, b: LatLng) -> float:
    """Great-circle distance in metres between two (lat, lng) points."""
    lat1, lng1 = math.radians(a[0]), math.radians(a[1])
    lat2, lng2 = math.radians(b[0]), math.radians(b[1])
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def bbox_around(point: LatLng, radius_m: float) -> tuple[float, float, float, float]:
    """A (minx, miny, maxx, maxy) degree box that contains the circle around ``point``."""
    lat, lng = point
    dlat = radius_m / _M_PER_DEG_LAT
    coslat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(radius_m / (_M_PER_DEG_LAT * coslat), 180.0)
    return lng - dlng, max(lat - dlat, -90.0), lng + dlng, min(lat + dlat, 90.0)


def _to_local_plane(geom: shapely.Geometry, origin: LatLng) -> shapely.Geometry:
    """Project lng/lat geometry onto an equirectangular plane in metres around ``origin``."""
    lat0, lng0 = origin
    kx = _M_PER_DEG_LAT * math.cos(math.radians(lat0))

    def project(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - lng0) * kx, (coords[:, 1] - lat0) * _M_PER_DEG_LAT))

    return shapely.transform(geom, project)


def distance_to_geometry_m(point: LatLng, geom: shapely.Geometry) -> float:
    """Metres from ``point`` to the nearest part of ``geom`` (0 when inside)."""
    return float(_to_local_plane(geom, point).distance(Point(0.0, 0.0)))


def area_m2(geom: shapely.Geometry) -> float:
    """Approximate area in square metres (local projection at the centroid)."""
    c = geom.centroid
    return float(_to_local_plane(geom, (c.y, c.x)).area)


def destination(point: LatLng, bearing_deg: float, distance_m: float) -> LatLng:
    """The point reached from ``point`` along a great circle."""
    lat1, lng1 = math.radians(point[0]), math.radians(point[1])
    brg, d = math.radians(bearing_deg), distance_m / EARTH_RADIUS_M
    lat2 = math.asin(math.sin(lat1) * math.cos(d) + math.cos(lat1) * math.sin(d) * math.cos(brg))
    lng2 = lng1 + math.atan2(math.sin(brg) * math.sin(d) * math.cos(lat1), math.cos(d) - math.sin(lat1) * math.sin(lat2))
    return math.degrees(lat2), (math.degrees(lng2) + 540.0) % 360.0 - 180.0


def circle_polygon(centre: LatLng, radius_m: float, segments: int = 64) -> Polygon:
    """A polygon approximating the geodesic circle (for maps and export)."""
    if radius_m <= 0 or segments < 8:
        raise ValueError("radius_m must be positive and segments at least 8")
    ring = [destination(centre, 360.0 * i / segments, radius_m) for i in range(segments)]
    return Polygon([(lng, lat) for lat, lng in ring])


def geometry_from_geojson(geometry: Mapping[str, Any]) -> Polygon | MultiPolygon:
    """Build a valid WGS-84 Polygon/MultiPolygon from a GeoJSON geometry dict."""
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"unsupported geometry type: {kind!r} (need Polygon or MultiPolygon)")
    try:
        geom = shape(geometry)
    except (KeyError, TypeError, IndexError, ValueError, shapely.errors.GEOSException) as exc:
        raise ValueError(f"malformed {kind} coordinates: {exc}") from exc
    if geom.is_empty:
        raise ValueError("empty geometry")
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise ValueError("coordinates must be [lng, lat] in degrees")
    if not geom.is_valid:
        raise ValueError(f"invalid geometry: {shapely.is_valid_reason(geom)}")
    assert isinstance(geom, (Polygon, MultiPolygon))
    return geom


def amap_marker_url(gcj_lat: float, gcj_lng: float, name: str) -> str:
    """A link AMap (app or web) opens at a GCJ-02 point, as Chinese map apps expect."""
    return (f"https://uri.amap.com/marker?position={gcj_lng:.6f},{gcj_lat:.6f}"
            f"&name={quote(name)}&coordinate=gaode")
