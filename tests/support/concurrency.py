"""Running test calls at the same moment from several threads."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


def run_together(calls: list[Callable[[], T]]) -> list[T]:
    """Each call in its own thread, all released at once; results in order, first error raised."""
    gate = threading.Barrier(len(calls))

    def start(call: Callable[[], T]) -> T:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(start, call) for call in calls]
        return [f.result() for f in futures]
