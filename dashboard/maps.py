"""The map's data as JSON, scoped like the pages: the overview, one case, or one unit."""
from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth import staff_blueprint
from dashboard.db import runtime, transaction
from dashboard.map_data import STATUS_COLOURS, case_marker, unit_feature
from dashboard.params import small_int
from dashboard.scope import case_or_404, scoped_cases, subtree, unit_or_404, visible_units
from models import Case, Unit
from models.cases import OPEN_STATUSES

bp = staff_blueprint("maps", "/map")
MAX_POINTS = 2000


def _features(units: list[Unit], crs: str) -> dict[str, Any]:
    features = [unit_feature(u, crs, url_for("units.show", unit_id=u.id))
                for u in units]
    return {"type": "FeatureCollection", "features": [f for f in features if f]}


def _markers(cases: list[Case], crs: str) -> list[dict[str, Any]]:
    markers = [case_marker(c, crs, url_for("cases.show", case_id=c.id)) for c in cases]
    return [m for m in markers if m]


@bp.app_context_processor
def _legend() -> dict[str, Any]:
    return {"map_colours": STATUS_COLOURS}


@bp.get("/data.json")
def data() -> ResponseReturnValue:
    """?case=ID: that case and its unit's area; ?unit=ID: the area and its open cases; else
    every visible area and open case."""
    cfg = runtime().config
    crs = cfg.MAP_CRS
    case_id = small_int(request.args.get("case", ""), "case")
    unit_id = small_int(request.args.get("unit", ""), "unit")
    with transaction() as s:
        if case_id is not None:
            case = case_or_404(s, current_user, case_id)
            units = [case.unit] if case.unit is not None else []
            cases = [case]
        elif unit_id is not None:
            unit = unit_or_404(s, current_user, unit_id)
            units = [unit]
            cases = list(s.scalars(select(Case).where(
                Case.status.in_(OPEN_STATUSES), Case.unit_id.in_(sorted(subtree(s, unit.id))))
                .order_by(Case.id.desc()).limit(MAX_POINTS)))
        else:
            units = visible_units(s, current_user)
            cases = list(s.scalars(scoped_cases(select(Case).where(
                Case.status.in_(OPEN_STATUSES)), current_user)
                .order_by(Case.id.desc()).limit(MAX_POINTS)))
        body = {"crs": crs, "tiles": cfg.MAP_TILE_URL or None,
                "attribution": cfg.MAP_ATTRIBUTION, "units": _features(units, crs),
                "cases": _markers(cases, crs), "colours": STATUS_COLOURS}
    return jsonify(body)
