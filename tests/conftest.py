"""Shared fixtures: a database per test (SQLite or PostgreSQL), a fake WeChat API, a frozen
clock, the app, and residents that talk to the app the way WeChat does."""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import settings
from sqlalchemy import text

from bot.app import create_app
from cli import COMMANDS
from cli.db import upgrade_database
from runtime import from_app, Runtime
from bot.simulator import WeChatServer
from config import TZ, Config
from models import Base, make_engine
from tests.support.fake_wechat import FakeWeChat
from tests.support.settings import PG_SCHEMA, PG_URL, FrozenClock, make_config, pg_url
from tests.support.wechat_user import WeChatUser

# CI must be repeatable: the same examples every run unless a fuzzing profile is chosen
# (HYPOTHESIS_PROFILE=explore searches new examples each run).
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate once per session: a template SQLite file, or a fresh PostgreSQL schema."""
    if PG_URL:
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
        upgrade_database(pg_url())
        yield pg_url()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        admin.dispose()
        return
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    upgrade_database(f"sqlite:///{path}")
    yield str(path)


@pytest.fixture
def database_url(db_template: str, tmp_path: Path) -> str:
    if PG_URL:
        engine = make_engine(db_template)
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return db_template
    target = tmp_path / "test.sqlite3"
    shutil.copyfile(db_template, target)
    return f"sqlite:///{target}"


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChat]:
    server = FakeWeChat().start()
    yield server
    server.stop()


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChat) -> FakeWeChat:
    fake_wechat_server.reset()
    return fake_wechat_server


@pytest.fixture
def clock() -> FrozenClock:
    # A Monday morning, a working day.
    return FrozenClock(datetime(2026, 11, 23, 10, 0, tzinfo=TZ))


@pytest.fixture
def config_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def config(database_url: str, tmp_path: Path, fake_wechat: FakeWeChat,
           config_overrides: dict[str, Any]) -> Config:
    return make_config(database_url, tmp_path / "instance", fake_wechat.url, **config_overrides)


@pytest.fixture
def app(config: Config, clock: FrozenClock) -> Iterator[Any]:
    app = create_app(config, clock=clock, commands=COMMANDS)
    app.config["TESTING"] = True
    yield app
    from_app(app).close()


@pytest.fixture
def runtime(app: Any) -> Runtime:
    return from_app(app)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def wechat(config: Config) -> WeChatServer:
    """WeChat's side of the protocol, in plain mode by default."""
    return WeChatServer(config.WECHAT_TOKEN, config.WECHAT_AES_KEY, config.WECHAT_APP_ID)


@pytest.fixture
def make_user(client: Any, wechat: WeChatServer, runtime: Runtime,
              fake_wechat: FakeWeChat) -> Any:
    def make(openid: str = "o_resident_1") -> WeChatUser:
        return WeChatUser(client, wechat, runtime, fake_wechat, openid)
    return make


@pytest.fixture
def user(make_user: Any) -> WeChatUser:
    return make_user("o_resident_1")


@pytest.fixture
def district(runtime: Runtime) -> None:
    """The demo district's units and areas (data/demo)."""
    from services.units import import_units, read_unit_rows

    demo = Path(__file__).resolve().parent.parent / "data" / "demo"
    with runtime.sessions.begin() as session:
        for name in ("units.csv", "units.geojson"):
            import_units(session, read_unit_rows(demo / name))
