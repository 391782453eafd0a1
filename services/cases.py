"""The one place where complaint cases change status; every change is a CaseEvent.

Each function takes the session first, never commits, records who/when/what, and writes the
pushes that follow (reporter via notify_resident, the unit via its cadres or robot) into the
outbox in the caller's transaction. The reporter's openid never appears in anything a unit
sees. Intake (numbers, routing, duplicates, the daily limit) lives in services/intake.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import TZ, Config
from domain.geo import amap_marker_url, wgs84_to_gcj02
from services.calendar import work_calendar
from models.case_settings import compute_deadline, load_complaint_settings
from models.cases import (CLOSED, DISPATCHED, DUPLICATE, EXTENDED, IN_PROGRESS, OPEN_STATUSES,
                          PENDING, RECTIFIED, REJECTED, RETURNED, Case, CaseEvent, CasePhoto,
                          ExtensionRequest)
from services.notifications import notify_cadre, notify_resident, notify_unit_robot
from models.people import Cadre
from reminders.policy import load_policy, policy_path
from reminders.schedule import NONE, RUNNING, schedule_reminders
from models.units import Unit
from services.units import triage_unit

REPORTER = "投诉人"  # how the reporter appears in history: never by openid
SURVEY_QUESTION = "问题解决了吗？请回复 1 已解决、2 未解决。"


class CaseTransitionError(ValueError):
    """This change is not allowed now; `message_zh` can be shown to the person who asked."""

    def __init__(self, message_zh: str) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh


@dataclass(frozen=True)
class Actor:
    """Who made a change: kind is resident | cadre | office | system."""

    kind: str
    name: str = ""

    @classmethod
    def of_cadre(cls, cadre: Cadre) -> "Actor":
        unit = cadre.unit.name if cadre.unit is not None else ""
        return cls("cadre", f"{unit} {cadre.name}".strip())


SYSTEM = Actor("system", "系统")
RESIDENT = Actor("resident", REPORTER)


def local_text(moment: datetime | None) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M") if moment else "-"


def record(session: Session, case: Case, to_status: str | None, *, action: str, actor: Actor,
           now: datetime, note: str = "", unit_id: int | None = None) -> CaseEvent:
    """Add one history row and apply the status change (None: an event without a change)."""
    event = CaseEvent(case_id=case.id, at=now, actor_kind=actor.kind, actor=actor.name[:100],
                      action=action, from_status=case.status, to_status=to_status,
                      unit_id=unit_id if unit_id is not None else case.unit_id, note=note)
    if to_status is not None:
        case.status = to_status
        if to_status not in RUNNING:  # the unit's clock stops: nothing for the scan
            case.next_reminder_at, case.reminder_stage = None, NONE
    case.updated_at = now
    session.add(event)
    session.flush()
    return event


def _require(case: Case, allowed: tuple[str, ...], doing: str) -> None:
    if case.status not in allowed:
        raise CaseTransitionError(f"案件{case.number}当前状态为“{case.status}”，不能{doing}。")


def tell_reporter(session: Session, config: Config, case: Case, event: CaseEvent, text: str,
                  title: str, now: datetime) -> None:
    """Push to the reporter and to those whose duplicate reports were merged into this case.

    A customer-service message inside the 48-hour window, else a template message.
    """
    linked = session.scalars(select(Case.reporter_openid).where(Case.duplicate_of_id == case.id))
    openids = dict.fromkeys([case.reporter_openid, *linked])
    for n, openid in enumerate(o for o in openids if o):
        notify_resident(session, config, openid=openid, key=f"case:{case.number}:e{event.id}:r{n}",
                        kind="case_update", text=text, title=title, status=case.status,
                        now=now, ref=case.number)


def unit_brief(case: Case) -> str:
    """What the unit sees of a case: never who reported it."""
    lines = [f"案件：{case.number}（{case.problem_type}）", f"地点：{case.address or '见定位'}"]
    if case.lat is not None and case.lng is not None:
        # Chinese map apps read GCJ-02; plain WGS-84 numbers land ~500 m off in them.
        if case.raw_crs == "gcj02" and case.raw_lat is not None and case.raw_lng is not None:
            glat, glng = case.raw_lat, case.raw_lng
        else:
            glat, glng = wgs84_to_gcj02(case.lat, case.lng)
        lines.append(f"地图（高德，GCJ-02 {glat:.6f},{glng:.6f}）："
                     f"{amap_marker_url(glat, glng, case.address or case.number)}")
    if case.description:
        lines.append(f"描述：{case.description[:200]}")
    lines.append(f"办理时限：{local_text(case.deadline_at)}")
    return "\n".join(lines)


def tell_unit(session: Session, config: Config, case: Case, unit: Unit | None,
              event: CaseEvent, title: str, now: datetime) -> int:
    """Push the case to a unit's active cadres, or its group robot when it has no cadres."""
    if unit is None:
        return 0
    text = f"【{title}】\n{unit_brief(case)}"
    key = f"case:{case.number}:e{event.id}"
    cadres = list(session.scalars(select(Cadre).where(Cadre.unit_id == unit.id,
                                                      Cadre.active.is_(True))))
    sent = sum(1 for c in cadres if notify_cadre(
        session, config, c, key=key, kind="case_assigned", text=text, title=title,
        ref=case.number, deadline=local_text(case.deadline_at), now=now) is not None)
    if not sent and notify_unit_robot(session, unit, key=key, kind="case_assigned", text=text,
                                      now=now) is not None:
        sent = 1
    return sent


