"""What every reminder rule reads at a scan: the policy, the working-day calendar, key units."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config
from domain.workcal import WorkCalendar
from services.calendar import work_calendar
from models.units import Unit
from reminders.policy import Policy, load_policy, policy_path


@dataclass(frozen=True)
class ScanSetup:
    policy: Policy
    calendar: WorkCalendar


def load_setup(session: Session, config: Config) -> ScanSetup:
    """The policy file and the working-day calendar (read at each scan: cheap, and live)."""
    return ScanSetup(load_policy(policy_path(config.DATA_DIR)), work_calendar(session))


def office_unit(session: Session) -> Unit | None:
    """The district sorting office: kind office, else the triage unit, else the district."""
    for cond in (Unit.kind == "office", Unit.is_triage.is_(True), Unit.kind == "district"):
        unit = session.scalar(select(Unit).where(cond, Unit.active.is_(True)).order_by(Unit.id))
        if unit is not None:
            return unit
    return None


def main_leader_unit(session: Session) -> Unit | None:
    """Where the main leader sits: the district unit."""
    return session.scalar(select(Unit).where(Unit.kind == "district").order_by(Unit.id))
