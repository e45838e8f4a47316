"""The change log that keeps every process's in-memory index current (``service.live``): one row per changed id.

Organisation writes log their ids; so do residence uploads and erasures, because the peers' home places
(docs/residences.md, "Peers") live in the same snapshot, and timetable imports (``service/timetable.py``).

How the processes learn of a new revision without asking on every request (``service/freshness.py``):
on PostgreSQL the writing transaction sends ``NOTIFY bmm_changes, '<revision>'`` (delivered on commit
only); in the writing process itself :func:`notify_after_commit` reports the revision once the transaction
has committed, so that process sees its own write on its next request.

The log is pruned (:func:`prune_changes`) up to the lowest revision that every serving process seen
recently has applied (``change_readers``); the newest row always stays, since the store's revision is the
log's highest. ``change_log_pruned`` says how far: a reader behind it reloads everything.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, delete, event, func, select, text, update

from service.storage.tables import change_log_pruned, change_readers, organisation_changes

# A write changing more ids than this logs one "reload everything" entry instead of one per id.
LOGGED_IDS = 1_000
# PostgreSQL: writes serialise on this advisory lock until commit, so revisions commit in order and a
# reader that has seen revision n has seen every revision below it (SQLite serialises writers anyway).
CHANGE_LOCK = 0x626D6D  # "bmm"
# PostgreSQL: the channel every write notifies with its new revision (text) as payload.
CHANNEL = "bmm_changes"

# Keys in the DBAPI connection's info dict: the revision a transaction logged, and that it committed.
_LOGGED = "bmm_logged_revision"
_COMMITTED = "bmm_committed_revision"


def log_changes(connection: Connection, ids: Sequence[str | None]) -> None:
    """Append ``ids`` to the change log in the write's transaction (many, or a None: "reload everything")."""
    if not ids:
        return
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK})
    now = datetime.now(UTC)
    logged: Sequence[str | None] = ids if len(ids) <= LOGGED_IDS else [None]
    connection.execute(organisation_changes.insert(), [{"organisation_id": i, "changed_at": now} for i in logged])
    # Under the lock (PostgreSQL) or the file lock (SQLite) the highest visible revision is this write's.
    revision = int(connection.execute(select(func.max(organisation_changes.c.revision))).scalar_one())
    if postgres:
        connection.execute(
            text("SELECT pg_notify(:channel, :revision)"), {"channel": CHANNEL, "revision": str(revision)}
        )
    connection.info[_LOGGED] = revision


def revision_of(connection: Connection) -> int:
    """The store's revision: the log's highest (0 before the first write)."""
    return int(connection.execute(select(func.coalesce(func.max(organisation_changes.c.revision), 0))).scalar_one())


def pruned_through(connection: Connection) -> int:
    """The log holds no rows at or below this revision any more (0: nothing pruned)."""
    return int(connection.execute(select(func.coalesce(func.max(change_log_pruned.c.revision), 0))).scalar_one())


# -- the writing process: its own commits ------------------------------------------------------------------

_listeners: weakref.WeakKeyDictionary[Engine, list[Callable[[int], None]]] = weakref.WeakKeyDictionary()
_listeners_lock = threading.Lock()


def notify_after_commit(engine: Engine, callback: Callable[[int], None]) -> Callable[[], None]:
    """Call ``callback(revision)`` in the writing thread once a transaction on ``engine`` that logged changes
    has committed (when its connection goes back to the pool); returns the function that stops it.

    SQLAlchemy Core has no after-commit event: the revision is marked when the commit starts, dropped when
    the commit fails or the transaction rolls back, and reported when the connection is checked in. (Not for
    changes logged inside a savepoint that is rolled back: nothing here uses savepoints.)
    """
    with _listeners_lock:
        callbacks = _listeners.get(engine)
        if callbacks is None:
            callbacks = _listeners[engine] = []
            _install(engine, callbacks)
        callbacks.append(callback)

    def stop() -> None:
        with _listeners_lock:
            if callback in callbacks:
                callbacks.remove(callback)

    return stop


def _install(engine: Engine, callbacks: list[Callable[[int], None]]) -> None:
    def committing(connection: Connection) -> None:
        if _LOGGED in connection.info:
            connection.info[_COMMITTED] = connection.info.pop(_LOGGED)

    def rolled_back(connection: Connection) -> None:
        # A connection the database dropped (a restart) is invalidated: its info goes with it (cleared before
        # the pool reconnects), and reading it would raise in place of the outage's own OperationalError.
        if not connection.invalidated:
            connection.info.pop(_LOGGED, None)

    def failed(context: Any) -> None:
        # A failed commit (no statement) must not be reported; a failed statement ends no transaction by
        # itself (a rollback does, see above).
        if context.connection is not None and not context.connection.invalidated and context.statement is None:
            context.connection.info.pop(_COMMITTED, None)

    def checked_in(_dbapi_connection: object, record: Any) -> None:
        revision = record.info.pop(_COMMITTED, None)
        if revision is None:
            return
        with _listeners_lock:
            current = list(callbacks)
        for callback in current:
            callback(revision)

    event.listen(engine, "commit", committing)
    event.listen(engine, "rollback", rolled_back)
    event.listen(engine, "handle_error", failed)
    event.listen(engine, "checkin", checked_in)


# -- readers and pruning -------------------------------------------------------------------------------------


def record_reader(engine: Engine, reader_id: str, applied_revision: int) -> None:
    """Record that ``reader_id`` (a serving process) has applied the log up to ``applied_revision``, now."""
    values = {"applied_revision": applied_revision, "heartbeat_at": datetime.now(UTC)}
    with engine.begin() as connection:  # only the reader itself writes its row: no race between update and insert
        updated = connection.execute(update(change_readers).where(change_readers.c.reader_id == reader_id), values)
        if updated.rowcount == 0:
            connection.execute(change_readers.insert(), {"reader_id": reader_id, **values})


def remove_reader(engine: Engine, reader_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(delete(change_readers).where(change_readers.c.reader_id == reader_id))


def prune_changes(engine: Engine, stale_after: timedelta) -> int:
    """Delete the log rows every reader seen within ``stale_after`` has applied (the newest row stays);
    readers not seen for longer are removed and no longer hold the log back. Returns the rows deleted."""
    with engine.begin() as connection:
        stale = datetime.now(UTC) - stale_after
        connection.execute(delete(change_readers).where(change_readers.c.heartbeat_at < stale))
        lowest = connection.execute(select(func.min(change_readers.c.applied_revision))).scalar_one()
        if lowest is None:
            return 0  # nobody reads: nothing is known to be applied
        through = min(int(lowest), revision_of(connection) - 1)
        if through <= pruned_through(connection):
            return 0
        # Mark and deletion commit together: a reader that reads the rows and then the mark (``changes_since``)
        # sees either all rows, or the mark.
        marked = connection.execute(update(change_log_pruned), {"revision": through})
        if marked.rowcount == 0:  # a schema made without migration 0012's row
            connection.execute(change_log_pruned.insert(), {"id": 1, "revision": through})
        return int(
            connection.execute(delete(organisation_changes).where(organisation_changes.c.revision <= through)).rowcount
        )
