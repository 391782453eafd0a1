"""API keys: generated once, stored only as a SHA-256 digest."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import ApiKey


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(session: Session, name: str, can_write: bool, now: datetime) -> str:
    """Store a new key and return it (the only time it is ever shown)."""
    key = secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, key_hash=digest(key), can_write=can_write, created_at=now))
    session.flush()
    return key


def find_key(session: Session, key: str) -> ApiKey | None:
    if not key or len(key) > 200:
        return None
    return session.scalar(select(ApiKey).where(ApiKey.key_hash == digest(key)))
