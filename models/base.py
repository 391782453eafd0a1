"""Declarative base, the UTC datetime column type and engine/session construction."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, TextClause, bindparam, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, sessionmaker, Session
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the pragmas each backend needs for concurrent workers."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let pysqlite stay out of transaction control; we emit BEGIN IMMEDIATE ourselves
            # so that two workers never deadlock upgrading a read lock to a write lock.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_relaxed_engine(engine: Engine) -> Engine:
    """Autocommit PostgreSQL connections to `engine`'s database whose commits do not wait for
    the disk (`synchronous_commit = off`): the plain-question fast path's (bot/fastpath.py)."""
    relaxed = create_engine(engine.url, isolation_level="AUTOCOMMIT",
                            pool_reset_on_return=None, pool_size=2)

    @event.listens_for(relaxed, "connect")
    def _asynchronous_commit(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
        if not dbapi_conn.autocommit:
            dbapi_conn.commit()

    return relaxed


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def portable_sql(sql: str, **types: TypeEngine[Any]) -> TextClause:
    """A statement in SQL that PostgreSQL and SQLite (>= 3.35) both speak, e.g. an upsert.

    Used on hot paths instead of the dialects' insert().on_conflict_...(): those have no cache
    key, so SQLAlchemy would compile them again on every call. `types` give bind types
    (UTCDateTime parameters need theirs to be stored as UTC).
    """
    return text(sql).bindparams(*(bindparam(name, type_=t) for name, t in types.items()))
