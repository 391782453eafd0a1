"""A resident's complaint becomes a case: number, routing, deadline, duplicates, daily limit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config import TZ, Config
from domain.geo import gcj02_to_wgs84
from domain.routing import find_duplicate
from services.cases import (SYSTEM, Actor, dispatch_case, link_duplicate, local_text,
                                 record, tell_unit)
from services.calendar import work_calendar
from models.case_settings import compute_deadline, load_complaint_settings
from models.cases import OPEN_STATUSES, PENDING, Case, CasePhoto
from models.messaging import Counter
from models.units import Unit
from services.units import build_router, triage_unit, unit_by_code

MAX_PHOTOS = 9


@dataclass(frozen=True)
class Intake:
    """What a resident submitted. Coordinates as they arrived (WeChat sends GCJ-02)."""

    openid: str | None
    problem_type: str
    photo_media_ids: tuple[str, ...] = ()
    lat: float | None = None
    lng: float | None = None
    crs: str = "gcj02"
    address: str = ""
    description: str = ""
    source: str = "wechat"


@dataclass(frozen=True)
class Submitted:
    case: Case
    unit: Unit | None
    duplicate_of: Case | None


def next_case_number(session: Session, now: datetime) -> str:
    """JC + local date + a 4-digit daily sequence, safe with concurrent writers."""
    day = now.astimezone(TZ).strftime("%Y%m%d")
    name = f"case:{day}"
    for _ in range(3):
        # An UPDATE takes the row lock (PostgreSQL) / the write lock (SQLite) until commit.
        bumped = session.execute(update(Counter).where(Counter.name == name)
                                 .values(value=Counter.value + 1)
                                 .execution_options(synchronize_session=False))
        if bumped.rowcount == 1:
            break
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=1))
            break
        except IntegrityError:
            continue  # another transaction created today's row first: bump it instead
    value = session.scalar(select(Counter.value).where(Counter.name == name))
    return f"JC{day}{int(value or 1):04d}"


def start_of_day(now: datetime) -> datetime:
    local = now.astimezone(TZ)
    return datetime.combine(local.date(), time(0), tzinfo=TZ)


def cases_today(session: Session, openid: str, now: datetime) -> int:
    return int(session.scalar(select(func.count(Case.id)).where(
        Case.reporter_openid == openid, Case.created_at >= start_of_day(now))) or 0)


def daily_limit_reached(session: Session, config: Config, openid: str, now: datetime) -> bool:
    """True when the resident already filed COMPLAINT_DAILY_LIMIT cases today."""
    return cases_today(session, openid, now) >= config.COMPLAINT_DAILY_LIMIT


def open_duplicate(session: Session, config: Config, point: tuple[float, float] | None,
                   problem_type: str, now: datetime) -> Case | None:
    """The open case of this type within the duplicate radius and window, if any."""
    settings = load_complaint_settings(config)
    if point is None:
        return None
    recent = session.scalars(select(Case).where(
        Case.problem_type == problem_type, Case.status.in_(OPEN_STATUSES),
        Case.duplicate_of_id.is_(None), Case.lat.is_not(None),
        Case.created_at >= now - settings.duplicate_window))
    return find_duplicate(recent, point, problem_type, now, settings.duplicate_radius_m,
                          settings.duplicate_window)


def create_case(session: Session, config: Config, intake: Intake, now: datetime) -> Submitted:
    """File a case: route it, set its deadline, link duplicates, queue its photos and pushes."""
    settings = load_complaint_settings(config)
    ptype = settings.type_named(intake.problem_type) or settings.type_named(settings.default_type)
    assert ptype is not None
    point = None
    if intake.lat is not None and intake.lng is not None:
        point = (gcj02_to_wgs84(intake.lat, intake.lng) if intake.crs == "gcj02"
                 else (intake.lat, intake.lng))
    case = Case(number=next_case_number(session, now), status=PENDING, problem_type=ptype.name,
                description=intake.description[:1000], source=intake.source,
                reporter_openid=intake.openid, raw_lat=intake.lat, raw_lng=intake.lng,
                raw_crs=intake.crs if intake.lat is not None else None,
                lat=point[0] if point else None, lng=point[1] if point else None,
                address=intake.address[:300], created_at=now, updated_at=now, rework_count=0,
                deadline_at=compute_deadline(ptype, now, work_calendar(session)))
    original = open_duplicate(session, config, point, ptype.name, now)
    session.add(case)
    session.flush()
    for media_id in intake.photo_media_ids[:MAX_PHOTOS]:
        session.add(CasePhoto(case_id=case.id, kind="report", media_id=media_id,
                              status="pending", attempts=0, next_attempt_at=now, created_at=now))
    submitted = record(session, case, PENDING, action="submit", actor=Actor("resident", "投诉人"),
                       now=now, note=f"来源：{intake.source}")
    submitted.from_status = None
    if original is not None:
        case.deadline_at = None
        link_duplicate(session, case, original, now)
        return Submitted(case, original.unit, original)
    unit, reason = _route(session, config, case, settings.departments, settings.nearest_within_m)
    case.route_reason = reason
    triage = triage_unit(session)
    if unit is None or (triage is not None and unit.id == triage.id):
        case.unit_id = unit.id if unit else None
        case.unit = unit
        event = record(session, case, None, action="triage", actor=SYSTEM, now=now,
                       note="未能自动定位责任单位，待分派")
        tell_unit(session, config, case, unit, event, "待分派投诉", now)
        return Submitted(case, unit, None)
    dispatch_case(session, config, case, unit, SYSTEM, now, note=f"自动派单（{reason}）")
    return Submitted(case, unit, None)


def _route(session: Session, config: Config, case: Case, departments: dict[str, str],
           within_m: float) -> tuple[Unit | None, str]:
    router = build_router(session, within_m)
    if router is None:
        return None, "triage"
    known = {t: c for t, c in departments.items() if not router.unknown_codes([c])}
    point = (case.lat, case.lng) if case.lat is not None and case.lng is not None else None
    decision = router.route(point, case.address or None, case.problem_type, known)
    return unit_by_code(session, decision.unit_code), decision.reason


def case_as_dict(case: Case) -> dict[str, Any]:
    """The office's view of a case (CLI, dashboard): no reporter identity."""
    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(TZ).isoformat() if moment else None

    return {
        "number": case.number, "status": case.status, "problem_type": case.problem_type,
        "unit": case.unit.code if case.unit is not None else None,
        "unit_name": case.unit.name if case.unit is not None else None,
        "route_reason": case.route_reason, "description": case.description,
        "created_at": iso(case.created_at), "deadline": iso(case.deadline_at),
        "deadline_local": local_text(case.deadline_at) if case.deadline_at else None,
        "closed_at": iso(case.closed_at), "rework_count": case.rework_count,
        "duplicate_of": case.duplicate_of_id, "fixed": case.fixed,
        "satisfaction": case.satisfaction, "reject_reason": case.reject_reason,
        "location": {"raw_lat": case.raw_lat, "raw_lng": case.raw_lng, "raw_crs": case.raw_crs,
                     "lat": case.lat, "lng": case.lng, "crs": "wgs84" if case.lat is not None
                     else None, "address": case.address},
        # key/thumb_key: the photo store's keys (MEDIA_DIR-relative path or S3 object key
        # under S3_PREFIX); path/thumb_path are the same values under their old names.
        "photos": [{"kind": p.kind, "status": p.status, "key": p.path,
                    "thumb_key": p.thumb_path, "path": p.path,
                    "thumb_path": p.thumb_path, "attempts": p.attempts,
                    "error": p.last_error} for p in case.photos],
        "history": [{"at": iso(e.at), "actor_kind": e.actor_kind, "actor": e.actor,
                     "action": e.action, "from": e.from_status, "to": e.to_status,
                     "unit_id": e.unit_id, "note": e.note} for e in case.events],
    }
