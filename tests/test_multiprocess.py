"""Several gunicorn workers on PostgreSQL: retries handled once, concurrent residents served.

The server is a real subprocess (`gunicorn -w 4 wsgi:app`) in its own schema; WeChat's
side is bot.simulator over HTTP on loopback. Needs TEST_DATABASE_URL (CI sets it).
"""
from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
from sqlalchemy import func, select, text

from tests.support.serve import Gunicorn, schema_url
from cli.db import upgrade_database
from bot.simulator import WeChatServer, message_xml, new_msg_id
from models import Case, InboundMessage, make_engine, make_session_factory
from services.units import import_units, read_unit_rows
from tests.support.settings import PG_URL
from tests.support.complaints import DEMO, SONGFENG, jpeg

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="multi-process test needs PostgreSQL: set TEST_DATABASE_URL")
TOKEN = "mp-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Gunicorn, str]]:
    schema = "wastebot_mp_" + secrets.token_hex(4)
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = schema_url(PG_URL, schema)
    tmp = tmp_path_factory.mktemp("mp")
    try:
        upgrade_database(url)
        engine = make_engine(url)
        with make_session_factory(engine).begin() as session:
            for name in ("units.csv", "units.geojson"):
                import_units(session, read_unit_rows(DEMO / name))
        engine.dispose()
        env = {"WECHAT_TOKEN": TOKEN, "SECRET_KEY": "mp-secret", "DATABASE_URL": url,
               "INSTANCE_DIR": str(tmp / "instance"), "WECHAT_APP_ID": "",
               "WECHAT_APP_SECRET": "", "WECHAT_AES_KEY": "", "REDIS_URL": "", "DEV_MODE": "1",
               "WEBHOOK_RATE_PER_MIN": "100000", "CITY_PROFILE": "shanghai"}
        with Gunicorn("wsgi:app", env, workers=4, log_path=tmp / "gunicorn.log") as gun:
            yield gun, url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


class Resident:
    """A resident talking to the subprocess server over HTTP, as WeChat would deliver."""

    def __init__(self, base: str, openid: str) -> None:
        self.base, self.openid = base, openid
        self.wechat = WeChatServer(TOKEN)
        self.http = requests.Session()

    def post(self, xml: str) -> requests.Response:
        d = self.wechat.deliver(xml)
        return self.http.post(self.base + "/wechat", params=d.params, data=d.body, timeout=30)

    def xml(self, msg_type: str, msg_id: str | None = None, **fields: Any) -> str:
        return message_xml(self.openid, "gh_mp", msg_type, int(time.time()),
                           msg_id or new_msg_id(), **fields)

    def say(self, content: str) -> str:
        resp = self.post(self.xml("text", Content=content))
        assert resp.status_code == 200, resp.status_code
        return resp.text

    def photo(self) -> None:
        up = self.http.post(self.base + "/dev/media", data=jpeg(), timeout=30)
        media_id = up.json()["media_id"]
        resp = self.post(self.xml("image", PicUrl="http://mmbiz.example/x", MediaId=media_id))
        assert resp.status_code == 200


def _count(url: str, query: Any) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())
    finally:
        engine.dispose()


def test_concurrent_retries_of_a_submission_make_one_case(server: tuple[Gunicorn, str]) -> None:
    gun, url = server
    resident = Resident(gun.url, "o_mp_reporter")
    resident.say("纠错")
    resident.photo()
    lat, lng = SONGFENG
    assert resident.post(resident.xml("location", Location_X=lat, Location_Y=lng, Scale=16,
                                      Label="松风路88弄")).status_code == 200
    resident.say("1")
    submit = resident.xml("text", msg_id=new_msg_id(), Content="提交")
    barrier = threading.Barrier(3)

    def deliver() -> requests.Response:
        barrier.wait()  # WeChat's three retries, all at once, to different workers
        return Resident(gun.url, resident.openid).post(submit)

    with ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda _: deliver(), range(3)))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert all("JC" in r.text for r in responses)
    assert _count(url, select(func.count()).select_from(Case)
                  .where(Case.reporter_openid == resident.openid)) == 1


def test_many_residents_at_once_lose_nothing(server: tuple[Gunicorn, str]) -> None:
    gun, url = server
    questions = ["电池", "香蕉皮是什么垃圾", "塑料瓶", "帮助", "旧衣服怎么扔", "外卖盒"]
    users, per_user = 12, 8
    statuses: list[int] = []
    lock = threading.Lock()

    def talk(n: int) -> None:
        resident = Resident(gun.url, f"o_mp_crowd_{n}")
        for i in range(per_user):
            resp = resident.post(resident.xml("text", Content=questions[(n + i) % 6]))
            with lock:
                statuses.append(resp.status_code)
            assert resp.status_code != 200 or resp.text  # every question gets an answer

    with ThreadPoolExecutor(users) as pool:
        list(pool.map(talk, range(users)))
    assert statuses == [200] * (users * per_user)
    assert _count(url, select(func.count()).select_from(InboundMessage)
                  .where(InboundMessage.openid.like("o_mp_crowd_%"))) == users * per_user
    assert "Traceback" not in Path(gun.log_path or "").read_text(errors="replace")
