"""Case photos: downloaded after the reply, sanitised, stored safely, retried, failures visible."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from outbound.photos import MAX_ATTEMPTS, fetch_one, fetch_pending
from models import CasePhoto
from tests.support.complaints import SONGFENG, cases, jpeg

MEDIA_GET = "/cgi-bin/media/get"


def report_with(user: Any, data: bytes) -> None:
    user.say("纠错")
    user.image(data)
    user.location(*SONGFENG)
    assert "JC" in user.say("提交")
    user.runtime.drain()
    fetch_pending(user.runtime)  # what the kick after the reply (or the sweep) runs


def photo(runtime: Any) -> CasePhoto:
    with runtime.sessions.begin() as session:
        return session.scalars(select(CasePhoto).order_by(CasePhoto.id)).first()


def exif_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone"  # Model
    exif[0x0112] = 6  # Orientation: rotate 90° to display upright
    return jpeg(80, 40, exif=exif.tobytes())


def test_photo_is_stored_upright_without_exif_under_a_safe_name(user: Any, runtime: Any,
                                                                 district: None) -> None:
    report_with(user, exif_jpeg())
    stored = photo(runtime)
    assert stored.status == "stored" and stored.attempts == 1
    assert stored.path.startswith("202611/JC202611230001_000_") and stored.path.endswith(".jpg")
    full = Path(runtime.config.media_dir) / stored.path
    with Image.open(full) as im:
        assert im.size == (40, 80)  # auto-rotated
        assert not im.getexif()
    assert b"SecretPhone" not in full.read_bytes()
    assert (Path(runtime.config.media_dir) / stored.thumb_path).is_file()


def test_failed_download_is_retried_with_backoff(user: Any, runtime: Any, district: None,
                                                 fake_wechat: Any, clock: Any) -> None:
    fake_wechat.fail(MEDIA_GET, http_status=502, times=2)
    report_with(user, jpeg())
    first = photo(runtime)
    assert first.status == "pending" and first.attempts == 1 and "502" in first.last_error
    assert fetch_pending(runtime) == 0  # not due yet: back-off
    clock.advance(minutes=1)
    assert fetch_pending(runtime) == 0  # second failure
    clock.advance(minutes=2)
    assert fetch_pending(runtime) == 1
    final = photo(runtime)
    assert final.status == "stored" and final.attempts == 3 and final.last_error is None


def test_download_failing_for_good_is_visible_and_case_kept(user: Any, runtime: Any,
                                                            district: None, fake_wechat: Any,
                                                            clock: Any) -> None:
    fake_wechat.fail(MEDIA_GET, http_status=503, times=50)
    report_with(user, jpeg())
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(hours=1)
        fetch_pending(runtime)
    failed = photo(runtime)
    assert failed.status == "failed" and failed.attempts == MAX_ATTEMPTS
    [case] = cases(runtime)
    assert case.status == "已派单"
    assert [e.action for e in case.events].count("photo_failed") == 1


def test_non_image_is_rejected_at_once(user: Any, runtime: Any, district: None) -> None:
    report_with(user, b"%PDF-1.4 this is not a photo")
    rejected = photo(runtime)
    assert rejected.status == "failed" and rejected.attempts == 1
    assert rejected.last_error.startswith("not_image") and rejected.path is None
    assert "photo_failed" in [e.action for e in cases(runtime)[0].events]


def test_image_bomb_is_rejected(user: Any, runtime: Any, district: None) -> None:
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # tiny file, 400 megapixels
    report_with(user, out.getvalue())
    bomb = photo(runtime)
    assert bomb.status == "failed" and bomb.last_error.startswith("too_many_pixels")
    assert not any(Path(runtime.config.media_dir).rglob("*.jpg"))


def test_two_workers_never_fetch_the_same_photo(user: Any, runtime: Any, district: None,
                                                fake_wechat: Any) -> None:
    fake_wechat.fail(MEDIA_GET, http_status=500, times=1)
    report_with(user, jpeg())
    pending = photo(runtime)
    assert pending.status == "pending"
    runtime.clock.advance(minutes=5)
    assert fetch_one(runtime, pending.id) == 1
    assert fetch_one(runtime, pending.id) == 0  # already stored: nothing to do
    assert len(fake_wechat.sent(MEDIA_GET)) == 2
