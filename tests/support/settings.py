"""The test app's settings, the PostgreSQL URL when one is given, and delivering pushes now."""
from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from config import Config
from outbound.delivery import deliver_due
from runtime import Runtime

# The official sample from WeChat's encryption docs.
SAMPLE_TOKEN = "spamtest"
SAMPLE_AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SAMPLE_APP_ID = "wx2c2769f8efd9abc2"
# The app under test runs in production mode, which refuses tokens shorter than 16 characters.
TEST_TOKEN = "test-token-0123456789"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

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


def deliver(runtime: Runtime) -> int:
    """Finish kicked work, then deliver everything due, as the scheduler's sweep would."""
    runtime.drain()
    return deliver_due(runtime)
