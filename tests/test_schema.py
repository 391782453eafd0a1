"""The migrated schema matches the models, and the migration runs both ways."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from models import Base, make_engine


def test_migrations_match_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_cli_upgrade_on_an_empty_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cli.db import upgrade_database
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'fresh' / 'db.sqlite3'}"
    upgrade_database(url)
    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
