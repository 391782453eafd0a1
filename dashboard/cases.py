"""Case list with filters and search, and the case page."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from config import TZ
from dashboard.auth import staff_blueprint
from dashboard.case_queries import CaseFilter, filtered, page, problem_types
from dashboard.db import now, transaction
from dashboard.map_data import gcj02_of
from dashboard.scope import case_or_404, visible_units
from dashboard.words import PHOTO_WORDS
from models import ExtensionRequest, Unit
from models.cases import ALL_STATUSES

bp = staff_blueprint("cases", "/cases")
ACTIONS = {"submit": "上报", "triage": "待分派", "dispatch": "派单", "reroute": "改派",
           "accept": "受理", "return": "退回", "rectify": "上报整改", "close": "核查办结",
           "verify_failed": "核查未通过", "reject": "不予受理", "extension_requested": "申请延期",
           "extension_refused": "延期未批准", "extend": "延期", "duplicate": "重复",
           "duplicate_linked": "重复投诉", "survey": "回访评价", "rework": "返工",
           "calendar_changed": "日历变更"}
ACTORS = {"resident": "投诉人", "cadre": "单位", "office": "分类办", "system": "系统"}
WORKING = ("已派单", "处置中", "延期")


@bp.app_template_filter("local")
def local_time(value: object, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An aware datetime in Beijing time, or a dash."""
    return value.astimezone(TZ).strftime(fmt) if hasattr(value, "astimezone") else "—"


@bp.get("/")
def index() -> str:
    f = CaseFilter.from_args(request.args)
    at = now()
    with transaction() as s:
        rows, more = page(s, filtered(s, current_user, f, at), f.page)
        return render_template("cases.html", cases=rows, more=more, f=f, now=at,
                               statuses=ALL_STATUSES, units=visible_units(s, current_user),
                               types=problem_types(s, current_user),
                               args=request.args.to_dict())


@bp.get("/<int:case_id>")
def show(case_id: int) -> str:
    with transaction() as s:
        case = case_or_404(s, current_user, case_id)
        extensions = list(s.scalars(select(ExtensionRequest).where(
            ExtensionRequest.case_id == case.id).order_by(ExtensionRequest.id)))
        units = {u.id: u for u in s.scalars(select(Unit))}
        routable = [u for u in units.values() if u.active] if current_user.is_admin else []
        return render_template("case.html", case=case, events=list(case.events),
                               photos=[p for p in case.photos if p.status == "stored"],
                               pending_photos=sum(p.status == "pending" for p in case.photos),
                               extensions=extensions, units=units,
                               actions=ACTIONS, actors=ACTORS, working=WORKING,
                               routable=sorted(routable, key=lambda u: u.code), now=now(),
                               gcj=gcj02_of(case), photo_words=PHOTO_WORDS)