def reschedule(session: Session, config: Config, case: Case, restart: bool = False) -> None:
    """Store when the reminder scan next looks at `case` (after its clock or status moved)."""
    policy = load_policy(policy_path(config.DATA_DIR)).case
    schedule_reminders(case, work_calendar(session), policy, restart=restart)


def _fresh_deadline(session: Session, config: Config, case: Case, now: datetime) -> datetime:
    settings = load_complaint_settings(config)
    ptype = settings.type_named(case.problem_type) or settings.type_named(settings.default_type)
    assert ptype is not None
    return compute_deadline(ptype, now, work_calendar(session))


def dispatch_case(session: Session, config: Config, case: Case, unit: Unit, actor: Actor,
                  now: datetime, note: str = "", fresh_deadline: bool = False) -> CaseEvent:
    """待受理/退回 → 已派单 to `unit` (also re-routes an open case; history is kept)."""
    _require(case, (PENDING, RETURNED, DISPATCHED, IN_PROGRESS, EXTENDED), "派单")
    rerouted = case.unit_id is not None and case.unit_id != unit.id and case.status != PENDING
    case.unit_id = unit.id
    case.unit = unit
    case.dispatched_at = now
    case.accepted_at = None
    if fresh_deadline or case.deadline_at is None:
        case.deadline_at = _fresh_deadline(session, config, case, now)
    event = record(session, case, DISPATCHED, action="reroute" if rerouted else "dispatch",
                   actor=actor, now=now, note=note, unit_id=unit.id)
    reschedule(session, config, case, restart=True)
    tell_unit(session, config, case, unit, event, "新派单" if not rerouted else "改派案件", now)
    if actor.kind != "system":
        tell_reporter(session, config, case, event,
                      f"您反映的问题（{case.number}）已派给{unit.name}处理，"
                      f"办理时限{local_text(case.deadline_at)}。", f"已派单：{unit.name}", now)
    return event


def reroute_case(session: Session, config: Config, case: Case, unit: Unit, actor: Actor,
                 now: datetime, note: str = "") -> CaseEvent:
    """Send an open case to another unit with a fresh deadline; the history stays."""
    return dispatch_case(session, config, case, unit, actor, now, note, fresh_deadline=True)


def accept_case(session: Session, config: Config, case: Case, actor: Actor, now: datetime,
                note: str = "") -> CaseEvent:
    """接单: 已派单 → 处置中."""
    _require(case, (DISPATCHED,), "接单")
    case.accepted_at = now
    event = record(session, case, IN_PROGRESS, action="accept", actor=actor, now=now, note=note)
    reschedule(session, config, case)
    return event


def return_case(session: Session, config: Config, case: Case, actor: Actor, now: datetime,
                reason: str, to_unit: Unit | None = None) -> CaseEvent:
    """退回 (wrong unit): back to the triage queue, or straight on to `to_unit`."""
    _require(case, (DISPATCHED, IN_PROGRESS, EXTENDED), "退回")
    if not reason.strip():
        raise CaseTransitionError("退回需要说明理由。")
    event = record(session, case, RETURNED, action="return", actor=actor, now=now, note=reason)
    if to_unit is not None:
        return reroute_case(session, config, case, to_unit, actor, now, note=reason)
    triage = triage_unit(session)
    if triage is not None:
        case.unit_id = triage.id
        case.unit = triage
        tell_unit(session, config, case, triage, event, f"案件被退回：{reason[:40]}", now)
    return event


def mark_rectified(session: Session, config: Config, case: Case, actor: Actor, now: datetime,
                   note: str = "", photo_media_ids: tuple[str, ...] = ()) -> CaseEvent:
    """办结上报: → 已整改待核查; rectification photos are queued for download ("media")."""
    _require(case, (DISPATCHED, IN_PROGRESS, EXTENDED), "上报整改")
    case.rectified_at = now
    for media_id in photo_media_ids:
        session.add(CasePhoto(case_id=case.id, kind="rectify", media_id=media_id,
                              status="pending", attempts=0, next_attempt_at=now, created_at=now))
    event = record(session, case, RECTIFIED, action="rectify", actor=actor, now=now, note=note)
    tell_reporter(session, config, case, event,
                  f"您反映的问题（{case.number}）已整改，正在核查。", "问题已整改", now)
    return event


