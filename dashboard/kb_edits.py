"""The office's knowledge-base edits: search, save an item, list unanswered questions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.sorting.kb import KnowledgeBase
from domain.sorting.model import CATEGORIES, Item
from models import KbItem, KbMiss

MAX_RESULTS = 50


class KbEditError(ValueError):
    """An edit the knowledge base cannot take (shown to the user)."""


@dataclass(frozen=True)
class Edit:
    name: str
    category: str
    aliases: tuple[str, ...]
    tip: str


def parse_edit(name: str, category: str, aliases: str, tip: str) -> Edit:
    """Clean and check the form's fields."""
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise KbEditError("物品名称不能为空，且不超过100字。")
    if category not in CATEGORIES:
        raise KbEditError("请选择一个分类。")
    parts = [a.strip() for a in aliases.replace("，", "|").replace(",", "|").split("|")]
    cleaned = tuple(dict.fromkeys(a for a in parts if a and a != name))
    return Edit(name, category, cleaned, tip.strip()[:500])


def search(kb: KnowledgeBase, query: str) -> list[Item]:
    """Items whose name or an alias contains the query."""
    query = query.strip()
    if not query:
        return []
    hits = [i for i in kb.items.values() if query in i.name or any(query in a for a in i.aliases)]
    return sorted(hits, key=lambda i: (i.name != query, len(i.name), i.name))[:MAX_RESULTS]


def save(session: Session, edit: Edit, by: str, now: datetime) -> KbItem:
    """Add or replace the office's version of an item; answered misses are marked resolved."""
    # The bot's matcher rebuilds when max(updated_at) moves, so never reuse a stamp.
    newest = session.scalar(select(func.max(KbItem.updated_at)))
    stamp = max(now, newest + timedelta(microseconds=1)) if newest else now
    row = session.scalar(select(KbItem).where(KbItem.name == edit.name))
    if row is None:
        row = KbItem(name=edit.name)
        session.add(row)
    row.category, row.aliases, row.tip = edit.category, "|".join(edit.aliases), edit.tip
    row.deleted, row.updated_at, row.updated_by = False, stamp, by
    for miss in session.scalars(select(KbMiss).where(KbMiss.query.in_((edit.name,) + edit.aliases))):
        miss.resolved = True
    session.flush()
    return row


def revert(session: Session, item_id: int, by: str, now: datetime) -> KbItem | None:
    """Withdraw an office edit, so the reviewed files answer again."""
    row = session.get(KbItem, item_id)
    if row is None:
        return None
    newest = session.scalar(select(func.max(KbItem.updated_at)))
    row.deleted, row.updated_by = True, by
    row.updated_at = max(now, newest + timedelta(microseconds=1)) if newest else now
    return row


def misses(session: Session, limit: int = 100) -> list[KbMiss]:
    return list(session.scalars(select(KbMiss).where(KbMiss.resolved.is_(False))
                                .order_by(KbMiss.count.desc(), KbMiss.last_asked_at.desc())
                                .limit(limit)))
