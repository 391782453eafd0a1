"""Rectification plans: import (tasks linked to units), task specs and done reports."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.deadlines import DeadlineSpec, Recurrence, next_due, occurrences
from domain.plans import PlanParse, PlanTask
from models.people import Cadre
from models.tasks import Plan, Task, TaskReport, TaskUnit
from models.units import Unit

# Group references in plans → unit kinds they stand for.
GROUPS: dict[str, tuple[str, ...]] = {
    "各街道办事处": ("street",), "各街道": ("street",), "各街镇": ("street",),
    "各乡镇（街道）": ("street",), "各镇街": ("street",),
    "各社区": ("community",), "各社区居委会": ("community",),
    "各物业": ("property",), "各物业公司": ("property",), "各物业企业": ("property",),
    "各相关职能部门": ("department",), "各职能部门": ("department",), "各相关部门": ("department",),
}


@dataclass
class ImportedTask:
    """What the import did with one task (for the command's output)."""

    task: PlanTask
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        spec = self.task.deadline
        return {
            "number": self.task.number, "title": self.task.title,
            "lead_units": list(self.task.lead_units),
            "responsible_units": list(self.task.responsible_units),
            "resolved_lead": self.lead, "resolved_responsible": self.responsible,
            "unresolved_units": self.unresolved,
            "deadlines": [d.isoformat() for d in spec.due_dates],
            "recurrence": spec.recurrence.as_dict() if spec.recurrence else None,
            "ongoing": spec.ongoing, "checkin": spec.checkin,
            "needs_review": spec.needs_review, "note": spec.note,
            "deadline_source": spec.source,
        }


class UnitResolver:
    """Unit names as plans write them → Unit rows (exact, group, then unique partial match)."""

    def __init__(self, units: list[Unit]) -> None:
        self.units = [u for u in units if u.active]
        self.by_name = {u.name: u for u in self.units}

    def resolve(self, name: str) -> list[Unit]:
        if name in self.by_name:
            return [self.by_name[name]]
        if name in GROUPS:
            kinds = GROUPS[name]
            return [u for u in self.units if u.kind in kinds]
        # "区执法局" ~ "示范区城管执法局": drop the generic 区 prefix, then a unique containment.
        core = name[1:] if name.startswith("区") and len(name) > 2 else name
        hits = [u for u in self.units if core in u.name]
        return hits if len(hits) == 1 else []


def import_plan(session: Session, parsed: PlanParse, *, title: str, source_name: str,
                issued: date, now: datetime) -> tuple[Plan, list[ImportedTask]]:
    """Create (or refresh, by source name and issue date) a plan and its linked tasks."""
    plan = session.scalar(select(Plan).where(Plan.source_name == source_name,
                                             Plan.issued_on == issued))
    if plan is None:
        plan = Plan(title=title, issued_on=issued, source_name=source_name, imported_at=now)
        session.add(plan)
        session.flush()
    plan.title, plan.imported_at = title, now
    resolver = UnitResolver(list(session.scalars(select(Unit))))
    existing = {t.number: t for t in session.scalars(select(Task).where(Task.plan_id == plan.id))}
    results = []
    for pt in parsed.tasks:
        task = existing.get(pt.number) or Task(plan_id=plan.id, number=pt.number)
        if task.id is None:
            session.add(task)
        spec = pt.deadline
        task.title, task.measures, task.deadline_text = pt.title, pt.measures, pt.deadline_text
        task.due_dates = [d.isoformat() for d in spec.due_dates]
        task.recurrence = spec.recurrence.as_dict() if spec.recurrence else None
        task.ongoing, task.needs_review = spec.ongoing, spec.needs_review
        session.flush()
        result = ImportedTask(pt)
        wanted: dict[tuple[int, str], Unit] = {}
        for role, names, out in (("lead", pt.lead_units, result.lead),
                                 ("responsible", pt.responsible_units, result.responsible)):
            for name in names:
                units = resolver.resolve(name)
                if not units:
                    result.unresolved.append(name)
                for unit in units:
                    if (unit.id, "lead") not in wanted and (unit.id, role) not in wanted:
                        wanted[(unit.id, role)] = unit
                        out.append(unit.name)
        task.unresolved_units = list(result.unresolved)
        links = {(link.unit_id, link.role): link for link in task.links}
        for key, link in links.items():
            if key not in wanted:
                session.delete(link)
        for (unit_id, role) in wanted:
            if (unit_id, role) not in links:
                session.add(TaskUnit(task_id=task.id, unit_id=unit_id, role=role))
        results.append(result)
    session.flush()
    return plan, results


def task_spec(task: Task) -> DeadlineSpec:
    """The task's deadline rebuilt from its stored columns."""
    rec = None
    if task.recurrence:
        r = task.recurrence
        rec = Recurrence(kind=r["kind"], months=tuple(r.get("months") or ()), day=r.get("day"),
                         weekday=r.get("weekday"), min_count=r.get("min_count"))
    return DeadlineSpec(source=task.deadline_text,
                        due_dates=tuple(date.fromisoformat(d) for d in task.due_dates or ()),
                        ongoing=task.ongoing, checkin="monthly" if task.ongoing else None,
                        recurrence=rec, needs_review=task.needs_review)


def reported_periods(session: Session, task_id: int, unit_id: int) -> set[str]:
    return set(session.scalars(select(TaskReport.period).where(
        TaskReport.task_id == task_id, TaskReport.unit_id == unit_id)))


def current_period(session: Session, task: Task, unit_id: int, today: date) -> str:
    """The occurrence a report made today answers: the earliest unreported recent one."""
    spec = task_spec(task)
    done = reported_periods(session, task.id, unit_id)
    recent = occurrences(spec, today - timedelta(days=40), today)
    upcoming = [d for d in (next_due(spec, today + timedelta(days=1)),) if d]
    for d in recent + upcoming:
        if d.isoformat() not in done:
            return d.isoformat()
    return today.isoformat()


def open_tasks_for_unit(session: Session, unit_id: int) -> list[Task]:
    q = (select(Task).join(TaskUnit, TaskUnit.task_id == Task.id)
         .where(TaskUnit.unit_id == unit_id, Task.status == "open").order_by(Task.id))
    return list(session.scalars(q).unique())


def find_task(session: Session, ref: str) -> Task | None:
    """A task by its reference as the bot shows it: T12 (or just 12) is task id 12."""
    ref = ref.strip().upper().removeprefix("T")
    return session.get(Task, int(ref)) if ref.isdigit() else None


def report_task_done(session: Session, task: Task, cadre: Cadre, note: str,
                     now: datetime, today: date) -> TaskReport:
    """Record a unit's report; a one-off task closes when all its units have reported."""
    period = current_period(session, task, cadre.unit_id, today)
    report = TaskReport(task_id=task.id, unit_id=cadre.unit_id, period=period, note=note,
                        reported_at=now, reported_by=cadre.name)
    session.add(report)
    session.flush()
    spec = task_spec(task)
    if not spec.ongoing and not spec.recurrence and spec.due_dates:
        final = spec.due_dates[-1].isoformat()
        unit_ids = {link.unit_id for link in task.links}
        if all(final in reported_periods(session, task.id, u) for u in unit_ids):
            task.status, task.done_at, task.done_note = "done", now, note
    return report
