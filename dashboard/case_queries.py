"""The case list's filters and search, as one scoped query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from config import TZ
from dashboard.params import day, small_int
from dashboard.scope import Scoped, scoped_cases, subtree
from models import Case
from models.cases import OPEN_STATUSES

PAGE_SIZE = 50
MAX_PAGE = 100_000


@dataclass(frozen=True)
class CaseFilter:
    status: str = ""
    unit_id: int | None = None
    problem_type: str = ""
    overdue: bool = False
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "CaseFilter":
        """Read the filters from a query string, ignoring what does not parse.

        Raises BadQuery (HTTP 400) for numbers and dates that parse but are out of range.
        """
        page = small_int(args.get("page", ""), "page", MAX_PAGE)
        return cls(status=args.get("status", "").strip()[:32],
                   unit_id=small_int(args.get("unit", ""), "unit"),
                   problem_type=args.get("type", "").strip()[:64],
                   overdue=args.get("overdue") == "1",
                   date_from=day(args.get("from", ""), "from"),
                   date_to=day(args.get("to", ""), "to"), q=args.get("q", "").strip()[:100],
                   page=max(1, page or 1))


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=TZ)


def filtered(session: Session, staff: Scoped, f: CaseFilter, now: datetime) -> Select[Any]:
    """Cases matching the filters, newest first, limited to the user's units."""
    query = scoped_cases(select(Case), staff)
    if f.status == "open":
        query = query.where(Case.status.in_(OPEN_STATUSES))
    elif f.status:
        query = query.where(Case.status == f.status)
    if f.unit_id is not None:
        query = query.where(Case.unit_id.in_(sorted(subtree(session, f.unit_id))))
    if f.problem_type:
        query = query.where(Case.problem_type == f.problem_type)
    if f.overdue:
        query = query.where(Case.status.in_(OPEN_STATUSES), Case.deadline_at < now)
    if f.date_from:
        query = query.where(Case.created_at >= _local_midnight(f.date_from))
    if f.date_to:
        query = query.where(Case.created_at < _local_midnight(f.date_to + timedelta(days=1)))
    if f.q:
        like = f"%{f.q.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Case.number.ilike(like), Case.description.ilike(like),
                                Case.address.ilike(like)))
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def page(session: Session, query: Select[Any], number: int) -> tuple[list[Case], bool]:
    """One page of cases and whether there is a next one."""
    rows = list(session.scalars(query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def problem_types(session: Session, staff: Scoped) -> list[str]:
    return sorted(set(session.scalars(scoped_cases(select(Case.problem_type).distinct(), staff))))
