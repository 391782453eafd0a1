"""The demo district with a few cadres, dispatched cases, and reminder runs at a given time."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from config import Config
from models import Cadre, Case
from models.cases import PENDING
from services.cases import SYSTEM, dispatch_case
from services.units import import_units, read_unit_rows, unit_by_code

ROOT = Path(__file__).resolve().parents[2]
# unit code → [(name, role, openid)]
CADRES = {
    "D01-S01-C01": [("王敏", "member", "o_member"), ("李强", "leader", "o_leader")],
    "D01-S01": [("赵街", "leader", "o_parent")],
    "D01": [("孙办", "member", "o_office"), ("钱区", "leader", "o_main")],
}


def setup_district(session: Session, cadres: dict[str, list[tuple[str, str, str]]] = CADRES
                   ) -> None:
    """The demo district's units and a few cadres reachable by WeChat."""
    import_units(session, read_unit_rows(ROOT / "data" / "demo" / "units.csv"))
    for code, people in cadres.items():
        unit = unit_by_code(session, code)
        assert unit is not None
        for name, role, openid in people:
            session.add(Cadre(unit_id=unit.id, name=name, role=role, openid=openid))
    session.flush()


def make_case(session: Session, config: Config, unit_code: str, now: datetime,
              number: str, ptype: str = "混投错投") -> Case:
    case = Case(number=number, status=PENDING, problem_type=ptype, address="岭南路1号",
                created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    unit = unit_by_code(session, unit_code)
    assert unit is not None
    dispatch_case(session, config, case, unit, SYSTEM, now)
    return case


def run_at(app: Any, at: str) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "run", "--at", at])
    assert result.exit_code == 0, result.output
    return result.output


def said(fake: Any, openid: str, word: str) -> int:
    return sum(word in m for m in fake.messages_to(openid))
