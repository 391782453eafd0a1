"""Demo dashboard accounts: admin/admin123 and a street's unit user beiling/beiling123."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from models import User
from services.units import unit_by_code

DEMO_USERS = (("admin", "admin123", "admin", None), ("beiling", "beiling123", "unit", "D01-S01"))


def load_users(session: Session, runtime: Any) -> str:
    """Create the demo accounts if missing (passwords are left alone when they exist)."""
    made = []
    for name, password, role, code in DEMO_USERS:
        unit = unit_by_code(session, code) if code else None
        if code and unit is None:
            continue  # the demo district is not loaded
        if session.scalar(select(User).where(User.name == name)) is None:
            session.add(User(name=name, password_hash=generate_password_hash(password), role=role,
                             unit_id=unit.id if unit else None, active=True, failed_logins=0,
                             must_change_password=True))
            made.append(name)
    return f"dashboard users: {', '.join(made) or 'already there'} (see docs/DASHBOARD.md)"
