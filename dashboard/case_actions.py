"""Case actions from the dashboard; every change goes through services.cases."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from dashboard.auth import staff_blueprint
from dashboard.db import now, runtime, transaction
from dashboard.params import small_int
from dashboard.scope import case_or_404
from models import Case, ExtensionRequest, Unit
from services.cases import (Actor, CaseTransitionError, accept_case, decide_extension,
                                 dispatch_case, mark_rectified, reject_case, reroute_case,
                                 return_case, verify_and_close)
from models.cases import PENDING, RETURNED

bp = staff_blueprint("case_actions", "/cases")
ADMIN_ONLY = {"dispatch", "close", "reopen", "reject"}
DONE = {"dispatch": "已派单", "accept": "已受理", "rectify": "已标记整改", "close": "已办结",
        "reopen": "核查未通过，已退回返工", "reject": "已不予受理", "return": "已退回分拨"}


def actor() -> Actor:
    """The signed-in user as the case history names them."""
    return Actor("office" if current_user.is_admin else "cadre", current_user.name)


def _note() -> str:
    return request.form.get("note", "").strip()[:500]


def _apply(s: Session, case: Case, action: str) -> None:
    config, at = runtime().config, now()
    if action == "dispatch":
        unit_id = request.form.get("unit_id", "")
        unit_key = small_int(unit_id, "unit_id")
        unit = s.get(Unit, unit_key) if unit_key is not None else None
        if unit is None or not unit.active:
            raise CaseTransitionError("请选择有效的责任单位。")
        if case.unit_id is not None and case.status not in (PENDING, RETURNED):
            reroute_case(s, config, case, unit, actor(), at, note=_note())
        else:
            dispatch_case(s, config, case, unit, actor(), at, note=_note())
    elif action == "accept":
        accept_case(s, config, case, actor(), at, note=_note())
    elif action == "rectify":
        mark_rectified(s, config, case, actor(), at, note=_note())
    elif action == "close":
        verify_and_close(s, config, case, actor(), at, passed=True, note=_note())
    elif action == "reopen":
        verify_and_close(s, config, case, actor(), at, passed=False, note=_note())
    elif action == "reject":
        reject_case(s, config, case, actor(), at, reason=request.form.get("reason", "")[:500])
    elif action == "return":
        return_case(s, config, case, actor(), at, reason=request.form.get("reason", "")[:500])
    else:
        abort(404)


@bp.post("/<int:case_id>/act/<action>")
def act(case_id: int, action: str) -> ResponseReturnValue:
    if action not in DONE:
        abort(404)
    with transaction() as s:
        case = case_or_404(s, current_user, case_id)
        if action in ADMIN_ONLY and not current_user.is_admin:
            abort(403)
        try:
            with s.begin_nested():
                _apply(s, case, action)
        except CaseTransitionError as exc:
            flash(exc.message_zh, "error")
        else:
            flash(f"{case.number} {DONE[action]}")
    runtime().kick({"outbox"})
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/<int:case_id>/extensions/<int:request_id>")
def extension(case_id: int, request_id: int) -> ResponseReturnValue:
    if not current_user.is_admin:
        abort(403)
    approve = request.form.get("decision") == "approve"
    with transaction() as s:
        case = case_or_404(s, current_user, case_id)
        ext = s.get(ExtensionRequest, request_id)
        if ext is None or ext.case_id != case.id:
            abort(404)
        try:
            with s.begin_nested():
                decide_extension(s, runtime().config, ext, approve, actor(), now(), _note())
        except CaseTransitionError as exc:
            flash(exc.message_zh, "error")
        else:
            flash("已批准延期" if approve else "已不批准延期")
    runtime().kick({"outbox"})
    return redirect(url_for("cases.show", case_id=case_id))
