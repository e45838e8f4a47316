from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from service.storage.database import (
    DatabaseNotReadyError,
    current_revision,
    ensure_up_to_date,
    head_revision,
    make_engine,
    upgrade,
)
from service.storage.tables import metadata


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    ensure_up_to_date(engine)


def test_unmigrated_database_is_refused_with_the_command_to_run(database_url: str) -> None:
    with pytest.raises(DatabaseNotReadyError, match="bmm init --db"):
        ensure_up_to_date(make_engine(database_url))
