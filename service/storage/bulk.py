"""Bulk load of flat rows inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

Both bypass SQLAlchemy's per-row statement handling (compiling parameters for a million rows costs more than
the database's work). Values go to the driver as the repository's ``insert()`` would send them: JSON columns
arrive as their JSON text already (made in the import's workers, :data:`service.storage.rows.JSON_COLUMNS`);
the other types whose SQLAlchemy conversion differs from the driver's own (SQLite's DATETIME text) are
converted here with SQLAlchemy's own bind processors; booleans, numbers and text the drivers adapt alike.

A large load on SQLite runs without the tables' secondary indexes (:func:`without_secondary_indexes`): they
are dropped inside the transaction and created again at its end, one sort each instead of a million random
B-tree inserts; SQLite's DDL is transactional, so a failed load leaves them as they were. PostgreSQL keeps
its indexes: dropping one takes an exclusive lock that would stop the serving processes' reads for the whole
import, and COPY is not where its time goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import JSON, Connection, Table, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Boolean, Float, Integer, String

Loader = Callable[[Table, Sequence[str], Sequence[tuple[Any, ...]]], None]
"""Write rows (tuples in the order of the named columns) into a table."""

_DRIVER_ADAPTED = (Boolean, Float, Integer, String)
_AS_TEXT = (JSON,)  # given as JSON text by the caller

REINDEX_MIN_ROWS = 50_000
"""A load of at least this many rows, and at least as many as the table holds, is made without the secondary
indexes (below it, or into a larger table, keeping them costs less than building them anew)."""


def indexes_for_load(connection: Connection, tables: Sequence[Table], rows: int) -> AbstractContextManager[None]:
    """The context to load ``rows`` into ``tables`` (the first one holding one row per loaded row) in: without
    their secondary indexes for a large load on SQLite, else with them as they are."""
    if connection.dialect.name != "sqlite" or rows < REINDEX_MIN_ROWS:
        return nullcontext()
    stored = connection.execute(select(func.count()).select_from(tables[0])).scalar_one()
    return without_secondary_indexes(connection, tables) if rows >= stored else nullcontext()


@contextmanager
def without_secondary_indexes(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """SQLite, in the caller's transaction: the tables' own indexes (not those of their primary keys and unique
    constraints, which SQLite made itself and which reject duplicates during the load) are dropped, and created
    again from their stored definitions when the body ends without error (on error the rollback restores them)."""
    names = ", ".join("?" for _ in tables)
    indexes = connection.exec_driver_sql(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({names})",
        tuple(table.name for table in tables),
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    for name, _ in indexes:
        connection.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, definition in indexes:
        connection.exec_driver_sql(definition)


def bulk_loader(connection: Connection) -> Loader:
    """The bulk path of ``connection``'s database; it writes inside the connection's open transaction."""
    if connection.dialect.name == "postgresql":
        return lambda table, columns, rows: _copy(connection, table, columns, rows)
    return lambda table, columns, rows: _executemany(connection, table, columns, rows)


def _converters(connection: Connection, table: Table, columns: Sequence[str]) -> list[tuple[int, Any]]:
    dialect = connection.dialect
    converters = []
    for position, name in enumerate(columns):
        column_type = table.c[name].type
        if isinstance(column_type, _DRIVER_ADAPTED + _AS_TEXT):
            continue
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor))
    return converters


def _converted(rows: Sequence[tuple[Any, ...]], converters: list[tuple[int, Any]]) -> Sequence[tuple[Any, ...]]:
    """The rows with the converted cells. A cell object shared by many rows (the timestamps of one load: every
    row's ``updated_at``) is converted once: remembered by identity, which is unique while ``rows`` holds every
    cell."""
    if not converters:
        return rows
    done: list[dict[int, Any]] = [{} for _ in converters]
    result = []
    for row in rows:
        cells = list(row)
        for (position, convert), memo in zip(converters, done, strict=True):
            value = cells[position]
            key = id(value)
            if key not in memo:
                memo[key] = convert(value)
            cells[position] = memo[key]
        result.append(tuple(cells))
    return result


def _executemany(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    marks = ", ".join("?" for _ in columns)  # SQLite's paramstyle (qmark)
    statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
    connection.exec_driver_sql(statement, list(_converted(rows, _converters(connection, table, columns))))


def _copy(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """COPY … FROM STDIN on the SQLAlchemy connection's psycopg connection (same transaction); JSON cells are
    their text already. Driver errors become SQLAlchemy's (IntegrityError, OperationalError …) so callers handle
    both paths alike."""
    import psycopg

    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
