"""The unit tree with areas, members, leaders and channels; invitation codes; imports."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth import staff_blueprint
from dashboard.db import transaction
from dashboard.scope import unit_or_404, visible_units
from models import Cadre, Unit

bp = staff_blueprint("units", "/units")


def tree(units: list[Unit]) -> list[tuple[Unit, int]]:
    """Units in tree order with their depth (roots are the ones whose parent is not shown)."""
    shown = {u.id for u in units}
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in shown else None, []).append(u)
    out: list[tuple[Unit, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.code):
            out.append((u, depth))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out


@bp.get("/")
def index() -> str:
    with transaction() as s:
        units = visible_units(s, current_user)
        cadres: dict[int, list[Cadre]] = {}
        for c in s.scalars(select(Cadre).where(Cadre.unit_id.in_([u.id for u in units]))
                           .order_by(Cadre.role.desc(), Cadre.name)):
            cadres.setdefault(c.unit_id, []).append(c)
        return render_template("units.html", rows=tree(units), cadres=cadres)


@bp.get("/<int:unit_id>")
def show(unit_id: int) -> str:
    """One unit: its area on the map, its open cases there, its people."""
    with transaction() as s:
        unit = unit_or_404(s, current_user, unit_id)
        people = list(s.scalars(select(Cadre).where(Cadre.unit_id == unit.id)
                                .order_by(Cadre.role.desc(), Cadre.name)))
        parent = unit.parent.name if unit.parent is not None else ""
        return render_template("unit.html", unit=unit, people=people, parent=parent)
