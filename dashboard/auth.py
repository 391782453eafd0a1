"""Sign-in with hashed passwords, lockout after repeated failures, expiring sessions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, redirect, render_template, request, session,
                   url_for)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.security import check_password_hash

from dashboard.db import now, transaction
from dashboard.scope import subtree
from models import User

bp = Blueprint("auth", __name__, url_prefix="/dashboard", template_folder="templates",
               static_folder="static")
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Staff:
    """The signed-in user as views see it, with the units they may see (None = all)."""

    id: int
    name: str
    role: str
    unit_id: int | None
    scope: frozenset[int] | None
    is_active: bool = True
    is_authenticated: bool = True
    is_anonymous: bool = False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def sees_unit(self, unit_id: int | None) -> bool:
        return self.scope is None or unit_id in self.scope


@login_manager.user_loader
def load_staff(user_id: str) -> Staff | None:
    if not user_id.isdigit() or _expired():
        return None
    with transaction() as s:
        user = s.get(User, int(user_id))
        if user is None or not user.active:
            return None
        scope = None
        if user.role != "admin":
            scope = subtree(s, user.unit_id) if user.unit_id else frozenset()
        return Staff(user.id, user.name, user.role, user.unit_id, scope)


def _expired() -> bool:
    """Sessions last a working day at most, even if the browser stays open."""
    started = session.get("signed_in_at")
    lifetime = current_app.permanent_session_lifetime
    return started is None or now().timestamp() - float(started) > lifetime.total_seconds()


def guard() -> None:
    """Every dashboard request: signed in, and a valid CSRF token on anything that writes."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


def admin_required() -> None:
    if not getattr(current_user, "is_admin", False):
        abort(403)


def staff_blueprint(name: str, prefix: str) -> Blueprint:
    """A dashboard blueprint whose every view needs a signed-in user and CSRF on writes."""
    blueprint = Blueprint(name, __name__, url_prefix="/dashboard" + prefix,
                          template_folder="templates")

    @blueprint.before_request
    @login_required
    def _signed_in() -> None:
        guard()

    return blueprint


def _safe_next(target: str | None) -> str:
    parts = urlsplit(target or "")
    if target and not parts.scheme and not parts.netloc and target.startswith("/"):
        return target
    return url_for("overview.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = ""
    if request.method == "POST":
        guard()
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        staff, error = _check(name, password)
        if staff is not None:
            session.clear()
            session["signed_in_at"] = now().timestamp()
            session.permanent = False  # the cookie ends with the browser
            login_user(staff)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), 401 if error else 200


def _check(name: str, password: str) -> tuple[Staff | None, str]:
    wrong = "用户名或密码错误。"
    with transaction() as s:
        user = s.scalar(select(User).where(User.name == name))
        at = now()
        if user is None or not user.active:
            return None, wrong
        if user.locked_until is not None and user.locked_until > at:
            return None, "连续登录失败次数过多，账号已临时锁定，请15分钟后再试。"
        if not check_password_hash(user.password_hash, password):
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until, user.failed_logins = at + LOCKOUT, 0
            return None, wrong
        user.failed_logins, user.locked_until = 0, None
        scope = None if user.role == "admin" else (
            subtree(s, user.unit_id) if user.unit_id else frozenset())
        return Staff(user.id, user.name, user.role, user.unit_id, scope), ""


@bp.post("/logout")
@login_required
def logout() -> Any:
    guard()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
