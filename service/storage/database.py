"""Engines and schema migrations (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseNotReadyError(RuntimeError):
    """The database lacks migrations; the message says which command fixes it."""


# PostgreSQL's SQLSTATE for "could not extend file: No space left on device" (class 53, insufficient resources).
POSTGRES_DISK_FULL = "53100"


def is_disk_full(error: DBAPIError) -> bool:
    """Whether ``error`` is the database running out of space (SQLite ``SQLITE_FULL``: the disk or
    ``max_page_count``; PostgreSQL ``disk_full``), as opposed to a database that cannot be reached."""
    original = error.orig
    if isinstance(original, sqlite3.Error):
        return getattr(original, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
    return getattr(original, "sqlstate", None) == POSTGRES_DISK_FULL


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL (readers don't block the writer) and a
    Unicode-aware ``lower()``."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only; the name and estate filters need 'MÜLLER' to match 'müller',
        # as lower() does on PostgreSQL (costs ~0.3 s per million rows searched).
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    return engine


def _alembic_config() -> Config:
    # No URL in the config: env.py runs on the connection passed in, and a URL with '%' (an encoded
    # password) would break ConfigParser interpolation and echo the password in the error.
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "no migrations shipped"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or migrate the schema to the newest revision."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def ensure_up_to_date(engine: Engine) -> None:
    """Raise :class:`DatabaseNotReadyError` unless the schema is at the newest revision."""
    current = current_revision(engine)
    if current != head_revision():
        url = engine.url.render_as_string(hide_password=True)
        state = "has no bmm-match schema" if current is None else f"is at schema revision {current}"
        raise DatabaseNotReadyError(
            f"The database {url} {state}, but this version needs revision {head_revision()}. Run: bmm init --db {url}"
        )
