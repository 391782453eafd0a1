"""Development stand-in for WeChat's media store: files under INSTANCE_DIR/dev_media.

The dev blueprint (`bot/devtools.py`) writes here; photo fetching (`outbound/photos.py`)
reads here in development mode. Plain files, no Flask.
"""
from __future__ import annotations

import re
from pathlib import Path

MEDIA_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def dev_media_dir(instance_dir: str) -> Path:
    path = Path(instance_dir) / "dev_media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def read_dev_media(instance_dir: str, media_id: str) -> bytes | None:
    """What `media/get` would return in development; None for an unknown id."""
    if not MEDIA_ID.match(media_id):
        return None
    path = Path(instance_dir) / "dev_media" / media_id
    return path.read_bytes() if path.is_file() else None
