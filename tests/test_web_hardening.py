"""Issue 12, the web side: out-of-range query values, upload limits, headers, Open311 URLs."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from dashboard.case_queries import MAX_PAGE, CaseFilter
from dashboard.params import MAX_DAY, MAX_ID, MIN_DAY, BadQuery
from tests.support.dashboard import ADMIN, Seeded, csrf_token, seed, sign_in

FUZZ = settings(max_examples=40, deadline=timedelta(seconds=5),
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
HUGE = "99999999999999999999"
BAD_VALUES = [("page", HUGE), ("to", "9999-12-31"), ("from", "0001-01-01"), ("unit", HUGE)]


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


@pytest.fixture
def api_key(app: Any) -> str:
    return app.test_cli_runner().invoke(args=["apikeys", "create", "t", "--write"]).output.strip()


@pytest.mark.parametrize("name, value", BAD_VALUES)
@pytest.mark.parametrize("url", ["/dashboard/cases/", "/dashboard/export/cases.csv",
                                 "/dashboard/export/cases.xlsx"])
def test_out_of_range_filters_are_400(url: str, name: str, value: str, client: Any,
                                      seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    resp = client.get(url, query_string={name: value})
    assert resp.status_code == 400
    assert "Traceback" not in resp.get_data(True)


@pytest.mark.parametrize("url", ["/dashboard/cases/{huge}", "/dashboard/photos/{huge}",
                                 "/dashboard/photos/{huge}/thumb",
                                 "/dashboard/cases/{big}", "/dashboard/photos/{big}"])
def test_huge_ids_in_urls_are_404(url: str, client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    assert client.get(url.format(huge=HUGE, big=MAX_ID + 1)).status_code == 404


def test_huge_ids_in_case_actions_are_refused(client: Any, seeded: Seeded) -> None:
    sign_in(client, *ADMIN)
    page = client.get(f"/dashboard/cases/{seeded.own_case}")
    token = csrf_token(page.get_data(True))
    resp = client.post(f"/dashboard/cases/{HUGE}/act/accept", data={"csrf_token": token})
    assert resp.status_code == 404
    resp = client.post(f"/dashboard/cases/{seeded.own_case}/act/dispatch",
                       data={"csrf_token": token, "unit_id": HUGE})
    assert resp.status_code == 400


@pytest.mark.parametrize("param, value", [("start_date", "0001-01-01"),
                                          ("end_date", "9999-12-31T23:59:59"),
                                          ("start_date", "0001-01-01T00:00:00+14:00")])
def test_open311_out_of_range_dates_are_400(param: str, value: str, client: Any,
                                            api_key: str) -> None:
    resp = client.get("/open311/v2/requests.json", query_string={param: value},
                      headers={"X-Api-Key": api_key})
    assert resp.status_code == 400
    assert resp.get_json()[0]["code"] == 400


def test_open311_huge_media_id_is_404(client: Any, api_key: str) -> None:
    resp = client.get(f"/open311/v2/media/{HUGE}.jpg", headers={"X-Api-Key": api_key})
    assert resp.status_code == 404


query_value = st.one_of(st.text(max_size=30), st.integers(-10**25, 10**25).map(str),
                        st.dates().map(str), st.datetimes().map(lambda d: d.isoformat()))


@given(args=st.dictionaries(st.sampled_from(["page", "from", "to", "unit", "status", "type",
                                             "q", "overdue"]), query_value))
def test_case_filter_parser_property(args: dict[str, str]) -> None:
    """Any query string: a filter whose values the database can take, or BadQuery."""
    try:
        f = CaseFilter.from_args(args)
    except BadQuery:
        return
    assert 1 <= f.page <= MAX_PAGE
    assert f.unit_id is None or 0 <= f.unit_id <= MAX_ID
    for d in (f.date_from, f.date_to):
        assert d is None or MIN_DAY <= d <= MAX_DAY


@FUZZ
@given(args=st.dictionaries(st.sampled_from(["page", "from", "to", "unit", "q"]), query_value,
                            min_size=1))
def test_case_list_never_500(client: Any, seeded: Seeded, args: dict[str, str]) -> None:
    if not client.get_cookie("session"):
        sign_in(client, *ADMIN)
    assert client.get("/dashboard/cases/", query_string=args).status_code in (200, 400)


@FUZZ
@given(args=st.dictionaries(st.sampled_from(["start_date", "end_date", "status",
                                             "service_code", "service_request_id"]),
                            query_value, min_size=1))
def test_open311_search_never_500(client: Any, api_key: str, args: dict[str, str]) -> None:
    resp = client.get("/open311/v2/requests.json", query_string=args,
                      headers={"X-Api-Key": api_key})
    assert resp.status_code in (200, 400)


def test_security_headers_on_dashboard_pages(client: Any, seeded: Seeded) -> None:
    for url in ("/dashboard/login", "/dashboard/"):
        if url == "/dashboard/":
            sign_in(client, *ADMIN)
        resp = client.get(url)
        assert resp.status_code == 200
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "style-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "script-src 'self';" in csp and "img-src 'self' data:;" in csp  # no tiles set
        html = resp.get_data(True)
        assert " style=" not in html  # nothing the policy would block
        assert re.findall(r"<script[^>]*>", html) == ([] if "login" in url else [
            '<script src="/dashboard/static/vendor/leaflet/leaflet.js">',
            '<script src="/dashboard/static/map.js">'])  # files only, never inline


@pytest.mark.parametrize("tiles, source", [
    ("https://webst0{s}.is.autonavi.com/appmaptile?style=7&x={x}&y={y}&z={z}",
     "https://*.is.autonavi.com"),
    ("https://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY&x={x}&y={y}&l={z}",
     "https://*.tianditu.gov.cn"),
    ("https://tiles.example.cn/{z}/{x}/{y}.png", "https://tiles.example.cn"),
])
def test_the_map_tile_server_is_allowed_for_images_only(tiles: str, source: str) -> None:
    from dashboard.web import csp

    policy = csp(tiles)
    assert f"img-src 'self' data: {source};" in policy
    assert policy.count(source) == 1


class TestUploadLimit:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"UPLOAD_MAX_BYTES": 5 * 1024 * 1024}

    def _post(self, client: Any, url: str, page: str, name: str, data: bytes) -> Any:
        token = csrf_token(client.get(page).get_data(True))
        # Encoded up front: the test client's own spooled file for a big form is left open
        # when the app refuses the body unread.
        boundary, body = encode_multipart({"csrf_token": token, "issued": "2024-01-11",
                                           "file": FileStorage(io.BytesIO(data), name)})
        return client.post(url, data=body, follow_redirects=True,
                           content_type=f"multipart/form-data; boundary={boundary}")

    def test_a_large_plan_within_the_limit_is_read(self, client: Any, seeded: Seeded) -> None:
        sign_in(client, *ADMIN)
        plan = ("1.垃圾桶满溢问题\n责任单位：岭南社区\n完成时限：3月底前\n" + "#" * 3_000_000)
        resp = self._post(client, "/dashboard/tasks/plans/upload", "/dashboard/tasks/",
                          "plan.txt", plan.encode())
        assert resp.status_code == 200 and "文件过大" not in resp.get_data(True)

    @pytest.mark.parametrize("url, page, name", [
        ("/dashboard/tasks/plans/upload", "/dashboard/tasks/", "plan.txt"),
        ("/dashboard/units/import", "/dashboard/units/", "units.csv")])
    def test_excess_gets_a_clear_page(self, client: Any, seeded: Seeded, url: str, page: str,
                                      name: str) -> None:
        sign_in(client, *ADMIN)
        resp = self._post(client, url, page, name, b"x" * (6 * 1024 * 1024))
        assert resp.status_code == 413
        html = resp.get_data(True)
        assert "上传的文件超过上限（5 MB）" in html and "<html" in html

    def test_the_webhook_keeps_its_own_cap(self, client: Any, wechat: Any, config: Any) -> None:
        body = b"<xml>" + b"a" * (config.MAX_BODY_BYTES + 1) + b"</xml>"
        assert client.post("/wechat", query_string=wechat.sign(), data=body).status_code == 413


class TestPublicBaseUrl:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"PUBLIC_BASE_URL": "https://bot.city.example/"}

    def test_absolute_urls_never_come_from_the_host_header(self, client: Any, seeded: Seeded,
                                                           api_key: str) -> None:
        evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
        disc = client.get("/open311/v2/discovery.json", headers=evil).get_json()
        assert disc["endpoints"][0]["url"] == "https://bot.city.example/open311/v2/"
        found = client.get("/open311/v2/requests.json",
                           headers={**evil, "X-Api-Key": api_key}).get_json()
        urls = [r["media_url"] for r in found if r.get("media_url")]
        assert urls and all(u.startswith("https://bot.city.example/open311/v2/media/")
                            for u in urls)


def test_open311_key_in_a_header_can_file(client: Any, api_key: str, district: None) -> None:
    resp = client.post("/open311/v2/requests.json", headers={"X-Api-Key": api_key},
                       data={"service_code": "混投错投", "lat": "31.243061",
                             "long": "121.462121"})
    assert resp.status_code == 201, resp.get_data(True)
