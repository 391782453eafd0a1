"""`make bench`: every benchmark in turn, each printing its figures and a VERDICT line."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (script, arguments): the matcher's own benchmark, the webhook against its floor, the scan.
BENCHMARKS = [
    ("bench/bench_matcher.py", []),
    ("bench/bench_webhook.py", []),
    ("bench/bench_reminders.py", []),
]


def main() -> int:
    failed = []
    verdicts = []
    for script, args in BENCHMARKS:
        print(f"\n=== {script} {' '.join(args)}".rstrip(), flush=True)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, script, *args], cwd=ROOT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        print(proc.stdout, end="", flush=True)
        verdicts += [line for line in proc.stdout.splitlines() if line.lower().startswith("verdict")]
        print(f"--- {script}: exit {proc.returncode}, {time.monotonic() - started:.0f} s")
        if proc.returncode != 0:
            failed.append(script)
    print("\n=== verdicts")
    print("\n".join(verdicts) or "(none)")
    if failed:
        print("benchmarks that could not run: " + ", ".join(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
