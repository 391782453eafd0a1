"""The map's JSON: areas and open cases, scoped like the pages, in the tiles' system."""
from __future__ import annotations

from typing import Any

import pytest

from domain.geo import wgs84_to_gcj02
from models.cases import DISPATCHED
from tests.support.dashboard import (ADMIN, HUBIN, LINGNAN, UNIT_USER, Seeded, seed,
                                          sign_in)


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


def test_overview_map_has_every_area_and_open_case(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    data = client.get("/dashboard/map/data.json").get_json()
    assert (data["crs"], data["tiles"]) == ("wgs84", None)
    names = {f["properties"]["name"] for f in data["units"]["features"]}
    assert {"北岭街道", "岭南社区", "湖滨社区"} <= names
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon")
               for f in data["units"]["features"])
    points = {c["number"]: (c["lat"], c["lng"], c["status"], c["colour"]) for c in data["cases"]}
    assert points == {seeded.own_number: (*LINGNAN, DISPATCHED, "#fd7e14"),
                      seeded.other_number: (*HUBIN, DISPATCHED, "#fd7e14")}


def test_unit_user_sees_their_street_only(client: Any, seeded: Seeded) -> None:
    sign_in(client, *UNIT_USER)
    data = client.get("/dashboard/map/data.json").get_json()
    assert [c["number"] for c in data["cases"]] == [seeded.own_number]
    assert "湖滨社区" not in {f["properties"]["name"] for f in data["units"]["features"]}
    assert client.get(f"/dashboard/map/data.json?case={seeded.other_case}").status_code == 404
    other_street = seeded.unit_ids["D01-S02"]
    assert client.get(f"/dashboard/map/data.json?unit={other_street}").status_code == 404
    one = client.get(f"/dashboard/map/data.json?case={seeded.own_case}").get_json()
    assert [c["number"] for c in one["cases"]] == [seeded.own_number]
    assert [f["properties"]["name"] for f in one["units"]["features"]] == ["岭南社区"]
    street = client.get(f"/dashboard/map/data.json?unit={seeded.unit_ids['D01-S01']}").get_json()
    assert [c["number"] for c in street["cases"]] == [seeded.own_number]
    assert client.get("/dashboard/map/data.json?case=99999999999999").status_code == 400


class TestAmapTiles:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"MAP_TILE_URL": "https://webst0{s}.is.autonavi.com/appmaptile?style=7"
                                "&x={x}&y={y}&z={z}", "MAP_CRS": "gcj02"}

    def test_points_and_areas_are_in_gcj02(self, client: Any, seeded: Seeded) -> None:
        sign_in(client, *ADMIN)
        data = client.get(f"/dashboard/map/data.json?case={seeded.own_case}").get_json()
        assert data["crs"] == "gcj02" and data["tiles"].startswith("https://webst0{s}")
        lat, lng = wgs84_to_gcj02(*LINGNAN)
        assert (data["cases"][0]["lat"], data["cases"][0]["lng"]) == (round(lat, 7),
                                                                     round(lng, 7))
        page = client.get(f"/dashboard/cases/{seeded.own_case}")
        assert "https://*.is.autonavi.com" in page.headers["Content-Security-Policy"]
        assert (f"https://uri.amap.com/marker?position={lng:.6f},{lat:.6f}&amp;name="
                f"{seeded.own_number}") in page.get_data(True)


def test_unit_page_shows_its_area(client: Any, seeded: Seeded) -> None:
    sign_in(client, *UNIT_USER)
    lingnan = seeded.unit_ids["D01-S01-C01"]
    html = client.get(f"/dashboard/units/{lingnan}").get_data(True)
    assert "岭南社区" in html and f'data-src="/dashboard/map/data.json?unit={lingnan}"' in html
    assert client.get(f"/dashboard/units/{seeded.unit_ids['D01-S02']}").status_code == 404
