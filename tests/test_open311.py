"""Open311 GeoReport v2: discovery, services, request search and filing, errors, privacy."""
from __future__ import annotations

import json
from typing import Any

import pytest

from models import Case
from models.cases import CLOSED
from open311.fields import w3c
from tests.support.settings import deliver
from tests.support.dashboard import REPORTER, Seeded, seed

BASE = "/open311/v2"


@pytest.fixture
def seeded(runtime: Any) -> Seeded:
    return seed(runtime)


@pytest.fixture
def keys(app: Any) -> dict[str, str]:
    runner = app.test_cli_runner()
    read = runner.invoke(args=["apikeys", "create", "city-platform"]).output.strip()
    write = runner.invoke(args=["apikeys", "create", "partner", "--write"]).output.strip()
    return {"read": read, "write": write}


def test_discovery_and_services(client: Any, keys: dict[str, str]) -> None:
    disc = client.get(f"{BASE}/discovery.json").get_json()
    assert disc["endpoints"][0]["url"].endswith("/open311/v2/")
    assert "application/json" in disc["endpoints"][0]["formats"]
    services = client.get(f"{BASE}/services.json", query_string={"api_key": keys["read"]})
    codes = [s["service_code"] for s in services.get_json()]
    assert "混投错投" in codes and all(s["metadata"] is False for s in services.get_json())


