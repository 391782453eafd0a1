"""Turn due notices into outbox rows: one per reachable cadre, each under its own key."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config
from models.messaging import OutboxMessage
from services.notifications import cadre_routes, notify_cadre, notify_unit_robot
from models.people import Cadre
from models.units import Unit


@dataclass(frozen=True)
class Notice:
    """Something one unit (some of its roles) should be told, under a base idempotency key."""

    key: str
    kind: str
    unit_id: int
    roles: tuple[str, ...]
    title: str
    text: str
    ref: str = ""
    deadline: str = ""
    level: str = ""
    robot_once: bool = False  # a unit-wide message: once to the group robot when it has one


@dataclass(frozen=True)
class Planned:
    """One outbox row a scan writes (or, in a dry run, would write)."""

    key: str
    kind: str
    to: str
    text: str


def _plan(notice: Notice, unit: Unit, cadres: list[Cadre], config: Config
          ) -> list[tuple[str, Cadre | None]]:
    if notice.robot_once and unit.wecom_robot_key:
        return [(f"{notice.key}:u{unit.id}", None)]
    chosen = [c for c in cadres if c.role in notice.roles and cadre_routes(c, config)]
    if chosen:
        return [(f"{notice.key}:c{c.id}", c) for c in chosen]
    # Nobody reachable in person: the unit's group robot, when it has one.
    return [(f"{notice.key}:u{unit.id}", None)] if unit.wecom_robot_key else []


def _existing(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found.update(session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(keys[i:i + 500]))))
    return found


def write_notices(session: Session, config: Config, notices: list[Notice], now: datetime,
                  dry_run: bool = False) -> list[Planned]:
    """Enqueue what was not sent before; returns the new rows (dry run: writes nothing)."""
    unit_ids = {n.unit_id for n in notices}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    cadres: dict[int, list[Cadre]] = {}
    for c in session.scalars(select(Cadre).where(Cadre.unit_id.in_(unit_ids),
                                                  Cadre.active.is_(True)).order_by(Cadre.id)):
        cadres.setdefault(c.unit_id, []).append(c)
    plans = [(n, units[n.unit_id], key, cadre) for n in notices if n.unit_id in units
             for key, cadre in _plan(n, units[n.unit_id], cadres.get(n.unit_id, []), config)]
    done = _existing(session, [p[2] for p in plans])
    out: list[Planned] = []
    for notice, unit, key, cadre in plans:
        if key in done:
            continue
        done.add(key)
        to = f"{unit.name} {cadre.name}" if cadre else f"{unit.name}（群机器人）"
        out.append(Planned(key=key, kind=notice.kind, to=to, text=notice.text))
        if dry_run:
            continue
        if cadre is not None:
            notify_cadre(session, config, cadre, key=notice.key, kind=notice.kind,
                         text=notice.text, title=notice.title, ref=notice.ref,
                         deadline=notice.deadline, now=now, level=notice.level)
        else:
            notify_unit_robot(session, unit, key=notice.key, kind=notice.kind,
                              text=notice.text, now=now)
    return out
