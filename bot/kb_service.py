"""The knowledge base as the bot sees it: the reviewed files overlaid with the office's edits.

Registered as service "kb". Each call to `matcher(session)` checks a cheap version stamp of
the `kb_items` table (row count and newest edit), so an edit in the dashboard changes the
answer in every worker on its next message.
"""
from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from config import Config
from domain.sorting.kb import KnowledgeBase, load_kb
from domain.sorting.matcher import Matcher
from domain.sorting.model import Item
from models import KbItem

Stamp = tuple[int, datetime | None]


class KbService:
    def __init__(self, data_dir: Path, city: str) -> None:
        self.data_dir = data_dir
        self.city = city
        self._lock = threading.Lock()
        self._base: KnowledgeBase | None = None
        self._matcher: Matcher | None = None
        self._stamp: Stamp | None = None

    def base(self) -> KnowledgeBase:
        """The file knowledge base, loaded on first use."""
        with self._lock:
            if self._base is None:
                self._base = load_kb(self.data_dir)
            return self._base

    def matcher(self, session: Session) -> Matcher:
        """A matcher that includes every current edit from the dashboard."""
        stamp: Stamp = tuple(session.execute(  # type: ignore[assignment]
            select(func.count(KbItem.id), func.max(KbItem.updated_at))).one())
        if self._matcher is not None and stamp == self._stamp:
            return self._matcher
        rows = session.scalars(select(KbItem).where(KbItem.deleted.is_(False))).all()
        edits = [Item(r.name, r.category, tuple(a for a in r.aliases.split("|") if a), r.tip)
                 for r in rows]
        kb = self.base().with_items(edits) if edits else self.base()
        matcher = Matcher(kb)
        with self._lock:
            self._matcher, self._stamp = matcher, stamp
        return matcher


def build(config: Config) -> KbService:
    return KbService(Path(config.DATA_DIR) / "kb", config.CITY_PROFILE)
