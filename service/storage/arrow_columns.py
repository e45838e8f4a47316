"""Stored organisations as Arrow columns, for loading the whole store into the live index.

A full load reads every organisation; a Python tuple per row and an object per value cost more than all the
work done with them after (10.6 s of 25.8 s at 1,000,000 rows). So the rows come as Arrow columns:

- SQLite files are read with the ADBC SQLite driver, which fills Arrow arrays in C, all three tables in one
  read transaction, in a child process (two copies of SQLite must not share a process: ``sqlite_arrow.py``).
  The organisations come as one batch: the driver types a column from its first batch, and one NULL throughout
  a smaller first batch (a contact, an address) would be typed as integers and fail at the first text after it.
- PostgreSQL (and in-memory SQLite, which another driver cannot open) through the engine's own driver, in
  batches from one cursor (server-side on PostgreSQL), each batch turned into Arrow arrays at once.

Either way the result is :class:`StoredColumns` with the types of the table (booleans as booleans), so the
encoder does not know where it came from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Boolean, Connection, Engine, Float, Integer, Select, func, select

from service.storage.repository import StoredColumns
from service.storage.tables import organisation_issues, organisation_measures, organisations

_BATCH_ROWS = 65_536  # rows per Arrow batch


def arrow_type(column: Any) -> pa.DataType:
    """The Arrow type of a column of the ``organisations`` table."""
    if isinstance(column.type, Boolean):
        return pa.bool_()
    if isinstance(column.type, Integer):
        return pa.int64()
    if isinstance(column.type, Float):
        return pa.float64()
    return pa.string()


def organisation_schema(columns: Sequence[str]) -> pa.Schema:
    return pa.schema([(name, arrow_type(organisations.c[name])) for name in columns])


CODE_SCHEMA = pa.schema([("organisation_id", pa.string()), ("code", pa.string())])


def _code_queries() -> tuple[Select[Any], Select[Any]]:
    issues = select(organisation_issues.c.organisation_id, organisation_issues.c.issue.label("code"))
    measures = select(organisation_measures.c.organisation_id, organisation_measures.c.measure_id.label("code"))
    return issues, measures


def read_stored_columns(engine: Engine, columns: Sequence[str]) -> StoredColumns:
    """Every stored organisation: ``columns`` of the ``organisations`` table (ids ascending) and the issue and
    measure codes."""
    path = _sqlite_file(engine)
    if path is not None:
        return _read_sqlite_file(engine, path, columns)
    with engine.connect() as connection:
        issues, measures = _code_queries()
        query = select(*(organisations.c[name] for name in columns)).order_by(organisations.c.id)
        return StoredColumns(
            _read_driver(connection, query, organisation_schema(columns)),
            _read_driver(connection, issues, CODE_SCHEMA),
            _read_driver(connection, measures, CODE_SCHEMA),
        )


def _sqlite_file(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" or url.query:
        return None
    path = Path(url.database)
    return path if path.is_file() else None


def _read_sqlite_file(engine: Engine, path: Path, columns: Sequence[str]) -> StoredColumns:
    """The three tables through the ADBC SQLite driver, in a child process (``service/storage/sqlite_arrow.py``
    says why); the organisations as one batch, so that the driver types each column from all its values."""
    organisations_query = select(*(organisations.c[name] for name in columns)).order_by(organisations.c.id)
    count = select(func.count()).select_from(organisations)
    reads = [(_sql(engine, count), organisations_query), *((str(_BATCH_ROWS), q) for q in _code_queries())]
    command = [
        sys.executable, "-m", "service.storage.sqlite_arrow", str(path),
        *(part for rows, query in reads for part in (rows, _sql(engine, query))),
    ]  # fmt: skip
    # The child imports this package from where this process did, whatever its working directory.
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (root, os.environ.get("PYTHONPATH"))))}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as child:
        assert child.stdout is not None
        assert child.stderr is not None
        try:
            found, *codes = [pa.ipc.open_stream(child.stdout).read_all() for _ in reads]
        except pa.ArrowInvalid:
            found, codes = None, []
        error = child.stderr.read().decode(errors="replace")
    if child.returncode != 0 or found is None:
        lines = [line for line in error.splitlines() if line.strip()]
        reason = next((line for line in reversed(lines) if "Error" in line), lines[-1] if lines else "no output")
        raise RuntimeError(f"reading {path} as Arrow failed (exit {child.returncode}): {reason.strip()}")
    table = found.cast(organisation_schema(columns))  # a column NULL throughout comes as integers
    return StoredColumns(table, *(pairs.cast(CODE_SCHEMA) for pairs in codes))


def _sql(engine: Engine, query: Select[Any]) -> str:
    return str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))


def _read_driver(connection: Connection, query: Select[Any], schema: pa.Schema) -> pa.Table:
    """The rows of ``query`` as one Arrow table of ``schema``, through the engine's driver in batches."""
    raw: Any = connection.connection.dbapi_connection
    server_side = connection.dialect.name == "postgresql"
    cursor = raw.cursor(name="bmm_stored_columns") if server_side else raw.cursor()
    try:
        compiled = query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
        cursor.execute(str(compiled))
        batches = list(_batches(cursor, schema))
    finally:
        cursor.close()
    return pa.Table.from_batches(batches, schema=schema)


def _batches(cursor: Any, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    while rows := cursor.fetchmany(_BATCH_ROWS):
        columns = zip(*rows, strict=True)
        # From inferred types, then cast: SQLite gives yes/no as 0/1, which Arrow does not take as booleans.
        arrays = [pa.array(values).cast(field.type) for values, field in zip(columns, schema, strict=True)]
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)
