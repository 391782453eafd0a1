"""The soak's invariants (tests/support/soak_checks.py) on small recorded runs, without a soak."""
from __future__ import annotations

from tests.support.soak_checks import (Fault, Outcome, call_key, judge_complaints,
                                       judge_messages, judge_photos, judge_pushes)

CRASH = Fault("PostgreSQL immediate stop + start", 100.0, 125.0, "database")


def _answered(kind: str, start: float, reply: str = "ok", times: int = 1) -> Outcome:
    o = Outcome(kind)
    for n in range(times):
        o.latencies_ms.append((start + n, 5.0))
        o.replies.append((200, reply))
    return o


def test_messages_pass_when_each_is_answered_once_with_its_row() -> None:
    outcomes = {"a": _answered("question", 10), "b": _answered("complaint", 11, times=2)}
    v = judge_messages(outcomes, {"a", "b"}, [CRASH])
    assert v.failures == []


def test_a_retry_answered_differently_or_a_missing_row_fails() -> None:
    differs = _answered("complaint", 10)
    differs.replies.append((200, "another reply"))
    v = judge_messages({"a": differs, "b": _answered("complaint", 12)}, {"a"}, [])
    assert any("different replies" in f for f in v.failures)
    assert any("without a de-duplication row" in f for f in v.failures)


def test_a_question_lost_by_the_crash_is_the_documented_loss_not_a_failure() -> None:
    just_before = _answered("question", CRASH.start - 0.5)
    long_before = _answered("question", CRASH.start - 30)
    complaint = _answered("complaint", CRASH.start - 0.5)  # full path: durable, never lost
    v = judge_messages({"q1": just_before}, set(), [CRASH])
    assert v.failures == [] and any("plus 1 plain questions" in f for f in v.figures)
    v = judge_messages({"q2": long_before, "c": complaint}, set(), [CRASH])
    assert any("2 answered deliveries without" in f for f in v.failures)


def test_refusals_count_only_inside_fault_windows() -> None:
    refused = Outcome("question", errors=[(110.0, "503 "), (112.0, "0 ConnectionResetError")])
    assert judge_messages({"a": refused}, set(), [CRASH]).failures == []
    late = Outcome("question", errors=[(300.0, "500 ")])
    failures = judge_messages({"a": late}, set(), [CRASH]).failures
    assert any("never answered" in f for f in failures)
    assert any("5xx outside" in f for f in failures)


def test_complaints_photos() -> None:
    ok = judge_complaints({"r1": "JC202611300001", "r2": ""}, {"r1": 1}, 1, 0)
    assert ok.failures == []
    two = judge_complaints({"r1": "JC202611300001"}, {"r1": 2}, 2, 0)
    assert two.failures
    photos = [("report", "stored", True), ("rectify", "stored", True)]
    assert judge_photos(photos).failures == []
    assert judge_photos(photos + [("report", "stored", False)]).failures


def test_a_reminder_written_but_never_delivered_is_a_failure() -> None:
    # The soak of 2026-11-30 passed with 10 reminders written and none delivered.
    call = call_key("/cgi-bin/message/template/send", {"touser": "o1"}, {"access_token": "t"})
    sent = [("case_red", "sent", None), ("case_assigned", "sent", None)]
    other = call_key("/cgi-bin/message/send", {"touser": "u1"}, {"access_token": "t"})
    assert judge_pushes(sent, [call, other], kills=2).failures == []
    dead = sent + [("ranking", "dead", "wecom_app: -12: wecom_app is not configured")]
    failures = judge_pushes(dead, [call, other], kills=2).failures
    assert failures == ["1 reminders, digests, rankings written but never delivered: "
                        "1 × dead: wecom_app: -12: wecom_app is not configured"]
    pending = sent + [("digest", "pending", None)]
    assert judge_pushes(pending, [call, other], kills=2).failures


def test_duplicate_sends_beyond_one_per_kill_fail() -> None:
    call = call_key("/cgi-bin/message/template/send", {"touser": "o1"}, {"access_token": "a"})
    again = call_key("/cgi-bin/message/template/send", {"touser": "o1"}, {"access_token": "b"})
    rows = [("case_red", "sent", None)]
    assert call == again  # a new access token does not make it another push
    assert judge_pushes(rows, [call, again], kills=1).failures == []
    assert judge_pushes(rows, [call, again, call], kills=1).failures
    assert judge_pushes(rows + [("case_red", "sent", None)], [call], kills=0).failures
