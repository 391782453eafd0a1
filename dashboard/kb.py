"""Knowledge-base pages (office only): search and edit items, unanswered questions."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import now, runtime, transaction
from dashboard.kb_edits import KbEditError, misses, parse_edit, revert, save, search
from domain.sorting.model import CATEGORIES
from models import KbItem

bp = staff_blueprint("kb", "/kb")
bp.before_request(admin_required)


@bp.get("/")
def index() -> str:
    q = request.args.get("q", "").strip()[:50]
    with transaction() as s:
        service = runtime().kb
        kb = service.matcher(s).kb
        edits = list(s.scalars(select(KbItem).order_by(KbItem.updated_at.desc()).limit(100)))
        return render_template("kb.html", q=q, hits=search(kb, q), edits=edits,
                               misses=misses(s), city=runtime().config.CITY_PROFILE)


@bp.route("/edit", methods=["GET", "POST"])
def edit() -> ResponseReturnValue:
    form = request.form if request.method == "POST" else request.args
    name = form.get("name", "").strip()[:100]
    values = {"name": name, "category": form.get("category", ""),
              "aliases": form.get("aliases", ""), "tip": form.get("tip", "")}
    error = ""
    with transaction() as s:
        if request.method == "GET" and name:
            existing = runtime().kb.matcher(s).kb.items.get(name)
            if existing is not None and not values["category"]:
                values.update(category=existing.category, aliases="|".join(existing.aliases),
                              tip=existing.tip)
        if request.method == "POST":
            try:
                item = parse_edit(values["name"], values["category"], values["aliases"],
                                  values["tip"])
            except KbEditError as exc:
                error = str(exc)
            else:
                save(s, item, current_user.name, now())
                flash(f"已保存：{item.name}（{item.category}）")
                return redirect(url_for("kb.index", q=item.name))
    return render_template("kb_edit.html", v=values, error=error,
                           categories=CATEGORIES), 400 if error else 200


@bp.post("/<int:item_id>/revert")
def undo(item_id: int) -> ResponseReturnValue:
    with transaction() as s:
        row = revert(s, item_id, current_user.name, now())
        if row is not None:
            flash(f"已撤销对“{row.name}”的修改")
    return redirect(url_for("kb.index"))
