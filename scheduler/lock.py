"""One active scheduler: a PostgreSQL advisory lock, or a file lock beside a SQLite database."""
from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
# Any fixed 64-bit number shared by every scheduler of this application.
ADVISORY_KEY = 0x5741_5354_4542_4F54 & 0x7FFF_FFFF_FFFF_FFFF


class SchedulerLock(Protocol):
    def try_acquire(self) -> bool: ...
    def held(self) -> bool: ...
    def release(self) -> None: ...


class AdvisoryLock:
    """pg_try_advisory_lock on a dedicated connection held for the process lifetime.

    The lock dies with the connection, so a scheduler killed with -9 frees it at once; so
    does a restart of PostgreSQL, which every holder and waiter must survive (`held`).
    """

    def __init__(self, engine: Engine, key: int = ADVISORY_KEY) -> None:
        self.engine, self.key = engine, key
        self._conn: Connection | None = None
        self._holding = False

    def try_acquire(self) -> bool:
        """Take the lock if free; False (not an error) while the database is unreachable."""
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                          {"k": self.key}).scalar())
            self._conn.commit()  # session-level lock: survives the end of this transaction
        except DBAPIError as exc:
            log.warning("scheduler lock: database unreachable (%s); will try again",
                        type(exc.orig).__name__)
            self._drop()
            return False
        self._holding = got
        return got

    def held(self) -> bool:
        """Whether we hold the lock and its session still lives (a PostgreSQL restart ends it)."""
        if self._conn is None or not self._holding:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
        except DBAPIError:
            self._drop()
            return False
        return True

    def _drop(self) -> None:
        self._holding = False
        if self._conn is not None:
            self._conn.invalidate()
            self._conn.close()
            self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            # Unlock explicitly: close() only returns the connection to the pool, where the
            # session (and a session-level lock with it) would live on.
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                self._conn.commit()
            except DBAPIError:
                pass  # the session is gone, and the lock with it
            finally:
                self._drop()


class FileSchedulerLock:
    """A file lock under the instance folder (SQLite: one machine)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(path))

    def try_acquire(self) -> bool:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return False
        return True

    def held(self) -> bool:
        return bool(self._lock.is_locked)

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release(force=True)


def make_lock(engine: Engine, instance_dir: str, key: int = ADVISORY_KEY) -> SchedulerLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, key)
    return FileSchedulerLock(Path(instance_dir) / "scheduler.lock")


def wait_for(lock: SchedulerLock, poll_s: float = 5.0, deadline: float | None = None) -> bool:
    """Block until the lock is ours (True) or `deadline` (monotonic) passes (False)."""
    if lock.try_acquire():
        return True
    log.info("scheduler: standby, another scheduler holds the lock")
    while deadline is None or time.monotonic() < deadline:
        time.sleep(poll_s if deadline is None else max(0.0, min(poll_s, deadline - time.monotonic())))
        if lock.try_acquire():
            return True
    return False
