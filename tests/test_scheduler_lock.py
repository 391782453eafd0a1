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


def _end_session(engine, lock: AdvisoryLock) -> None:  # type: ignore[no-untyped-def]
    """What a PostgreSQL restart does to the lock's session: it ends, and the lock with it."""
    from sqlalchemy import text

    assert lock._conn is not None
    pid = lock._conn.execute(text("SELECT pg_backend_pid()")).scalar()
    lock._conn.commit()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()


def _two_processes(database_url: str):  # type: ignore[no-untyped-def]
    engine, other = make_engine(database_url), make_engine(database_url)
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (TEST_DATABASE_URL)")
    return engine, other


def test_standby_survives_the_database_restarting_and_takes_over(database_url: str) -> None:
    # A standby used to die with the OperationalError of its next poll after a restart.
    engine, other = _two_processes(database_url)
    key = 30_000 + os.getpid()
    active, standby = AdvisoryLock(engine, key=key), AdvisoryLock(other, key=key)
    try:
        assert active.try_acquire()
        assert not standby.try_acquire()
        _end_session(engine, standby)
        assert not standby.try_acquire()  # the broken connection: no error, no lock
        assert not standby.try_acquire()  # a new connection; the active one still holds it
        _end_session(other, active)
        assert not active.held()
        assert standby.try_acquire()  # the lock went with the active's session
        assert standby.held()
    finally:
        active.release()
        standby.release()
        engine.dispose()
        other.dispose()


def test_active_scheduler_retakes_a_lost_lock_or_stands_by(database_url: str,
                                                           monkeypatch) -> None:
    import time
    from types import SimpleNamespace

    from scheduler import runner

    engine, other = _two_processes(database_url)
    monkeypatch.setattr(runner, "JOBS", {})
    monkeypatch.setattr(runner, "LOCK_CHECK_S", 0.2)
    key = 40_000 + os.getpid()
    rt = SimpleNamespace()  # no jobs run: the runtime is never used
    mine, theirs = AdvisoryLock(engine, key=key), AdvisoryLock(other, key=key)
    try:
        # The session ends and nobody else wants the lock: taken again, still active.
        assert mine.try_acquire()
        _end_session(other, mine)
        assert runner._run_while_held(rt, mine, time.monotonic() + 1.5) is False
        assert mine.held() and not theirs.try_acquire()
        # The session ends and another scheduler takes the lock first: this one stands by.
        _end_session(other, mine)
        assert theirs.try_acquire()
        assert runner._run_while_held(rt, mine, time.monotonic() + 30) is True
        assert not mine.held()
    finally:
        mine.release()
        theirs.release()
        engine.dispose()
        other.dispose()
