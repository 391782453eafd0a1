"""Background task "media": download case photos, sanitise them, put them in the photo store.

WeChat keeps media for 3 days, so this runs right after the reply (kicked) and on every
scheduler sweep. The store (`runtime.photos`, outbound/photostore.py) is MEDIA_DIR or an S3
bucket; a store that is full, refuses or times out costs no attempt (`_defer`). A failed download is retried with back-off and, after MAX_ATTEMPTS or a
permanent error, marked failed with the reason in the case's history; the case stays.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from outbound.dev_media import read_dev_media
from outbound.photostore import PhotoStore
from outbound.wechat_api import WeChatError
from domain.images import ImageRejected, content_digest, safe_media_name, sanitize_image
from services.cases import SYSTEM, record
from models.cases import Case, CasePhoto
from services.notifications import notify_resident

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
MAX_DOWNLOAD_BYTES = 12 * 1024 * 1024  # WeChat's image limit is 10 MB; some headroom
LEASE = timedelta(minutes=2)
STORAGE_RETRY = timedelta(minutes=5)
MEDIA_LIFETIME = timedelta(days=3)  # WeChat deletes uploaded media after three days


class DownloadFailed(Exception):
    """The photo could not be fetched; `retryable` says whether to try again later."""

    def __init__(self, message: str, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most an hour (well inside WeChat's 3-day media life)."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def fetch_pending(runtime: "Runtime", limit: int = 50) -> int:
    """Store every due pending photo once; returns how many were stored."""
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        ids = list(session.scalars(select(CasePhoto.id).where(
            CasePhoto.status == "pending",
            or_(CasePhoto.next_attempt_at.is_(None), CasePhoto.next_attempt_at <= now),
        ).order_by(CasePhoto.id).limit(limit)))
    stored = 0
    for photo_id in ids:
        outcome = _fetch(runtime, photo_id)
        if outcome is None:  # the store is full, refuses or times out: the rest would too
            break
        stored += outcome
    return stored


def _claim(runtime: "Runtime", photo_id: int, now: datetime) -> tuple[str, str, int] | None:
    """Lease the photo (push next_attempt_at ahead) so two workers never fetch it together."""
    with runtime.sessions.begin() as session:
        taken = session.execute(update(CasePhoto).where(
            CasePhoto.id == photo_id, CasePhoto.status == "pending",
            or_(CasePhoto.next_attempt_at.is_(None), CasePhoto.next_attempt_at <= now),
        ).values(next_attempt_at=now + LEASE).execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            return None
        photo = session.get(CasePhoto, photo_id)
        assert photo is not None
        index = len([p for p in photo.case.photos if p.id < photo.id])
        return photo.media_id, photo.case.number, index


def fetch_one(runtime: "Runtime", photo_id: int) -> int:
    """Store one photo if it is due; 1 when stored."""
    return _fetch(runtime, photo_id) or 0


def _fetch(runtime: "Runtime", photo_id: int) -> int | None:
    """1 stored, 0 not (yet), None when the store itself failed (no attempt spent)."""
    now = runtime.clock()
    claimed = _claim(runtime, photo_id, now)
    if claimed is None:
        return 0
    media_id, number, index = claimed
    try:
        clean = sanitize_image(download(runtime, media_id, MAX_DOWNLOAD_BYTES),
                               max_bytes=MAX_DOWNLOAD_BYTES)
        paths = store(runtime.photos, number, index, clean.full, clean.thumb)
    except ImageRejected as exc:
        return _fail(runtime, photo_id, f"{exc.reason_code}: {exc.message_zh}", retryable=False)
    except DownloadFailed as exc:
        return _fail(runtime, photo_id, str(exc), exc.retryable)
    except OSError as exc:  # full disk, permissions, store down: our fault, costs no attempt
        _defer(runtime, photo_id, f"storage: {exc}")
        return None
    with runtime.sessions.begin() as session:
        photo = session.get(CasePhoto, photo_id)
        assert photo is not None
        photo.status, photo.path, photo.thumb_path = "stored", paths[0], paths[1]
        photo.width, photo.height = clean.width, clean.height
        photo.attempts += 1
        photo.last_error = None
    return 1


def download(runtime: "Runtime", media_id: str, max_bytes: int) -> bytes:
    """The photo's bytes from WeChat (or, in development, from the local chat's uploads)."""
    if runtime.config.DEV_MODE or runtime.wechat is None:
        data = read_dev_media(runtime.config.INSTANCE_DIR, media_id)
        if data is None:
            raise DownloadFailed(f"unknown dev media {media_id[:64]}", retryable=True)
        return data
    try:
        return runtime.wechat.get_media(media_id, max_bytes)
    except WeChatError as exc:
        raise DownloadFailed(f"media/get: {exc}", exc.retryable) from exc


def photo_keys(number: str, index: int, full: bytes) -> tuple[str, str]:
    """The photo's and its thumbnail's keys, built only from the case number, index and digest:
    `yyyymm/<case>_<nnn>_<digest16>.jpg` and `..._t.jpg` (one folder per month)."""
    stem = f"{number[2:8]}/{safe_media_name(number, index, content_digest(full))}"
    return stem + ".jpg", stem + "_t.jpg"


def store(photos: PhotoStore, number: str, index: int, full: bytes,
          thumb: bytes) -> tuple[str, str]:
    """Put both images in the store (thumbnail first: the full key marks a complete pair)."""
    key, thumb_key = photo_keys(number, index, full)
    photos.put(thumb_key, thumb, "image/jpeg")
    photos.put(key, full, "image/jpeg")
    return key, thumb_key


def _defer(runtime: "Runtime", photo_id: int, error: str) -> int:
    """Try again soon without spending an attempt, until WeChat has deleted the media."""
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        photo = session.get(CasePhoto, photo_id)
        assert photo is not None
        expired = now - photo.created_at > MEDIA_LIFETIME
        photo.last_error = error[:500]
        photo.next_attempt_at = now + STORAGE_RETRY
    log.error("photo %s: cannot store: %s", photo_id, error)
    return _fail(runtime, photo_id, error, retryable=False) if expired else 0


def _fail(runtime: "Runtime", photo_id: int, error: str, retryable: bool) -> int:
    now = runtime.clock()
    with runtime.sessions.begin() as session:
        photo = session.get(CasePhoto, photo_id)
        assert photo is not None
        photo.attempts += 1
        photo.last_error = error[:500]
        if retryable and photo.attempts < MAX_ATTEMPTS:
            photo.next_attempt_at = now + backoff(photo.attempts)
            log.warning("photo %s: attempt %s failed: %s", photo_id, photo.attempts, error)
            return 0
        photo.status = "failed"
        case = session.get(Case, photo.case_id)
        assert case is not None
        record(session, case, None, action="photo_failed", actor=SYSTEM, now=now,
               note=f"照片{photo.id}获取失败（{photo.attempts}次）：{error[:200]}")
        _tell_reporter(session, runtime, case, photo, now)
        log.warning("photo %s failed for good: %s", photo_id, error)
    return 0


def _tell_reporter(session: Session, runtime: "Runtime", case: Case, photo: CasePhoto,
                   now: datetime) -> None:
    """The reply said "已收到第N张照片"; when that photo is refused later, say so."""
    if photo.kind != "report" or not case.reporter_openid:
        return
    ids = sorted(p.id for p in case.photos if p.kind == "report")
    n = ids.index(photo.id) + 1 if photo.id in ids else len(ids)
    notify_resident(session, runtime.config, openid=case.reporter_openid,
                    key=f"photo-failed:{photo.id}", kind="photo_failed",
                    text=(f"您为投诉{case.number}发送的第{n}张照片未能收录（无法识别为图片或已失效），"
                          "投诉本身已正常受理，不受影响。"),
                    title="照片未能收录", status="照片未收录", now=now, ref=case.number)
