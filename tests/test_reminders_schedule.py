"""Each case stores when its next reminder falls due; the scan reads only the cases due."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from config import TZ
from models import Case, OutboxMessage
from services import cases as cs
from services.cases import SYSTEM, Actor
from reminders.schedule import NONE, OFFICE, PARENT, RED, YELLOW
from reminders.scan import case_notices, load_setup, scan
from tests.support.district import make_case, run_at, setup_district

OFFICE_ACTOR = Actor("office", "分类办")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=TZ)


def state(runtime: Any, number: str) -> tuple[datetime | None, str]:
    with runtime.sessions.begin() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert case is not None
        due = case.next_reminder_at.astimezone(TZ) if case.next_reminder_at else None
        return due, case.reminder_stage


@contextmanager
def cases_loaded() -> Iterator[list[str]]:
    """Numbers of the Case rows the ORM loads from the database inside the block."""
    loaded: list[str] = []

    def on_load(target: Case, _context: Any) -> None:
        loaded.append(target.number)

    event.listen(Case, "load", on_load)
    try:
        yield loaded
    finally:
        event.remove(Case, "load", on_load)


def _one(s: Session, number: str) -> Case:
    case = s.scalar(select(Case).where(Case.number == number))
    assert case is not None
    return case


def test_dispatch_stores_the_yellow_moment_then_each_scan_moves_on(app, runtime, clock,
                                                                   fake_wechat) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230101")
    # Mon 10:00 + 3 working days → Thu 10:00; 80 % of 27 working hours → Wed 13:36.
    assert state(runtime, "JC202611230101") == (at("2026-11-25 13:36"), NONE)
    with runtime.sessions.begin() as s:
        cs.accept_case(s, runtime.config, _one(s, "JC202611230101"), SYSTEM, clock.now)
    assert state(runtime, "JC202611230101") == (at("2026-11-25 13:36"), NONE)
    run_at(app, "2026-11-25 13:36")
    assert state(runtime, "JC202611230101") == (at("2026-11-26 10:00"), YELLOW)
    run_at(app, "2026-11-26 10:05")
    assert state(runtime, "JC202611230101") == (at("2026-11-27 10:00"), RED)
    run_at(app, "2026-11-27 10:00")
    assert state(runtime, "JC202611230101") == (at("2026-12-01 10:00"), PARENT)  # Fri, Mon, Tue
    run_at(app, "2026-12-01 10:00")
    assert state(runtime, "JC202611230101") == (None, OFFICE)


def test_extension_restarts_the_clock_and_a_new_yellow_follows(app, runtime, clock,
                                                               fake_wechat) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230102")
    run_at(app, "2026-11-25 13:40")
    assert state(runtime, "JC202611230102")[1] == YELLOW
    with runtime.sessions.begin() as s:
        case = _one(s, "JC202611230102")
        req = cs.request_extension(s, runtime.config, case, SYSTEM, at("2026-11-25 14:00"), 2,
                                   "需要采购新桶")
        cs.decide_extension(s, runtime.config, req, True, OFFICE_ACTOR, at("2026-11-25 14:00"))
        assert case.deadline_at == at("2026-11-30 10:00")
    # 45 working hours from Mon 23 10:00 to Mon 30 10:00; 80 % (36 h) → Fri 27 10:00.
    assert state(runtime, "JC202611230102") == (at("2026-11-27 10:00"), NONE)
    assert "case_yellow" not in run_at(app, "2026-11-27 09:59")
    assert "case_yellow" in run_at(app, "2026-11-27 10:00")  # the new deadline's own yellow


def test_rectify_clears_verify_failure_and_rework_reschedule(app, runtime, clock,
                                                             fake_wechat) -> None:
    number = "JC202611230103"
    with runtime.sessions.begin() as s:
        setup_district(s)
        make_case(s, runtime.config, "D01-S01-C01", clock.now, number)
    with runtime.sessions.begin() as s:
        cs.mark_rectified(s, runtime.config, _one(s, number), SYSTEM, at("2026-11-24 10:00"))
    assert state(runtime, number) == (None, NONE)
    with runtime.sessions.begin() as s:
        cs.verify_and_close(s, runtime.config, _one(s, number), OFFICE_ACTOR,
                            at("2026-11-24 11:00"), passed=False)
    assert state(runtime, number) == (at("2026-11-25 13:36"), NONE)  # same clock, running
    with runtime.sessions.begin() as s:
        case = _one(s, number)
        cs.mark_rectified(s, runtime.config, case, SYSTEM, at("2026-11-24 15:00"))
        cs.verify_and_close(s, runtime.config, case, OFFICE_ACTOR, at("2026-11-24 16:00"))
    assert state(runtime, number) == (None, NONE)
    with runtime.sessions.begin() as s:  # the reporter says it is not fixed: rework
        cs.record_survey(s, runtime.config, _one(s, number), at("2026-11-30 10:00"), fixed=False)
    # A fresh 3 working days from Mon 30 10:00 → Thu 3 Dec 10:00; yellow Wed 2 Dec 13:36.
    assert state(runtime, number) == (at("2026-12-02 13:36"), NONE)


def test_return_and_reject_clear_the_schedule(runtime, clock) -> None:
    with runtime.sessions.begin() as s:
        setup_district(s)
        a = make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230104")
        b = make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230105")
        assert a.next_reminder_at is not None and b.next_reminder_at is not None
        cs.return_case(s, runtime.config, a, SYSTEM, clock.now, "不属本单位")
        cs.reject_case(s, runtime.config, b, OFFICE_ACTOR, clock.now, "非垃圾分类问题")
        assert (a.next_reminder_at, b.next_reminder_at) == (None, None)


def test_scan_loads_only_the_cases_due(runtime, clock) -> None:
    now = at("2026-11-30 10:00")
    with runtime.sessions.begin() as s:
        setup_district(s)
        for i in range(3):  # filed the week before: overdue by now
            make_case(s, runtime.config, "D01-S01-C01", clock.now, f"JC20261123{i:04d}")
        for i in range(7):  # filed just now: nothing due for days
            make_case(s, runtime.config, "D01-S01-C01", now, f"JC20261130{i:04d}")
        closed = make_case(s, runtime.config, "D01-S01-C01", clock.now, "JC202611230099")
        cs.mark_rectified(s, runtime.config, closed, SYSTEM, clock.now)
    with runtime.sessions.begin() as s:
        setup = load_setup(s, runtime.config)
    with runtime.sessions.begin() as s, cases_loaded() as loaded:
        scan(s, runtime.config, now, setup=setup)
    assert sorted(loaded) == [f"JC20261123{i:04d}" for i in range(3)]
    with runtime.sessions.begin() as s:
        red = s.scalars(select(OutboxMessage.idempotency_key)
                        .where(OutboxMessage.kind == "case_red")).all()
        assert {k.split(":")[1] for k in red} == {f"JC20261123{i:04d}" for i in range(3)}
    with runtime.sessions.begin() as s, cases_loaded() as loaded:
        assert scan(s, runtime.config, now, setup=setup) == []
    assert loaded == []  # a second scan at the same moment reads no case at all


def test_batches_and_dry_run_reach_every_due_case_and_change_nothing(runtime, clock) -> None:
    now = at("2026-12-02 11:00")
    numbers = [f"JC20261123{i:04d}" for i in range(5)]
    with runtime.sessions.begin() as s:
        setup_district(s)
        for i, n in enumerate(numbers):
            make_case(s, runtime.config, "D01-S01-C01", clock.now + timedelta(minutes=i), n)
    with runtime.sessions.begin() as s:
        setup = load_setup(s, runtime.config)
    before = [state(runtime, n) for n in numbers]
    with runtime.sessions.begin() as s:
        dry = case_notices(s, setup, now, dry_run=True, batch_size=2)
    assert [state(runtime, n) for n in numbers] == before
    with runtime.sessions.begin() as s:
        real = case_notices(s, setup, now, batch_size=2)
    assert [n.key for n in dry] == [n.key for n in real]
    assert {n.ref for n in real} == set(numbers)
    assert {n.kind for n in real} == {"case_red", "case_escalate", "case_supervise"}
    assert all(state(runtime, n) == (None, OFFICE) for n in numbers)
