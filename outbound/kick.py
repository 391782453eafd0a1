"""The post-reply kick: background work (outbox delivery, photo download) run soon, off the request.

Web workers kick after a reply commits; the scheduler runs the same tasks as sweeps, so a
kick that fails or never runs is retried there.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable

from outbound.delivery import deliver_due
from outbound.photos import fetch_pending

if TYPE_CHECKING:
    from runtime import Runtime

log = logging.getLogger(__name__)

# name -> function(runtime) -> number of items processed
TASKS: dict[str, Callable[["Runtime"], int]] = {
    "outbox": deliver_due,
    "media": fetch_pending,
}


class Kicker:
    """A small thread pool, started on the first kick."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    def kick(self, runtime: "Runtime", names: set[str]) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kick")
        for name in sorted(names):
            task = TASKS.get(name)
            if task is not None:
                self._pool.submit(_run_logged, task, runtime, name)

    def drain(self) -> None:
        """Wait for kicked work (tests, shutdown)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _run_logged(task: Callable[["Runtime"], int], runtime: "Runtime", name: str) -> None:
    # Process boundary for kicked work: a failure is logged; the scheduler's sweep retries.
    try:
        task(runtime)
    except Exception:
        log.exception("background task %s failed", name)
