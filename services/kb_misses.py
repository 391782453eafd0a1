"""Recording questions the knowledge base could not answer."""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Iterable

from sqlalchemy.orm import Session

from models.base import UTCDateTime, portable_sql

MAX_QUERY = 200
# One upsert per question, `count = count + n`: concurrent writers never read-modify-write
# a row.
_COUNT = portable_sql(
    "INSERT INTO kb_misses (query, status, count, first_asked_at, last_asked_at, resolved) "
    "VALUES (:query, :status, :n, :now, :now, false) ON CONFLICT (query) DO UPDATE "
    "SET count = kb_misses.count + excluded.count, status = excluded.status, "
    "last_asked_at = excluded.last_asked_at", now=UTCDateTime())


def record_misses(session: Session, misses: Iterable[tuple[str, str]], now: datetime) -> int:
    """Count unanswered (or only ambiguously answered) questions given as (query, status).

    Rows are written in query order, so two such transactions cannot deadlock.
    """
    counts: Counter[str] = Counter()
    status: dict[str, str] = {}
    for query, state in misses:
        query = query.strip()[:MAX_QUERY]
        if query:
            counts[query] += 1
            status[query] = state
    for query in sorted(counts):
        session.execute(_COUNT, {"query": query, "status": status[query], "n": counts[query],
                                 "now": now})
    return len(counts)

