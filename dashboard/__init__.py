"""The sorting office's web dashboard: sign-in, cases, units, tasks, rankings, KB, outbox."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, redirect, url_for

SESSION_HOURS = 8


def register(app: Flask) -> None:
    """Attach sign-in, CSRF and every dashboard blueprint to the app."""
    from dashboard import (auth, bulletins, calendar, case_actions, cases, exports, imports, kb,
                           maps, outbox, overview, photos, plans, tasks, units, web, words)

    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=SESSION_HOURS)
    # CSRF is checked by the dashboard's guard only, so the webhook and Open311 are untouched.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", SESSION_HOURS * 3600)
    web.register(app)
    words.register(app)
    auth.csrf.init_app(app)
    auth.login_manager.init_app(app)
    # The site's root is the dashboard (the webhook and Open311 have their own paths).
    app.add_url_rule("/", "root", lambda: redirect(url_for("overview.index")))
    for module in (auth, overview, cases, case_actions, photos, units, imports, tasks, plans, kb,
                   outbox, exports, calendar, bulletins, maps):
        app.register_blueprint(module.bp)
