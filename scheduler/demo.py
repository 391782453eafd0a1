"""Demo loader: the demo district's cadres (one bound to openid "cadre-demo") and a plan."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from domain.plans import detect_and_parse
from services.cadres import import_cadres, read_cadre_rows
from services.tasks import import_plan


def load_demo(session: Session, runtime: Any) -> str:
    """Idempotent: cadres upsert by (unit, name); the plan refreshes by file name and date."""
    folder = Path(runtime.config.DATA_DIR) / "demo"
    summary = import_cadres(session, read_cadre_rows(folder / "cadres.csv"))
    plan_file = folder / "plan_demo.txt"
    issued = date(2026, 11, 2)
    parsed = detect_and_parse(plan_file.name, plan_file.read_bytes(), issued)
    _, tasks = import_plan(session, parsed, title="示范区生活垃圾分类问题整改方案（演示）",
                           source_name=plan_file.name, issued=issued, now=runtime.clock())
    return f"demo {summary}; demo plan: {len(tasks)} task(s)"