def verify_and_close(session: Session, config: Config, case: Case, actor: Actor,
                     now: datetime, passed: bool = True, note: str = "") -> CaseEvent:
    """核查: passed → 已办结 (the reporter is asked whether it was fixed); else back to work."""
    _require(case, (RECTIFIED,), "核查")
    if not passed:
        case.rework_count += 1
        event = record(session, case, IN_PROGRESS, action="verify_failed", actor=actor, now=now,
                       note=note)
        reschedule(session, config, case, restart=True)
        tell_unit(session, config, case, case.unit, event, "核查未通过，请返工", now)
        return event
    case.closed_at = now
    event = record(session, case, CLOSED, action="close", actor=actor, now=now, note=note)
    tell_reporter(session, config, case, event,
                  f"您反映的问题（{case.number}）已办结。{SURVEY_QUESTION}", "投诉已办结", now)
    return event


def reject_case(session: Session, config: Config, case: Case, actor: Actor, now: datetime,
                reason: str) -> CaseEvent:
    """不予受理, with the reason the reporter is told."""
    _require(case, (PENDING, DISPATCHED, IN_PROGRESS, RETURNED, EXTENDED), "不予受理")
    if not reason.strip():
        raise CaseTransitionError("不予受理需要说明理由。")
    case.reject_reason = reason
    case.closed_at = now
    event = record(session, case, REJECTED, action="reject", actor=actor, now=now, note=reason)
    tell_reporter(session, config, case, event,
                  f"您反映的问题（{case.number}）不予受理，原因：{reason}", "投诉不予受理", now)
    return event


def request_extension(session: Session, config: Config, case: Case, actor: Actor,
                      now: datetime, days: int, reason: str,
                      cadre: Cadre | None = None) -> ExtensionRequest:
    """申请延期: a pending request the office approves or refuses (one at a time)."""
    _require(case, (DISPATCHED, IN_PROGRESS, EXTENDED), "申请延期")
    if not 1 <= days <= 30:
        raise CaseTransitionError("延期天数应为1到30个工作日。")
    pending = session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.case_id == case.id, ExtensionRequest.status == "pending"))
    if pending is not None:
        raise CaseTransitionError(f"案件{case.number}已有待审批的延期申请。")
    req = ExtensionRequest(case_id=case.id, cadre_id=cadre.id if cadre else None, days=days,
                           reason=reason, status="pending", created_at=now)
    session.add(req)
    record(session, case, None, action="extension_requested", actor=actor, now=now,
           note=f"{days}个工作日：{reason}")
    return req


def decide_extension(session: Session, config: Config, request: ExtensionRequest,
                     approve: bool, actor: Actor, now: datetime, note: str = "") -> CaseEvent:
    """Approve (→ 延期, deadline moved by the requested working days) or refuse."""
    if request.status != "pending":
        raise CaseTransitionError("该延期申请已处理。")
    case = session.get(Case, request.case_id)
    assert case is not None
    request.status = "approved" if approve else "refused"
    request.decided_at, request.decided_by = now, actor.name[:64]
    if not approve:
        return record(session, case, None, action="extension_refused", actor=actor, now=now,
                      note=note)
    _require(case, (DISPATCHED, IN_PROGRESS, EXTENDED), "延期")
    base = max(case.deadline_at or now, now)
    case.deadline_at = work_calendar(session).add_working_days(base, request.days)
    event = record(session, case, EXTENDED, action="extend", actor=actor, now=now,
                   note=note or f"延期{request.days}个工作日")
    reschedule(session, config, case, restart=True)
    tell_reporter(session, config, case, event,
                  f"您反映的问题（{case.number}）办理时限延至{local_text(case.deadline_at)}。",
                  "投诉办理延期", now)
    return event


def link_duplicate(session: Session, case: Case, original: Case, now: datetime) -> CaseEvent:
    """重复: link a new case to the open one it repeats (both histories say so)."""
    case.duplicate_of_id = original.id
    case.unit_id = original.unit_id
    record(session, original, None, action="duplicate_linked", actor=SYSTEM, now=now,
           note=f"重复投诉 {case.number}")
    return record(session, case, DUPLICATE, action="duplicate", actor=SYSTEM, now=now,
                  note=f"与 {original.number} 重复")


def record_survey(session: Session, config: Config, case: Case, now: datetime,
                  fixed: bool | None = None, satisfaction: int | None = None) -> CaseEvent:
    """The reporter's answer after closure; "not fixed" reopens the case as rework (返工)."""
    _require(case, (CLOSED,), "评价")
    if satisfaction is not None and satisfaction not in (1, 2, 3):
        raise CaseTransitionError("满意度请回复1、2或3。")
    if satisfaction is not None:
        case.satisfaction = satisfaction
    if fixed is not False:
        if fixed is not None:
            case.fixed = True
        return record(session, case, None, action="survey", actor=RESIDENT, now=now,
                      note=f"已解决={case.fixed} 满意度={case.satisfaction}")
    case.fixed = False
    case.rework_count += 1
    case.closed_at = None
    case.deadline_at = _fresh_deadline(session, config, case, now)
    case.dispatched_at, case.accepted_at = now, None
    event = record(session, case, DISPATCHED, action="rework", actor=RESIDENT, now=now,
                   note="投诉人反馈未解决，返工")
    reschedule(session, config, case, restart=True)
    tell_unit(session, config, case, case.unit, event, "返工：投诉人反馈未解决", now)
    return event


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES
