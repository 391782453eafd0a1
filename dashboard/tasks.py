"""Rectification tasks with deadlines and status, and the monthly rankings."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from dashboard.auth import staff_blueprint
from dashboard.db import now, transaction
from models import RankingEntry, Task, TaskUnit

bp = staff_blueprint("tasks", "/tasks")
BOTTOM = 5


def _visible_tasks(status: str) -> object:
    query = select(Task).order_by(Task.plan_id.desc(), Task.id)
    if current_user.scope is not None:
        query = query.where(Task.id.in_(select(TaskUnit.task_id).where(
            TaskUnit.unit_id.in_(sorted(current_user.scope)))))
    if status in ("open", "done"):
        query = query.where(Task.status == status)
    return query


@bp.get("/")
def index() -> str:
    status = request.args.get("status", "open")
    with transaction() as s:
        tasks = list(s.scalars(_visible_tasks(status)))  # type: ignore[call-overload]
        return render_template("tasks.html", tasks=tasks, status=status)


@bp.post("/<int:task_id>/done")
def done(task_id: int) -> ResponseReturnValue:
    with transaction() as s:
        task = s.get(Task, task_id)
        visible = task is not None and (current_user.scope is None or any(
            link.unit_id in current_user.scope for link in task.links))
        if not visible or task is None:
            abort(404)
        if task.status != "done":
            task.status, task.done_at = "done", now()
            task.done_note = f"{current_user.name}：{request.form.get('note', '').strip()[:300]}"
            flash(f"任务 {task.number} 已标记完成")
    return redirect(url_for("tasks.index"))


@bp.get("/rankings")
def rankings() -> str:
    with transaction() as s:
        months = sorted(set(s.scalars(select(RankingEntry.month))), reverse=True)
        month = request.args.get("month", months[0] if months else "")
        rows = list(s.scalars(select(RankingEntry).where(RankingEntry.month == month)
                              .order_by(RankingEntry.rank)))
        if current_user.scope is not None:
            rows = [r for r in rows if r.unit_id in current_user.scope]
        return render_template("rankings.html", rows=rows, months=months, month=month)
