"""The import lock, held in the database so that it spans processes and machines (``bmm serve --workers N``,
``bmm import`` beside a running server).

A lock is one row of ``import_locks`` (migration 0010): its primary key makes a second insert fail on
SQLite and PostgreSQL alike, whichever process tries. The row names its owner and expires; a running
import pushes the expiry on (:meth:`ImportLock.refresh`), so a row left by a killed process blocks imports
for at most ``ttl`` and is then taken over.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from service.storage.tables import import_locks

logger = logging.getLogger(__name__)

IMPORT = "organisations"
DEFAULT_TTL = timedelta(minutes=15)


class LockBusyError(RuntimeError):
    """Another import holds the lock; ``until`` is when it expires unless its owner refreshes it (None when
    SQLite's write lock was held by another writer beyond the busy timeout)."""

    def __init__(self, owner: str, until: datetime | None) -> None:
        super().__init__(f"import lock held by {owner}" + (f" until {until:%Y-%m-%d %H:%M:%S} UTC" if until else ""))
        self.owner = owner
        self.until = until


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite drops the zone


@dataclass
class ImportLock:
    engine: Engine
    owner: str
    ttl: timedelta

    def refresh(self) -> None:
        """Push the expiry on (call while the import makes progress)."""
        with self.engine.begin() as connection:
            connection.execute(
                update(import_locks)
                .where(import_locks.c.name == IMPORT, import_locks.c.owner == self.owner)
                .values(expires_at=datetime.now(UTC) + self.ttl)
            )

    def release(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                delete(import_locks).where(import_locks.c.name == IMPORT, import_locks.c.owner == self.owner)
            )
        logger.info("import lock released by %s", self.owner)


def new_owner() -> str:
    """Host, process and a random part: unique per acquisition, readable in the table."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire_import_lock(engine: Engine, ttl: timedelta = DEFAULT_TTL) -> ImportLock:
    """Take the import lock (release it with :meth:`ImportLock.release`), or raise :class:`LockBusyError`
    at once; an expired lock is taken over."""
    lock = ImportLock(engine, new_owner(), ttl)
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                delete(import_locks).where(import_locks.c.name == IMPORT, import_locks.c.expires_at < now)
            )
            connection.execute(
                insert(import_locks).values(name=IMPORT, owner=lock.owner, acquired_at=now, expires_at=now + ttl)
            )
    except IntegrityError:
        with engine.connect() as connection:
            row = connection.execute(
                select(import_locks.c.owner, import_locks.c.expires_at).where(import_locks.c.name == IMPORT)
            ).first()
        holder = LockBusyError(row.owner, _aware(row.expires_at)) if row else LockBusyError("unknown", None)
        raise holder from None
    except OperationalError as error:
        # SQLite: another process holds the write lock beyond the busy timeout (an import storing its rows).
        if "locked" not in str(error):
            raise
        raise LockBusyError("another writer", None) from None
    logger.info("import lock taken by %s", lock.owner)
    return lock


@contextmanager
def import_lock(engine: Engine, ttl: timedelta = DEFAULT_TTL) -> Iterator[ImportLock]:
    """Hold the import lock for the ``with`` block, or raise :class:`LockBusyError` at once."""
    lock = acquire_import_lock(engine, ttl)
    try:
        yield lock
    finally:
        lock.release()
