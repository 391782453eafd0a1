"""Background work shared by web workers (kicked after a reply) and the scheduler (sweeps)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from outbound.photos import fetch_pending
from outbound.delivery import deliver_due

if TYPE_CHECKING:
    from runtime import Runtime

# name -> function(runtime) -> number of items processed
TASKS: dict[str, Callable[["Runtime"], int]] = {
    "outbox": deliver_due,
    "media": fetch_pending,
}
