"""Freshness across worker processes without a query per request (docs/service.md, "Freshness").

One :class:`RevisionWatcher` per serving process learns of every new store revision off the request path,
brings the :class:`~service.live.LiveIndex` up to it (``refresh``) in its own thread and then reports it
(``note_revision``); ``LiveIndex.current()`` answers from memory without asking the store, and requests
never wait for the watcher's refresh: until it is done they answer from the previous snapshot.

- **PostgreSQL:** a dedicated psycopg connection LISTENs on ``bmm_changes``; every write notifies its
  revision in its transaction (``service/storage/changes.py``), so the notification arrives on commit. If
  the connection drops, the watcher reconnects with backoff and then reads the revision once, because
  notifications sent in between are lost; it also reads it at each heartbeat, in case one went missing.
- **SQLite:** the watcher asks the store for its revision every ``revision_poll_seconds`` (0.1 s).
- **This process's own writes** are reported once their transaction commits (``notify_after_commit``), before
  they are loaded: the process that served a write shows it on its next request, whichever backend, because
  that request brings the snapshot up to date first (as every request did before the watcher). The thread
  leaves them to that request, and loads them itself at the next heartbeat only if no request came.

Every ``reader_heartbeat_seconds`` the watcher records the revision it has applied (``change_readers``) and
prunes the change log up to the lowest revision applied by the readers heard from recently.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from service.config import ServiceSettings
from service.live import LiveIndex
from service.storage.changes import (
    CHANNEL,
    notify_after_commit,
    prune_changes,
    record_reader,
    remove_reader,
    revision_of,
)

if TYPE_CHECKING:  # the PostgreSQL driver is optional (bmm-match[postgres]); imported where it is used
    import psycopg

logger = logging.getLogger(__name__)

# Reconnecting the LISTEN connection: first wait, doubling up to the last.
BACKOFF_SECONDS = (0.1, 5.0)
# The LISTEN loop looks up from waiting for notifications this often (stop, heartbeat).
LISTEN_TIMEOUT_SECONDS = 0.5
# How the LISTEN connection shows in pg_stat_activity.
APPLICATION_NAME = "bmm-revision-watcher"
# start() waits at most this long for the LISTEN connection; if the store is slow to answer, the app serves
# anyway and the thread keeps trying (the heartbeat's revision read covers what it missed).
LISTEN_READY_SECONDS = 10.0


class RevisionWatcher:
    """Keeps ``live`` at the store's newest revision from a background thread (see the module docstring)."""

    def __init__(self, live: LiveIndex, engine: Engine, settings: ServiceSettings) -> None:
        self._live = live
        self._engine = engine
        self._poll_seconds = settings.revision_poll_seconds
        self._heartbeat_seconds = settings.reader_heartbeat_seconds
        self._stale_after = timedelta(seconds=settings.reader_stale_seconds)
        self.reader_id = f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
        self._applied = -1
        self._applied_changed = threading.Condition()
        self._written_here = -1  # the newest revision written by this process (its next request loads it)
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None
        self._stop_commits: Callable[[], None] | None = None
        self._last_heartbeat = float("-inf")

    @property
    def applied_revision(self) -> int:
        """The revision the live index has been brought to, or told of by this process's own write, which
        its next request loads (-1 before :meth:`start`)."""
        return self._applied

    def start(self) -> None:
        """Bring the index to the store's revision, then follow it in a daemon thread."""
        self._stop_commits = notify_after_commit(self._engine, self._committed_here)
        self._apply(self._read_revision())
        # Registered (and the first pruning done) before the app serves: nothing prunes changes this reader
        # still needs, and nothing is pruned behind the back of the first requests.
        self._heartbeat()
        postgres = self._engine.dialect.name == "postgresql"
        target = self._listen if postgres else self._poll
        self._thread = threading.Thread(target=target, name="revision-watcher", daemon=True)
        self._thread.start()
        # A write right after start must not go unnoticed until the next heartbeat: on PostgreSQL serve once
        # this process is listening.
        if postgres and not self._listening.wait(LISTEN_READY_SECONDS):
            logger.warning("revision watcher: not listening after %.0f s; keeps trying", LISTEN_READY_SECONDS)

    @property
    def listening(self) -> bool:
        """PostgreSQL: whether the LISTEN connection is up (always False on SQLite, which polls)."""
        return self._listening.is_set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self._poll_seconds, LISTEN_TIMEOUT_SECONDS) + 10)
        if self._stop_commits is not None:
            self._stop_commits()
        try:
            remove_reader(self._engine, self.reader_id)  # a clean exit holds back no pruning
        except SQLAlchemyError as error:
            logger.warning("change-log reader not removed: %s", type(error).__name__)

    def wait_for(self, revision: int, timeout: float) -> bool:
        """Block until the index has applied ``revision`` (True) or ``timeout`` seconds passed (False)."""
        with self._applied_changed:
            return self._applied_changed.wait_for(lambda: self._applied >= revision, timeout)

    # -- learning of revisions --------------------------------------------------------------------------------

    def _committed_here(self, revision: int) -> None:
        """A write of this process committed: its next request loads it before it answers (as before this
        watcher existed), so the thread need not; it loads it at the next heartbeat if no request came."""
        self._live.note_revision(revision)
        with self._applied_changed:
            self._written_here = max(self._written_here, revision)

    def _apply(self, revision: int) -> None:
        """Bring the index to ``revision`` (or beyond) unless it is there already. Reported only once loaded:
        meanwhile requests keep answering from the previous snapshot instead of waiting for this one."""
        if revision <= self._applied:
            return
        if revision > self._written_here:
            snapshot = self._live.refresh()
            self._live.note_revision(snapshot.revision)
            revision = snapshot.revision
        with self._applied_changed:
            self._applied = max(self._applied, revision)
            self._applied_changed.notify_all()

    def _read_revision(self) -> int:
        with self._engine.connect() as connection:
            return revision_of(connection)

    def _poll(self) -> None:
        """SQLite: ask for the revision every poll interval."""
        wait = self._poll_seconds
        while not self._stop.wait(wait):
            try:
                self._apply(self._read_revision())
                self._heartbeat()
                wait = self._poll_seconds
            except Exception as error:  # keep serving the snapshot in memory; try again, less often
                wait = min(wait * 2, BACKOFF_SECONDS[1])
                _log_failure(error, wait)

    def _listen(self) -> None:
        """PostgreSQL: LISTEN on a connection of its own; reconnect with backoff when it drops."""
        backoff = BACKOFF_SECONDS[0]
        while not self._stop.is_set():
            try:
                with self._connect() as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    backoff = BACKOFF_SECONDS[0]
                    self._apply(self._revision_on(connection))  # what was notified while nobody listened
                    while not self._stop.is_set():
                        for notification in connection.notifies(timeout=LISTEN_TIMEOUT_SECONDS):
                            self._apply(_revision_in(notification.payload))
                            if self._stop.is_set():
                                break
                        if self._heartbeat():
                            self._apply(self._revision_on(connection))  # a notification may have gone missing
            except Exception as error:  # the thread must survive anything: reconnect and read the revision
                self._listening.clear()
                _log_failure(error, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_SECONDS[1])

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        import psycopg

        args, options = self._engine.dialect.create_connect_args(self._engine.url)
        return psycopg.connect(*args, **{**options, "application_name": APPLICATION_NAME}, autocommit=True)

    @staticmethod
    def _revision_on(connection: psycopg.Connection[tuple[object, ...]]) -> int:
        row = connection.execute("SELECT coalesce(max(revision), 0) FROM organisation_changes").fetchone()
        return int(str(row[0])) if row is not None else 0

    # -- pruning the change log ---------------------------------------------------------------------------------

    def _heartbeat(self) -> bool:
        """At most every heartbeat interval: record the applied revision and prune; True when it did."""
        now = time.monotonic()
        if now - self._last_heartbeat < self._heartbeat_seconds:
            return False
        self._last_heartbeat = now
        if self._live.revision < self._applied:  # a write of this process that no request has loaded yet
            self._live.refresh()
        record_reader(self._engine, self.reader_id, self._live.revision)
        pruned = prune_changes(self._engine, self._stale_after)
        if pruned:
            logger.info("change log: %d rows every reader has applied pruned", pruned)
        return True


def _log_failure(error: Exception, retry_seconds: float) -> None:
    """A database error is expected now and then (a restart, a full disk): one line; anything else: the trace."""
    if isinstance(error, SQLAlchemyError) or type(error).__module__.startswith("psycopg"):
        logger.warning("revision watcher: %s; again in %.1f s", type(error).__name__, retry_seconds)
    else:
        logger.exception("revision watcher failed; again in %.1f s", retry_seconds)


def _revision_in(payload: str) -> int:
    try:
        return int(payload)
    except ValueError:
        return 0  # not ours; the heartbeat's revision read catches up anyway
