"""Open311 GeoReport v2: city platforms read cases; trusted partners file them."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from open311 import api

    app.register_blueprint(api.bp)
