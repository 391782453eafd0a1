"""The scheduler lock in one process: a second holder waits, a release hands it over."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import make_engine
from scheduler.lock import AdvisoryLock, FileSchedulerLock, make_lock, wait_for


def test_file_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    a, b = FileSchedulerLock(tmp_path / "s.lock"), FileSchedulerLock(tmp_path / "s.lock")
    assert a.try_acquire()
    assert not b.try_acquire()
    a.release()
    assert b.try_acquire()
    b.release()


def test_advisory_lock_is_exclusive_and_released(database_url: str) -> None:
    engine, other = make_engine(database_url), make_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (TEST_DATABASE_URL)")
    # Two engines, as two processes would have: separate pools, separate sessions.
    key = 20_000 + os.getpid()
    a, b = AdvisoryLock(engine, key=key), AdvisoryLock(other, key=key)
    try:
        assert a.try_acquire()
        assert not b.try_acquire()
        a.release()  # the pooled connection must not keep the lock alive
        assert b.try_acquire()
    finally:
        a.release()
        b.release()
        engine.dispose()
        other.dispose()


def test_make_lock_picks_by_backend_and_wait_gives_up(database_url: str, tmp_path: Path) -> None:
    import time

    engine = make_engine(database_url)
    key = 10_000 + os.getpid()  # advisory locks are database-wide: not the schedulers' key
    first, second = make_lock(engine, str(tmp_path), key), make_lock(engine, str(tmp_path), key)
    try:
        assert first.try_acquire()
        assert not wait_for(second, poll_s=0.05, deadline=time.monotonic() + 0.2)
    finally:
        first.release()
        second.release()
        engine.dispose()
