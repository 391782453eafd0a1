"""The Flask application factory."""
from __future__ import annotations

import logging

from flask import Flask

from config import Config
from bot.runtime import Clock, Runtime, build_runtime


def create_app(config: Config | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None) -> Flask:
    """Build the app: webhook, dev tools, dashboard and command-line commands."""
    config = config or Config.from_env()
    app = Flask(__name__, instance_path=config.INSTANCE_DIR, instance_relative_config=False)
    app.config.update(
        SECRET_KEY=config.SECRET_KEY,
        MAX_CONTENT_LENGTH=config.MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app.extensions["wastebot"] = runtime or build_runtime(config, clock)

    from bot import webhook, devtools
    from bot.cli import register_commands

    app.register_blueprint(webhook.bp)
    if config.DEV_MODE:
        app.register_blueprint(devtools.bp)
    for extra in EXTRA_BLUEPRINTS:
        extra(app)
    register_commands(app)
    return app


# Capabilities with web pages add a function(app) here (dashboard, Open311).
def _dashboard(app: Flask) -> None:
    from dashboard import register

    register(app)


def _open311(app: Flask) -> None:
    from open311 import register

    register(app)


EXTRA_BLUEPRINTS: list = [_dashboard, _open311]
