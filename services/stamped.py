"""A per-process value rebuilt only when a cheap database stamp changes (the KB, the calendar).

`get(session, stamp, build)` returns the cached value while it is younger than `ttl_s`; after
that it reads the stamp (one small query) and rebuilds only when the stamp moved. `changed()`
forces the next call to check at once (an edit committed in this process); a check that raced
such a change is not kept, so a stale value never outlives the edit that made it stale.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Generic, TypeVar

from sqlalchemy.orm import Session

T = TypeVar("T")


class StampedCache(Generic[T]):
    """One value, its stamp, and when the stamp was last checked."""

    def __init__(self, ttl_s: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._value: T | None = None
        self._stamp: object = None
        self._checked_at = float("-inf")
        self._generation = 0  # bumped by changed(): a check that raced a change is not kept

    def changed(self) -> None:
        """Something this process committed moved the stamp: check on the next call."""
        with self._lock:
            self._generation += 1
            self._checked_at = float("-inf")

    def get(self, session: Session, stamp: Callable[[Session], object],
            build: Callable[[Session], T]) -> T:
        """The cached value, rebuilt with `build` when `stamp` differs from the last one seen."""
        started = self._monotonic()
        value, generation = self._value, self._generation
        if value is not None and started - self._checked_at < self.ttl_s:
            return value
        current = stamp(session)
        if value is None or current != self._stamp:
            value = build(session)
        with self._lock:
            if generation == self._generation:
                self._value, self._stamp, self._checked_at = value, current, started
        return value
