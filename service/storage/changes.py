"""The change log that keeps every process's in-memory index current (``service.live``): one row per changed id.

Organisation writes log their ids; so do residence uploads and erasures, because the peers' home places
(docs/residences.md, "Peers") live in the same snapshot, and timetable imports (``service/timetable.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from service.storage.tables import organisation_changes

# A write changing more ids than this logs one "reload everything" entry instead of one per id.
LOGGED_IDS = 1_000
# PostgreSQL: writes serialise on this advisory lock until commit, so revisions commit in order and a
# reader that has seen revision n has seen every revision below it (SQLite serialises writers anyway).
CHANGE_LOCK = 0x626D6D  # "bmm"


def log_changes(connection: Connection, ids: Sequence[str | None]) -> None:
    """Append ``ids`` to the change log in the write's transaction (many, or a None: "reload everything")."""
    if not ids:
        return
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK})
    now = datetime.now(UTC)
    logged: Sequence[str | None] = ids if len(ids) <= LOGGED_IDS else [None]
    connection.execute(organisation_changes.insert(), [{"organisation_id": i, "changed_at": now} for i in logged])
