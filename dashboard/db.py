"""The dashboard's access to the runtime: sessions, clock and background kicks."""
from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from runtime import from_app, Runtime


def runtime() -> Runtime:
    return from_app(current_app)


def transaction() -> AbstractContextManager[Session]:
    """One transaction for one request's work; commits on success."""
    return runtime().sessions.begin()


def now() -> datetime:
    return runtime().clock()
