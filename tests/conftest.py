"""Shared fixtures: a database per test (SQLite or PostgreSQL), a fake WeChat API, a frozen
clock, the app, and residents that talk to the app the way WeChat does."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import settings
from sqlalchemy import text

from bot.app import create_app
from cli import COMMANDS
from cli.db import upgrade_database
from outbound.delivery import deliver_due
from runtime import from_app, Runtime
from bot.simulator import WeChatServer
from config import TZ, Config
from models import Base, make_engine
from tests.fake_wechat import FakeWeChat
from tests.wechat_user import WeChatUser

# The official sample from WeChat's encryption docs.
SAMPLE_TOKEN = "spamtest"
SAMPLE_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
# The app under test runs in production mode, which refuses tokens shorter than 16 characters.
TEST_TOKEN = "test-token-0123456789"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# CI must be repeatable: the same examples every run unless a fuzzing profile is chosen
# (HYPOTHESIS_PROFILE=explore searches new examples each run).
settings.register_profile("repeatable", derandomize=True, deadline=None)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
# One schema per test run, so two runs on the same database never trip over each other.
PG_SCHEMA = f"wastebot_test_{os.getpid()}"


def pg_url() -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{PG_SCHEMA}"


class FrozenClock:
    """The app's clock in tests: stands still until moved."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value


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


def make_config(database_url: str, instance: Path, api_base: str, **overrides: Any) -> Config:
    values: dict[str, Any] = {
        "WECHAT_TOKEN": TEST_TOKEN, "SECRET_KEY": "test-secret-0123456789",
        "WECHAT_APP_ID": SAMPLE_APP_ID, "WECHAT_APP_SECRET": "test-app-secret",
        "WECHAT_AES_KEY": SAMPLE_AES_KEY, "WECHAT_API_BASE": api_base,
        "WECOM_API_BASE": api_base, "WECOM_CORP_ID": "ww-test", "WECOM_SECRET": "wecom-secret",
        "WECOM_AGENT_ID": "1000002", "WECHAT_REMINDER_TEMPLATE_ID": "tpl_reminder",
        "WECHAT_NOTICE_TEMPLATE_ID": "tpl_notice", "DATABASE_URL": database_url,
        "INSTANCE_DIR": str(instance), "MEDIA_DIR": str(instance / "media"),
        "CITY_PROFILE": "shanghai", "HTTP_TIMEOUT_S": 2,
    }
    values.update(overrides)
    return Config.from_mapping(values)


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


def deliver(runtime: Runtime) -> int:
    """Finish kicked work, then deliver everything due, as the scheduler's sweep would."""
    runtime.drain()
    return deliver_due(runtime)
