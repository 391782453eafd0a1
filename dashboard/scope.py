"""What a unit user may see: their unit and everything below it."""
from __future__ import annotations

from typing import Any, Protocol

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models import Case, Unit


class Scoped(Protocol):
    scope: frozenset[int] | None


def subtree(session: Session, root_id: int) -> frozenset[int]:
    """The unit and all its descendants."""
    children: dict[int | None, list[int]] = {}
    for uid, parent in session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent, []).append(uid)
    found, todo = {root_id}, [root_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def scoped_cases(query: Select[Any], staff: Scoped) -> Select[Any]:
    """Limit a query over cases to the staff member's units."""
    if staff.scope is None:
        return query
    return query.where(Case.unit_id.in_(sorted(staff.scope)))


def case_or_404(session: Session, staff: Scoped, case_id: int) -> Case:
    """The case, or 404 when it does not exist or lies outside the user's units."""
    case = session.get(Case, case_id)
    if case is None or (staff.scope is not None and case.unit_id not in staff.scope):
        abort(404)
    return case


def unit_or_404(session: Session, staff: Scoped, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None or (staff.scope is not None and unit_id not in staff.scope):
        abort(404)
    return unit


def visible_units(session: Session, staff: Scoped) -> list[Unit]:
    query = select(Unit).order_by(Unit.code)
    if staff.scope is not None:
        query = query.where(Unit.id.in_(sorted(staff.scope)))
    return list(session.scalars(query))
