"""A full disk, simulated honestly: SQLite's ``max_page_count`` caps a database file a few pages above its
size, so a write that needs more pages fails with ``SQLITE_FULL`` ("database or disk is full") part-way
through, exactly as on a full disk. Used by the API and the CLI fault tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.pool import Pool

HEAD_ROOM_PAGES = 8  # enough for the import lock's row, far too little for thousands of organisations


def page_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("PRAGMA page_count")).scalar_one())


@contextmanager
def full_disk(target: Engine | type[Pool], pages: int) -> Iterator[None]:
    """Every connection ``target`` (an engine, or every pool) opens meanwhile may grow its file to ``pages``
    plus :data:`HEAD_ROOM_PAGES`; an engine's pooled connections are closed first so none escapes the cap."""

    def cap(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA max_page_count={pages + HEAD_ROOM_PAGES}")
        cursor.close()

    if isinstance(target, Engine):
        target.pool.dispose()
    event.listen(target, "connect", cap)
    try:
        yield
    finally:
        event.remove(target, "connect", cap)
        if isinstance(target, Engine):
            target.pool.dispose()  # space freed: the capped connections go


def organisations_csv(rows: int) -> bytes:
    """A valid import file of ``rows`` companies in Dortmund (ids ``voll-00000`` …), hundreds of pages."""
    lines = ["id;kind;name;employees;postcode;lat;lon;issues"]
    lines += [
        f"voll-{n:05d};company;Firma {n} mit einem recht langen Namen GmbH & Co. KG;{10 + n % 400};44137;"
        f"51.51{n % 90:02d};7.46{n % 70:02d};parking_shortage"
        for n in range(rows)
    ]
    return "\n".join(lines).encode()
