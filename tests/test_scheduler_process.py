"""The scheduler as its own process: one active under the lock, kill -9 loses and repeats nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from config import TZ, Config
from models import OutboxMessage
from tests.support.district import make_case, setup_district

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = "/cgi-bin/message/template/send"


def _env(config: Config, **overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    for f in fields(Config):
        env[f.name] = str(getattr(config, f.name))
    env["DEV_MODE"] = "0"
    env.update(overrides)
    return env


def _start(config: Config, log: Path, *args: str, **env: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--poll", "0.3",
           *args]
    with log.open("w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(cmd, cwd=ROOT, env=_env(config, **env), stdout=out,
                                stderr=subprocess.STDOUT)


def _wait_for(predicate, seconds: float = 60) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < end, "condition not reached"
        time.sleep(0.05)


def _overdue_cases(runtime, n: int) -> None:
    """Cases filed ten days ago (real time: the scheduler runs on the system clock)."""
    filed = datetime.now(TZ) - timedelta(days=10)
    with runtime.sessions.begin() as s:
        setup_district(s)
        for i in range(n):
            make_case(s, runtime.config, "D01-S01-C01", filed, f"JC20990101{i:04d}")
        for row in s.scalars(select(OutboxMessage)):
            row.status = "sent"  # dispatch notices: not what these tests are about


def _red_calls(fake) -> list:  # type: ignore[no-untyped-def]
    return [c for c in fake.sent(TEMPLATE) if "红灯催办" in str(c.body)]


def _red_rows(runtime) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    with runtime.sessions.begin() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "case_red")))


def test_second_scheduler_stands_by_then_takes_over(runtime, config, fake_wechat,
                                                    tmp_path) -> None:
    # Every step waits on a signal (a log line, the outbox rows), never on a time window
    # sized for a fast machine: the --max-seconds limits only stop a test gone wrong.
    _overdue_cases(runtime, 3)
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    a = _start(config, log_a, "--max-seconds", "120")
    try:
        _wait_for(lambda: "active (lock held)" in log_a.read_text())
        # A's first scan has written and delivered: 3 cases × member+leader.
        _wait_for(lambda: len(_red_rows(runtime)) == 6
                  and all(r.status == "sent" for r in _red_rows(runtime)))
        b = _start(config, log_b, "--max-seconds", "120")
        try:
            _wait_for(lambda: "standby" in log_b.read_text())
            a.send_signal(signal.SIGTERM)  # the lock goes with the process
            a.wait(60)
            _wait_for(lambda: "active (lock held)" in log_b.read_text())  # B takes over
        finally:
            b.send_signal(signal.SIGTERM)
            b.wait(60)
    finally:
        if a.poll() is None:
            a.kill()
            a.wait(60)
    rows = _red_rows(runtime)
    assert len(rows) == 6 and all(r.status == "sent" for r in rows)
    assert len(_red_calls(fake_wechat)) == 6  # each sent once, though two schedulers ran
    text_b = log_b.read_text()
    assert text_b.index("standby") < text_b.index("active (lock held)")


def test_kill_9_mid_delivery_then_restart(runtime, config, fake_wechat, tmp_path) -> None:
    _overdue_cases(runtime, 4)
    # The first send really hangs: WeChat holds it far longer than the test takes, and the
    # scheduler's HTTP timeout is longer still, so the kill always lands mid-request.
    fake_wechat.fail(TEMPLATE, delay=120, times=1)
    a = _start(config, tmp_path / "a.log", "--max-seconds", "600", HTTP_TIMEOUT_S="600")
    _wait_for(lambda: len(fake_wechat.sent(TEMPLATE)) >= 1)  # the request has arrived
    a.send_signal(signal.SIGKILL)
    a.wait(30)
    rows = _red_rows(runtime)
    assert len(rows) == 8 and not any(r.status == "sent" for r in rows)
    in_flight = [r for r in rows if r.status == "sending"]
    assert len(in_flight) == 1  # leased by the dead process; nothing was lost
    b = _start(config, tmp_path / "b.log", "--once")
    assert b.wait(60) == 0
    rows = _red_rows(runtime)
    assert len(rows) == 8  # the restarted scan wrote no second copy of anything
    assert sorted(r.status for r in rows).count("sent") == 7
    # The hung request is retried only when its lease runs out; then everything is sent.
    from outbound.delivery import deliver_due

    runtime.clock = lambda: datetime.now(TZ) + timedelta(minutes=3)  # type: ignore[assignment]
    assert deliver_due(runtime) == 1
    assert all(r.status == "sent" for r in _red_rows(runtime))
    recipients = [c.body["touser"] for c in _red_calls(fake_wechat)]
    # 8 reminders answered once each; the one request the dead process never heard back from
    # is the only one WeChat saw twice.
    assert len(recipients) == 9 and len(set(r.idempotency_key for r in _red_rows(runtime))) == 8
