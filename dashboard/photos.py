"""Case photos, served by id from the media folder to users allowed to see the case."""
from __future__ import annotations

from pathlib import Path

from flask import Response, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dashboard.auth import staff_blueprint
from dashboard.db import runtime, transaction
from dashboard.scope import case_or_404
from models import CasePhoto

bp = staff_blueprint("photos", "/photos")


def stored_file(media_dir: Path, relative: str | None) -> Path:
    """The photo's file inside the media folder; 404 for anything that would leave it."""
    if not relative:
        abort(404)
    root = media_dir.resolve()
    path = (root / relative).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    return path


@bp.get("/<int:photo_id>")
def full(photo_id: int) -> ResponseReturnValue:
    return _send(photo_id, thumb=False)


@bp.get("/<int:photo_id>/thumb")
def thumb(photo_id: int) -> ResponseReturnValue:
    return _send(photo_id, thumb=True)


def _send(photo_id: int, thumb: bool) -> ResponseReturnValue:
    with transaction() as s:
        photo = s.get(CasePhoto, photo_id)
        if photo is None or photo.status != "stored":
            abort(404)
        case_or_404(s, current_user, photo.case_id)
        relative = (photo.thumb_path or photo.path) if thumb else photo.path
    path = stored_file(runtime().config.media_dir, relative)
    # Sanitised photos are small: read them whole rather than hold a file open.
    return Response(path.read_bytes(), mimetype="image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})
