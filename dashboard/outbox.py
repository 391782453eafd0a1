"""What was pushed, to whom, on which channel; failures and retries (office only)."""
from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from dashboard.auth import admin_required, staff_blueprint
from dashboard.db import transaction
from models import OutboxMessage

bp = staff_blueprint("outbox", "/outbox")
bp.before_request(admin_required)
STATUSES = ("pending", "sending", "sent", "failed")
LABELS = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "失败"}


@bp.get("/")
def index() -> str:
    status = request.args.get("status", "")
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    with transaction() as s:
        return render_template("outbox.html", rows=list(s.scalars(query)), status=status,
                               statuses=STATUSES, labels=LABELS)
