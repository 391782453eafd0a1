"""Sign-in with hashed passwords, lockout after repeated failures, expiring sessions.

Lockout is per account *and* client address, so nobody can lock the office out from
elsewhere; unknown names cost the same hashing work as known ones; signing out bumps the
account's session version, so a copied cookie stops working.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, redirect, render_template, request, session,
                   url_for)
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.db import now, transaction
from dashboard.scope import subtree
from models import User
from models.shared import hit, peek, reset

bp = Blueprint("auth", __name__, url_prefix="/dashboard", template_folder="templates",
               static_folder="static")
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Staff:
    """The signed-in user as views see it, with the units they may see (None = all)."""

    id: int
    name: str
    role: str
    unit_id: int | None
    scope: frozenset[int] | None
    must_change_password: bool = False
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
        if user is None or not user.active or session.get("sv") != user.session_version:
            return None
        return _staff(s, user)


def _staff(s: Any, user: User) -> Staff:
    scope = None
    if user.role != "admin":
        scope = subtree(s, user.unit_id) if user.unit_id else frozenset()
    return Staff(user.id, user.name, user.role, user.unit_id, scope,
                 must_change_password=user.must_change_password)


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
    def _signed_in() -> ResponseReturnValue | None:
        guard()
        if current_user.must_change_password:
            return redirect(url_for("auth.password"))
        return None

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
        name = request.form.get("name", "").strip()[:64]
        password = request.form.get("password", "")
        staff, version, error = _check(name, password, request.remote_addr or "-")
        if staff is not None:
            session.clear()
            session["signed_in_at"] = now().timestamp()
            session["sv"] = version
            session.permanent = False  # the cookie ends with the browser
            login_user(staff)
            if staff.must_change_password:
                return redirect(url_for("auth.password"))
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", error=error), 401 if error else 200


@cache
def _decoy_hash() -> str:
    """A hash to check unknown names against, so they cost what a real account costs."""
    return generate_password_hash("no such account")


def _check(name: str, password: str, address: str) -> tuple[Staff | None, int, str]:
    wrong = "用户名或密码错误。"
    failures = f"login:{name}:{address}"
    with transaction() as s:
        user = s.scalar(select(User).where(User.name == name))
        at = now()
        if peek(s, failures, at) >= MAX_FAILURES:
            return None, 0, "连续登录失败次数过多，已临时锁定，请15分钟后再试。"
        known = user is not None and user.active
        ok = check_password_hash(user.password_hash if known else _decoy_hash(), password)
        if not (known and ok):
            if peek(s, failures, at) == 0:
                reset(s, failures)  # an expired streak starts again from one
            if hit(s, failures, at + LOCKOUT) >= MAX_FAILURES and user is not None:
                # Recorded for the office to see; the lock itself holds only this address.
                user.locked_until = at + LOCKOUT
            if user is not None:
                user.failed_logins += 1
            return None, 0, wrong
        reset(s, failures)
        user.failed_logins, user.locked_until = 0, None
        return _staff(s, user), user.session_version, ""


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    """Choose a new password; required while the account still has its initial one."""
    error = ""
    if request.method == "POST":
        guard()
        current, new = request.form.get("current", ""), request.form.get("new", "")
        if len(new) < MIN_PASSWORD:
            error = f"新密码至少{MIN_PASSWORD}位。"
        elif new != request.form.get("confirm", ""):
            error = "两次输入的新密码不一致。"
        elif new == current:
            error = "新密码不能与原密码相同。"
        else:
            with transaction() as s:
                user = s.get(User, current_user.id)
                if user is None or not check_password_hash(user.password_hash, current):
                    error = "原密码不正确。"
                else:
                    user.password_hash = generate_password_hash(new)
                    user.must_change_password = False
                    user.session_version += 1  # other sessions of this account end
                    session["sv"] = user.session_version
            if not error:
                return redirect(url_for("overview.index"))
    return render_template("password.html", error=error,
                           forced=current_user.must_change_password)


@bp.post("/logout")
@login_required
def logout() -> Any:
    guard()
    with transaction() as s:
        user = s.get(User, current_user.id)
        if user is not None:
            user.session_version += 1  # the cookie, wherever it was copied, stops working
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
