"""Development-only endpoints (registered only without WeChat credentials).

They stand in for WeChat's media store and for the phone that receives pushes, so the local
chat can send photos and show pushed messages. Never registered in production.
"""
from __future__ import annotations

import re
import secrets

from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import select

from models import DevInboxMessage
from outbound.dev_media import dev_media_dir
from runtime import from_app

bp = Blueprint("devtools", __name__, url_prefix="/dev")


@bp.post("/media")
def upload_media() -> Response:
    """Store an uploaded file and return a media id, as WeChat's media upload would."""
    # A phone photo is several MB: this stand-in takes what the dashboard's uploads take.
    request.max_content_length = from_app(current_app).config.UPLOAD_MAX_BYTES
    data = request.get_data(cache=False)
    if not data:
        abort(400)
    media_id = "dev_" + secrets.token_hex(12)
    (dev_media_dir(from_app(current_app).config.INSTANCE_DIR) / media_id).write_bytes(data)
    return jsonify({"media_id": media_id, "type": "image"})


@bp.get("/inbox")
def inbox() -> Response:
    """Messages pushed to a user through the outbox since `after` (an id)."""
    rt = from_app(current_app)
    to = request.args.get("to", "")
    after = request.args.get("after", "0")
    if not to or not re.fullmatch(r"[0-9]{1,10}", after):
        abort(400)
    with rt.sessions.begin() as session:
        rows = session.scalars(select(DevInboxMessage).where(
            DevInboxMessage.to == to, DevInboxMessage.id > int(after)
        ).order_by(DevInboxMessage.id).limit(100)).all()
        out = [{"id": r.id, "channel": r.channel, "text": r.text} for r in rows]
    return jsonify(out)
