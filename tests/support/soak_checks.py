"""The soak test's invariants over what it recorded: pure functions, so a unit test can run them.

bench/soak.py collects every HTTP answer, the faults it applied, and after the run the rows
of the database and the fake WeChat API's call log; each `judge_*` returns printable figures
and the invariants that failed.
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

SEND_PATHS = ("/cgi-bin/message/template/send", "/cgi-bin/message/custom/send",
              "/cgi-bin/webhook/send", "/cgi-bin/message/send")
# A fast-path question is committed with synchronous_commit off (docs/BENCHMARKS.md): a
# database crash may lose what was answered this long before it; WeChat's retry is then
# answered again, identically. PostgreSQL flushes such commits within 3 × wal_writer_delay.
ASYNC_COMMIT_LOSS_S = 2.0


@dataclass
class Outcome:
    """Every HTTP answer to one delivery (a MsgId), with when and how long."""
    kind: str
    replies: list[tuple[int, str]] = field(default_factory=list)  # (status, reply text)
    latencies_ms: list[tuple[float, float]] = field(default_factory=list)  # (start, ms)
    errors: list[tuple[float, str]] = field(default_factory=list)  # (t, status or exception)

    def answered_at(self) -> list[float]:
        """When each attempt ended (monotonic seconds)."""
        return [start + ms / 1000 for start, ms in self.latencies_ms]


@dataclass(frozen=True)
class Fault:
    name: str
    start: float  # monotonic
    end: float  # the end of its window: outage plus the time pools take to recover
    kind: str  # "kill", "database", "photos"


@dataclass
class Verdict:
    figures: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, other: "Verdict") -> "Verdict":
        self.figures += other.figures
        self.failures += other.failures
        return self


def in_fault(faults: Iterable[Fault], t: float) -> bool:
    return any(f.start - 1 <= t <= f.end for f in faults)


def percentile(sorted_values: list[float], p: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def judge_messages(outcomes: dict[str, Outcome], stored_keys: set[str],
                   faults: list[Fault], t0: float = 0.0) -> Verdict:
    """Every delivered message answered with one reply (one de-duplication row), or refused
    with a retryable status or cut by a planned fault; no 5xx outside the fault windows."""
    v = Verdict()
    crashes = [f.start for f in faults if f.kind == "database"]
    answered = never = inconsistent = missing = lost_async = 0
    for key, o in outcomes.items():
        texts = {r for s, r in o.replies if s == 200}
        if not o.replies:
            never += 1
        elif len(texts) > 1:
            inconsistent += 1
        else:
            answered += 1
        if o.replies and key not in stored_keys:
            last = max(o.answered_at())
            if o.kind == "question" and any(c - ASYNC_COMMIT_LOSS_S <= last <= c
                                             for c in crashes):
                lost_async += 1
            else:
                missing += 1
    unexplained = [k for k, o in outcomes.items() if not o.replies and any(
        not (e.startswith("503") or in_fault(faults, t)) for t, e in o.errors)]
    errors = [(t, e) for o in outcomes.values() for t, e in o.errors]
    outside_5xx = [e for t, e in errors if not in_fault(faults, t) and e[:1] == "5"]
    stalls = [e for t, e in errors if not in_fault(faults, t) and e[:1] != "5"]
    stall_times = sorted(t - t0 for t, e in errors if not in_fault(faults, t) and e[:1] != "5")
    deliveries = sum(len(o.latencies_ms) for o in outcomes.values())
    v.figures.append(
        f"distinct messages {len(outcomes)}, HTTP deliveries {deliveries}: answered {answered}, "
        f"never answered {never} (not explained by 503s or faults: {len(unexplained)}), "
        f"answered differently on a retry {inconsistent}")
    v.figures.append(
        f"answered without a de-dup row: {missing}; plus {lost_async} plain questions answered "
        f"< {ASYNC_COMMIT_LOSS_S:.0f} s before the database crash (asynchronous commit, "
        "documented; a retry is answered again identically)")
    v.figures.append(
        f"non-200 answers {len(errors)}: inside planned fault windows "
        f"{len(errors) - len(outside_5xx) - len(stalls)}, 5xx outside {len(outside_5xx)}, "
        f"no answer in 10 s outside {len(stalls)} "
        f"({', '.join(sorted({e for _, e in errors}))[:160] or 'none'})"
        + (" at " + ", ".join(f"{t:.0f}" for t in stall_times[:12]) + " s" if stalls else ""))
    if unexplained:
        v.failures.append(f"{len(unexplained)} deliveries never answered, not all refused with "
                          "a retryable status")
    if inconsistent:
        v.failures.append(f"{inconsistent} deliveries answered with different replies")
    if missing:
        v.failures.append(f"{missing} answered deliveries without a de-duplication row")
    if outside_5xx:
        v.failures.append(f"{len(outside_5xx)} 5xx outside planned outages: "
                          + ", ".join(sorted(set(outside_5xx)))[:200])
    # A delivery not answered in 10 s outside a fault is a figure, not a failure: WeChat
    # would have retried it after 5 s, and the retry is judged above (answered once).
    return v


def judge_latency(outcomes: dict[str, Outcome], faults: list[Fault]) -> Verdict:
    v = Verdict()
    for kind in sorted({o.kind for o in outcomes.values()}):
        every = [x for o in outcomes.values() if o.kind == kind for x in o.latencies_ms]
        for label, lat in (("all", sorted(ms for _, ms in every)),
                           ("outside faults", sorted(ms for t, ms in every
                                                     if not in_fault(faults, t)))):
            if lat:
                v.figures.append(
                    f"{kind + ' deliveries, ' + label:<38} {len(lat):>7}   p50 "
                    f"{percentile(lat, 50):7.1f} ms   p99 {percentile(lat, 99):7.1f} ms   max "
                    f"{lat[-1]:8.1f} ms")
    return v


def judge_complaints(submitted: dict[str, str], cases_per_reporter: dict[str, int],
                     originals: int, duplicates: int) -> Verdict:
    """`submitted`: reporter → case number the reply named ("" when no reply named one)."""
    v = Verdict()
    confirmed = [o for o, n in submitted.items() if n]
    not_one = [o for o in confirmed if cases_per_reporter.get(o, 0) != 1]
    extra = [o for o, n in submitted.items() if not n and cases_per_reporter.get(o, 0) > 1]
    v.figures.append(
        f"complaints submitted {len(submitted)} (confirmed {len(confirmed)}), not exactly one "
        f"case {len(not_one) + len(extra)}; cases: {originals} distinct, {duplicates} linked as "
        "duplicates (same type within 100 m, open)")
    if not_one or extra:
        v.failures.append(f"{len(not_one) + len(extra)} complaints not exactly one case")
    return v


def judge_photos(photos: list[tuple[str, str, bool]]) -> Verdict:
    """`photos`: (kind, status, file exists) for every case photo."""
    v = Verdict()
    for kind in sorted({k for k, _, _ in photos}):
        rows = [p for p in photos if p[0] == kind]
        stored = [p for p in rows if p[1] == "stored" and p[2]]
        v.figures.append(f"{kind} photos {len(rows)}, stored {len(stored)}")
        if len(stored) != len(rows):
            v.failures.append(f"{len(rows) - len(stored)} of {len(rows)} {kind} photos not "
                              "stored")
    return v


def call_key(path: str, body: Any, args: dict[str, str]) -> str:
    """One push as WeChat sees it: path, body and arguments but the access token."""
    return (path + json.dumps(body, ensure_ascii=False, sort_keys=True)
            + json.dumps({k: v for k, v in args.items() if k != "access_token"}, sort_keys=True))


REMINDER_KINDS_EXCLUDED = ("case_update", "case_assigned", "photo_failed")


def judge_pushes(outbox: list[tuple[str, str, str]], calls: list[str], kills: int) -> Verdict:
    """`outbox`: (kind, status, last error) per row; `calls`: call_key of each API send.

    Every row sent (a row dead or still unsent at the end is a failure: written, never
    delivered), one API call per sent row, at most one in-flight duplicate per process killed.
    """
    v = Verdict()
    counted = Counter(calls)
    duplicates = sum(n - 1 for n in counted.values())
    sent = [r for r in outbox if r[1] == "sent"]
    for label, rows in (("reminders, digests, rankings",
                         [r for r in outbox if r[0] not in REMINDER_KINDS_EXCLUDED]),
                        ("case notices", [r for r in outbox if r[0] in REMINDER_KINDS_EXCLUDED])):
        by_status = Counter(r[1] for r in rows)
        kinds = Counter(r[0] for r in rows)
        v.figures.append(f"{label}: {len(rows)} written, " + ", ".join(
            f"{s} {n}" for s, n in sorted(by_status.items())) + " ("
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) + ")")
        unsent = [r for r in rows if r[1] != "sent"]
        if unsent:
            errors = Counter(f"{r[1]}: {r[2] or 'no error'}"[:90] for r in unsent)
            v.failures.append(f"{len(unsent)} {label} written but never delivered: " + "; ".join(
                f"{n} × {e}" for e, n in errors.most_common(3)))
    v.figures.append(f"API send calls {len(calls)} for {len(sent)} sent rows, distinct "
                     f"{len(counted)}, duplicate sends {duplicates} (allowed {kills}: one per "
                     "process killed)")
    if duplicates > kills:
        v.failures.append(f"{duplicates} duplicate sends (allowed {kills})")
    if len(counted) < len(sent):
        v.failures.append(f"{len(sent) - len(counted)} outbox rows marked sent without a call")
    return v
