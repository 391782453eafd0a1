"""A resident filing complaints: a spot inside a demo estate, a photo, the cases filed."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from domain.geo import wgs84_to_gcj02
from models import Case

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
# Inside 松风苑（绿洲物业）'s circle, in WGS-84; WeChat sends GCJ-02.
SONGFENG_WGS = (31.237005, 121.462388)
SONGFENG = wgs84_to_gcj02(*SONGFENG_WGS)


def jpeg(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 30),
         exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    kwargs: dict[str, Any] = {"exif": exif} if exif else {}
    Image.new("RGB", (width, height), colour).save(out, "JPEG", **kwargs)
    return out.getvalue()


def cases(runtime: Any) -> list[Case]:
    with runtime.sessions.begin() as session:
        rows = list(session.scalars(select(Case).order_by(Case.id)))
        for c in rows:
            _ = (c.unit, c.photos, c.events)
        return rows


def file_report(user: Any, kind: str = "1", where: tuple[float, float] = SONGFENG,
                label: str = "松风路88弄") -> str:
    assert "照片" in (user.say("纠错") or "")
    user.image(jpeg())
    user.location(*where, label=label)
    user.say(kind)
    reply = user.say("提交")
    # A new case or one merged into a nearby open case; never an apology.
    assert re.match(r"(投诉已提交！|提交成功，)编号：JC\d{12}", reply), reply
    return reply