def test_requests_have_standard_fields_and_no_reporter(client: Any, runtime: Any,
                                                       seeded: Seeded,
                                                       keys: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/requests.json", headers={"X-Api-Key": keys["read"]})
    found = {r["service_request_id"]: r for r in resp.get_json()}
    assert set(found) == {seeded.own_number, seeded.other_number}
    own = found[seeded.own_number]
    assert own["status"] == "open" and own["agency_responsible"] == "岭南社区"
    assert own["requested_datetime"] == "2026-11-23T10:00:00+08:00"
    with runtime.sessions.begin() as s:
        deadline = s.get(Case, seeded.own_case).deadline_at
    assert own["expected_datetime"] == w3c(deadline)
    assert own["lat"] == pytest.approx(31.243061) and own["long"] == pytest.approx(121.462121)
    assert own["address"] == "岭南路12号" and own["media_url"].endswith(".jpg")
    assert REPORTER not in resp.get_data(True)
    photo = client.get(own["media_url"], query_string={"api_key": keys["read"]})
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    one = client.get(f"{BASE}/requests/{seeded.other_number}.json",
                     query_string={"api_key": keys["read"]}).get_json()
    assert [r["service_request_id"] for r in one] == [seeded.other_number]


def test_request_filters(client: Any, seeded: Seeded, keys: dict[str, str]) -> None:
    def ids(**args: str) -> set[str]:
        resp = client.get(f"{BASE}/requests.json", query_string={"api_key": keys["read"], **args})
        assert resp.status_code == 200, resp.get_data(True)
        return {r["service_request_id"] for r in resp.get_json()}

    assert ids(service_code="混投错投") == {seeded.own_number}
    assert ids(status="closed") == set()
    assert ids(status="open") == {seeded.own_number, seeded.other_number}
    assert ids(start_date="2026-11-24T00:00:00+08:00") == set()
    assert ids(end_date="2026-11-23T10:00:00+08:00") == {seeded.own_number,
                                                         seeded.other_number}
    assert ids(service_request_id=f"{seeded.other_number},nope") == {seeded.other_number}


def test_errors_are_lists_of_code_and_description(client: Any, seeded: Seeded,
                                                  keys: dict[str, str]) -> None:
    for resp, code in [
        (client.post(f"{BASE}/requests.json", data={"service_code": "混投错投"}), 401),
        (client.post(f"{BASE}/requests.json", data={"api_key": "bad"}), 401),
        (client.get(f"{BASE}/requests.json", query_string={"api_key": keys["read"],
                                                           "start_date": "yesterday"}), 400),
        (client.get(f"{BASE}/requests/JC0.json", query_string={"api_key": keys["read"]}), 404),
        (client.post(f"{BASE}/requests.json", data={"api_key": keys["read"],
                                                    "service_code": "混投错投"}), 403),
        (client.post(f"{BASE}/requests.json", data={"api_key": keys["write"],
                                                    "service_code": "nope", "lat": "31.2",
                                                    "long": "121.4"}), 400),
        (client.post(f"{BASE}/requests.json", data={"api_key": keys["write"],
                                                    "service_code": "混投错投"}), 400),
    ]:
        assert resp.status_code == code
        body = resp.get_json()
        assert isinstance(body, list) and body[0]["code"] == code and body[0]["description"]


def test_post_with_a_write_key_files_a_case_like_the_chat(client: Any, runtime: Any,
                                                          fake_wechat: Any, seeded: Seeded,
                                                          keys: dict[str, str]) -> None:
    resp = client.post(f"{BASE}/requests.json", data={
        "api_key": keys["write"], "service_code": "混投错投", "lat": "31.244841",
        "long": "121.480974", "address_string": "湖滨路1号", "description": "分类桶混投",
        "email": "someone@example.com", "first_name": "张"})
    assert resp.status_code == 201
    number = resp.get_json()[0]["service_request_id"]
    deliver(runtime)
    assert any(number in m for m in fake_wechat.messages_to("o_cadre_hb"))
    got = client.get(f"{BASE}/requests/{number}.json",
                     query_string={"api_key": keys["read"]}).get_json()[0]
    assert got["agency_responsible"] == "湖滨社区" and got["status"] == "open"
    text = json.dumps(got, ensure_ascii=False)
    assert "someone@example.com" not in text and "张" not in text


def test_reads_are_public_and_xml_works_beside_json(client: Any, runtime: Any,
                                                    seeded: Seeded) -> None:
    from defusedxml.ElementTree import fromstring

    listed = client.get(f"{BASE}/requests.json")  # no key needed to read
    assert listed.status_code == 200 and len(listed.get_json()) == 2
    xml = client.get(f"{BASE}/requests/{seeded.own_number}.xml")
    assert xml.status_code == 200 and xml.mimetype == "text/xml"
    root = fromstring(xml.data)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert root.findtext("request/service_request_id") == seeded.own_number
    assert root.findtext("request/agency_responsible") == "岭南社区"
    assert root.findtext("request/address_id") == ""
    services = fromstring(client.get(f"{BASE}/services.xml").data)
    assert services.tag == "services" and services.findtext("service/metadata") == "false"
    disc = fromstring(client.get(f"{BASE}/discovery.xml").data)
    assert [f.text for f in disc.findall("endpoints/endpoint/formats/format")] == [
        "application/json", "text/xml"]
    error = fromstring(client.get(f"{BASE}/requests/JC0.xml").data)
    assert (error.tag, error.findtext("error/code")) == ("errors", "404")
    assert client.post(f"{BASE}/requests.xml", data={"service_code": "混投错投"}
                       ).status_code == 401
    assert client.get(f"{BASE}/requests.csv").status_code == 404
    # The deadline stays in expected_datetime after closing.
    with runtime.sessions.begin() as s:
        case = s.get(Case, seeded.own_case)
        case.status, deadline = CLOSED, case.deadline_at
    closed = client.get(f"{BASE}/requests/{seeded.own_number}.json").get_json()[0]
    assert (closed["status"], closed["expected_datetime"]) == ("closed", w3c(deadline))


class TestReadsNeedAKeyWhenSet:
    @pytest.fixture
    def config_overrides(self) -> dict[str, Any]:
        return {"OPEN311_READ_NEEDS_KEY": "1"}

    def test_reads_need_a_key(self, client: Any, seeded: Seeded, keys: dict[str, str]) -> None:
        assert client.get(f"{BASE}/requests.json").status_code == 401
        assert client.get(f"{BASE}/services.xml").status_code == 401
        assert client.get(f"{BASE}/discovery.json").status_code == 200
        assert client.get(f"{BASE}/requests.json",
                          headers={"X-Api-Key": keys["read"]}).status_code == 200
