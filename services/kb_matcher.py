"""The knowledge base as the bot sees it: the reviewed files overlaid with the office's edits.

Built once per process as `Runtime.kb` (handlers: `ctx.kb`). `matcher(session)` checks a cheap version stamp of the
`kb_items` table (row count and newest edit) at most once every STAMP_TTL_S seconds, not on
every message. An edit committed in this process (dashboard, CLI, tests) is noticed at once
through a session event; other processes pick it up on their next check, so an edit reaches
every worker within STAMP_TTL_S (plus the length of one transaction).
"""
from __future__ import annotations

import threading
import time
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from config import Config
from domain.sorting.kb import KnowledgeBase, load_kb
from domain.sorting.matcher import Matcher
from domain.sorting.model import Item
from models import KbItem
from services.stamped import StampedCache

Stamp = tuple[int, datetime | None]
STAMP_TTL_S = 2.0
_EDITED = "kb_items_edited"  # Session.info flag between flush and commit
_services: "weakref.WeakSet[KbService]" = weakref.WeakSet()
_listening = threading.Lock()


class KbService:
    def __init__(self, data_dir: Path, city: str, ttl_s: float = STAMP_TTL_S,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.data_dir = data_dir
        self.city = city
        self._lock = threading.Lock()
        self._base: KnowledgeBase | None = None
        self._cache: StampedCache[Matcher] = StampedCache(ttl_s, monotonic)
        _listen_for_edits()
        _services.add(self)

    @classmethod
    def from_config(cls, config: Config) -> "KbService":
        """The bot's knowledge base: DATA_DIR/kb for CITY_PROFILE (loaded on first use)."""
        return cls(Path(config.DATA_DIR) / "kb", config.CITY_PROFILE)

    def base(self) -> KnowledgeBase:
        """The file knowledge base, loaded on first use."""
        with self._lock:
            if self._base is None:
                self._base = load_kb(self.data_dir)
            return self._base

    def changed(self) -> None:
        """The office's edits changed in this process: check the stamp on the next call."""
        self._cache.changed()

    def matcher(self, session: Session) -> Matcher:
        """A matcher that includes the office's edits (at most STAMP_TTL_S old)."""
        return self._cache.get(session, _stamp, self._build)

    def _build(self, session: Session) -> Matcher:
        rows = session.scalars(select(KbItem).where(KbItem.deleted.is_(False))).all()
        edits = [Item(r.name, r.category, tuple(a for a in r.aliases.split("|") if a), r.tip)
                 for r in rows]
        return Matcher(self.base().with_items(edits) if edits else self.base())


def _stamp(session: Session) -> Stamp:
    """Row count and newest edit of kb_items: moves with every edit."""
    count, newest = session.execute(select(func.count(KbItem.id), func.max(KbItem.updated_at))).one()
    return count, newest


def _listen_for_edits() -> None:
    """Once per process: tell every KbService when a session commits a change to kb_items."""
    with _listening:
        if not event.contains(Session, "after_flush", _after_flush):
            event.listen(Session, "after_flush", _after_flush)
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_rollback", _after_rollback)


def _after_flush(session: Session, _flush_context: Any) -> None:
    if any(isinstance(o, KbItem) for o in (*session.new, *session.dirty, *session.deleted)):
        session.info[_EDITED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_EDITED, False):
        for service in list(_services):
            service.changed()


def _after_rollback(session: Session) -> None:
    session.info.pop(_EDITED, None)


