"""Bulk load of flat rows inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

Both bypass SQLAlchemy's per-row statement handling (compiling parameters for a million rows costs more than
the database's work). Values go to the driver as the repository's ``insert()`` would send them: the types
whose SQLAlchemy conversion differs from the driver's own (JSON, and SQLite's DATETIME text) are converted
here with SQLAlchemy's own bind processors; booleans, numbers and text the drivers adapt alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import Boolean, Float, Integer, String

Loader = Callable[[Table, Sequence[str], Sequence[tuple[Any, ...]]], None]
"""Write rows (tuples in the order of the named columns) into a table."""

_DRIVER_ADAPTED = (Boolean, Float, Integer, String)


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
        if isinstance(column_type, _DRIVER_ADAPTED):
            continue
        processor = column_type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor))
    return converters


def _converted(rows: Sequence[tuple[Any, ...]], converters: list[tuple[int, Any]]) -> Sequence[tuple[Any, ...]]:
    """The rows with the converted cells. A cell object shared by many rows (the transit stops of one site) is
    converted once: remembered by identity, which is unique while ``rows`` holds every cell."""
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
    """COPY … FROM STDIN on the SQLAlchemy connection's psycopg connection (same transaction). JSON goes as its
    text, None as JSON ``null`` (what SQLAlchemy's JSON type stores for None); driver errors become SQLAlchemy's
    (IntegrityError, OperationalError …) so callers handle both paths alike."""
    import psycopg

    if not rows:
        return
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(name) for name in columns)}) FROM STDIN"
    as_json = [(i, json.dumps) for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in _converted(rows, as_json):
                copy.write_row(row)
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
