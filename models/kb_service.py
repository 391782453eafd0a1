"""Recording questions the knowledge base could not answer."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.kb import KbMiss

MAX_QUERY = 200


def record_miss(session: Session, query: str, status: str, now: datetime) -> KbMiss:
    """Count one unanswered (or only ambiguously answered) question."""
    query = query.strip()[:MAX_QUERY]
    miss = session.scalar(select(KbMiss).where(KbMiss.query == query).with_for_update())
    if miss is None:
        miss = KbMiss(query=query, status=status, count=0, first_asked_at=now, last_asked_at=now)
        session.add(miss)
    miss.count += 1
    miss.status = status
    miss.last_asked_at = now
    session.flush()
    return miss
