"""The Flask application factory."""
from __future__ import annotations

import logging
from typing import Any, Iterable

import click
from flask import Flask
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from config import Config
from runtime import Clock, Runtime, build_runtime, install


def create_app(config: Config | None = None, *, clock: Clock | None = None,
               runtime: Runtime | None = None,
               commands: Iterable[click.Command] = ()) -> Flask:
    """Build the app: webhook, dev tools, dashboard; `commands` are the command line's
    (wsgi.py passes `cli.COMMANDS`)."""
    config = config or Config.from_env()
    app = Flask(__name__, instance_path=config.INSTANCE_DIR, instance_relative_config=False)
    from dashboard.params import IntegerConverter

    # Before any blueprint: every `<int:id>` refuses (404) ids beyond a database integer.
    app.url_map.converters["int"] = IntegerConverter
    app.config.update(
        SECRET_KEY=config.SECRET_KEY,
        MAX_CONTENT_LENGTH=config.MAX_BODY_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.SESSION_COOKIE_SECURE,
    )
    app.session_interface = _CookieSessions()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from bot import accesslog

    accesslog.install()
    install(app, runtime or build_runtime(config, clock))
    if config.PROXY_HOPS:
        # Believe X-Forwarded-For/-Proto only as far as the proxies we were told about;
        # without this every client behind nginx is 127.0.0.1 and shares one budget.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.PROXY_HOPS,  # type: ignore[method-assign]
                                x_proto=config.PROXY_HOPS, x_host=0, x_port=0, x_prefix=0)

    from bot import webhook, devtools

    app.register_blueprint(webhook.bp)
    if config.DEV_MODE:
        app.register_blueprint(devtools.bp)
    for extra in EXTRA_BLUEPRINTS:
        extra(app)
    for command in commands:
        app.cli.add_command(command)
    return app


class _CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without building the signer for a request that carries
    no session cookie (every WeChat delivery): the same empty session, less work."""

    def open_session(self, app: Flask, request: Any) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        if not session and not session.modified:  # what Flask does, without the cookie names
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


# Capabilities with web pages add a function(app) here (dashboard, Open311).
def _dashboard(app: Flask) -> None:
    from dashboard import register

    register(app)


def _open311(app: Flask) -> None:
    from open311 import register

    register(app)


EXTRA_BLUEPRINTS: list = [_dashboard, _open311]
