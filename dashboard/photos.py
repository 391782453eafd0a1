"""Case photos, served by id from the photo store to users allowed to see the case.

The app streams the bytes itself (local directory or S3 bucket alike), so authorisation stays
here: the bucket is never exposed to the browser.
"""
from __future__ import annotations

import logging

from flask import Response, abort
from flask.typing import ResponseReturnValue
from flask_login import current_user

from dashboard.auth import staff_blueprint
from dashboard.db import runtime, transaction
from dashboard.scope import case_or_404
from models import CasePhoto
from outbound.photostore import PhotoStore, StoreUnavailable

bp = staff_blueprint("photos", "/photos")


log = logging.getLogger(__name__)


def stored_bytes(photos: PhotoStore, key: str | None) -> bytes:
    """The photo's bytes from the store; 404 for a missing or unsafe key, 503 when the store
    is unreachable (the page shows the rest of the case)."""
    if not key:
        abort(404)
    try:
        return photos.get(key)
    except KeyError:
        abort(404)
    except StoreUnavailable as exc:
        log.error("photo store unavailable: %s", exc)
        abort(503)


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
    # Sanitised photos are small: read them whole rather than hold a file or connection open.
    return Response(stored_bytes(runtime().photos, relative), mimetype="image/jpeg",
                    headers={"Cache-Control": "private, max-age=3600"})
