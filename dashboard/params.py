"""Query and form values that reach the database: parsed strictly and kept in range.

Out-of-range values (page 99999999999999999999, 9999-12-31, huge ids) used to overflow in
the database driver or in date arithmetic and answer 500; here they are a clear 400.
"""
from __future__ import annotations

from datetime import date

from werkzeug import routing

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite takes 64 bits but ids never get there
MIN_DAY, MAX_DAY = date(2000, 1, 1), date(2999, 12, 31)


class BadQuery(ValueError):
    """A parameter that parses but lies outside what the dashboard can ask for (HTTP 400)."""


def small_int(raw: str, name: str, maximum: int = MAX_ID) -> int | None:
    """An ASCII whole number up to `maximum`; None when empty or not a number at all."""
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()):
        return None
    if len(raw) > 12 or int(raw) > maximum:
        raise BadQuery(f"{name} is out of range")
    return int(raw)


def day(raw: str, name: str) -> date | None:
    """An ISO date between 2000 and 2999; None when empty or not a date."""
    try:
        value = date.fromisoformat(raw.strip())
    except ValueError:
        return None
    if not MIN_DAY <= value <= MAX_DAY:
        raise BadQuery(f"{name} must lie between {MIN_DAY} and {MAX_DAY}")
    return value


class IntegerConverter(routing.IntegerConverter):
    """`<int:…>` in every URL, refusing (404) ids no row can have (same name as werkzeug's)."""

    def __init__(self, url_map, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
