"""The composition root: everything one process needs, built once and passed in.

`build_runtime(config)` is called once per process: by the web app (`bot.app.create_app`),
the scheduler (`scheduler.runner`) and the command line. Every long-lived object is a typed
attribute here (no string registries); the web side finds it with `from_app(current_app)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import TZ, Config
from models import make_engine, make_session_factory
from models.base import make_relaxed_engine
from outbound.kick import Kicker
from outbound.photostore import PhotoStore, build_photo_store
from outbound.wechat_api import (HttpApi, MemoryTokenCache, OfficialAccountApi, RedisTokenCache,
                                 TokenCache, WeComApi, WeComRobot)
from services.kb_matcher import KbService

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(TZ)


@dataclass
class Runtime:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    kb: KbService  # the sorting matcher with the office's edits (handlers: ctx.kb)
    photos: PhotoStore  # MEDIA_STORE: the local directory or the S3 bucket
    clock: Clock = system_clock
    wechat: OfficialAccountApi | None = None
    wecom: WeComApi | None = None
    wecom_robot: WeComRobot | None = None
    kicker: Kicker = field(default_factory=Kicker, repr=False)
    # PostgreSQL: autocommit connections without durable commits, for plain questions only
    # (bot/fastpath.py); None on SQLite, where the fast path uses `engine`'s connections.
    relaxed: Engine | None = None

    def kick(self, names: set[str]) -> None:
        """Run background work ("outbox", "media") soon, off the request: outbound/kick.py."""
        self.kicker.kick(self, names)

    def drain(self) -> None:
        """Wait for kicked work (tests, shutdown)."""
        self.kicker.drain()

    def close(self) -> None:
        self.drain()
        self.engine.dispose()
        if self.relaxed is not None:
            self.relaxed.dispose()


def token_cache(config: Config) -> TokenCache:
    return RedisTokenCache(config.REDIS_URL) if config.REDIS_URL else MemoryTokenCache()


def build_runtime(config: Config, clock: Clock | None = None,
                  engine: Engine | None = None) -> Runtime:
    engine = engine or make_engine(config.database_url)
    http = requests.Session()
    cache = token_cache(config)
    wechat = wecom = None
    if config.wechat_configured:
        wechat = OfficialAccountApi(HttpApi(config.WECHAT_API_BASE, config.HTTP_TIMEOUT_S, http),
                                    cache, config.WECHAT_APP_ID, config.WECHAT_APP_SECRET)
    if config.wecom_configured:
        wecom = WeComApi(HttpApi(config.WECOM_API_BASE, config.HTTP_TIMEOUT_S, http), cache,
                         config.WECOM_CORP_ID, config.WECOM_SECRET, config.WECOM_AGENT_ID)
    robot = WeComRobot(HttpApi(config.WECOM_API_BASE, config.HTTP_TIMEOUT_S, http))
    return Runtime(config=config, engine=engine, sessions=make_session_factory(engine),
                   kb=KbService.from_config(config), photos=build_photo_store(config),
                   clock=clock or system_clock,
                   wechat=wechat, wecom=wecom, wecom_robot=robot,
                   relaxed=make_relaxed_engine(engine)
                   if engine.dialect.name == "postgresql" else None)


APP_KEY = "wastebot"  # the Flask app's extensions[APP_KEY] holds the process's Runtime


def install(app: Any, runtime: Runtime) -> None:
    """Attach the runtime to a Flask app (the only place that writes app.extensions)."""
    app.extensions[APP_KEY] = runtime


def from_app(app: Any) -> Runtime:
    """The runtime of a Flask app (pass `flask.current_app` inside a request or command)."""
    runtime: Runtime = app.extensions[APP_KEY]
    return runtime
