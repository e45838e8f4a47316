"""The recommendation log written in the background, so that no answer waits for a database write.

An answer's log entry (what was served, with its id — the answer's ``recommendation_id`` — and the time, both
made when the answer is) goes into a bounded in-memory queue; a daemon thread encodes the entries as rows
(:func:`service.storage.feedback.log_row`: the JSON of items and parameters is made there, not while the
answer waits) and writes the queue in batches, each one transaction with one bulk insert
(``SqlFeedbackStore.write_log_rows``: ``executemany`` on SQLite, ``COPY`` on PostgreSQL): every ``flush_interval``
seconds, at once when a batch is full, and what is left when the app shuts down (its lifespan calls
:meth:`RecommendationLog.stop`).

* **Never blocks a request.** When the queue is full (the database is slower than the answers for a
  while), the row is dropped and counted (``dropped``); the answer then carries ``recommendation_id: null``,
  as it did before when the log could not be written.
* **Errors** of a batch are logged with the exception's type only (rows hold organisation and key ids, no
  contact data, but nothing of them goes to the log) and the rows counted as ``failed``; they are not retried.
* **Feedback still links to what was shown**: ``POST /feedback`` calls :meth:`flush` first, which writes the
  queue and waits for a batch in flight, so an answer of this worker is in the table before the link is
  looked up. With ``bmm serve --workers N`` the answer may wait in another worker's queue: such feedback
  links only when it arrives at least one flush interval after the answer (docs/service.md).
* A row of an organisation deleted before its batch is written (by any worker) is left out and counted
  (``discarded``): a deletion erases everything served to it, and a queued row must not outlive that.
* A killed worker (``kill -9``) loses what was still queued: at most one flush interval of log rows.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from service.storage.feedback import Served, log_row, new_log_id

logger = logging.getLogger(__name__)


class LogRowWriter(Protocol):
    def write_log_rows(self, rows: Sequence[Mapping[str, Any]], *, stored_only: bool = False) -> int:
        """Insert the rows in one transaction; how many were kept (see SqlFeedbackStore.write_log_rows)."""
        ...


class RecommendationLog:
    """A bounded queue of log rows and the daemon thread that writes it; thread-safe."""

    def __init__(self, store: LogRowWriter, *, queue_size: int, batch_size: int, flush_interval: float) -> None:
        self._store = store
        self.queue_size = queue_size
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self._pending: deque[tuple[Served, str, datetime]] = deque()  # what was served, its id and time
        self._lock = threading.Lock()  # guards the queue, the counters and the thread's state
        self._wake = threading.Condition(self._lock)
        self._writing = threading.Lock()  # one batch written at a time; flush() waits for the one in flight
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.flushed = 0  # rows written
        self.dropped = 0  # rows not queued because the queue was full
        self.failed = 0  # rows whose batch failed to write
        self.discarded = 0  # rows of organisations deleted before their batch was written

    @property
    def depth(self) -> int:
        """Rows waiting in the queue (not counting a batch being written)."""
        return len(self._pending)

    def submit(self, served: Served) -> str | None:
        """Queue what was served; its ``recommendation_id``, or None when the queue is full (counted)."""
        entry = (served, new_log_id(), datetime.now(UTC))
        with self._lock:
            if len(self._pending) >= self.queue_size:
                self.dropped += 1
                return None
            self._pending.append(entry)
            if self._thread is None and not self._stopping:
                self._start()  # on first use, so an app used without its lifespan (tests) logs too
            if len(self._pending) >= self.batch_size:
                self._wake.notify()
        return entry[1]

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._stopping = False
                self._start()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="recommendation-log", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and write what is still queued (the app's shutdown)."""
        with self._lock:
            self._stopping = True
            self._wake.notify()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        self.flush()

    def flush(self) -> None:
        """Write everything queued now, after the batch in flight (if any) has been written."""
        with self._writing:
            while self._write_batch():
                pass

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._stopping and len(self._pending) < self.batch_size:
                    self._wake.wait(self.flush_interval)
                stopping = self._stopping
            self.flush()
            if stopping:
                return

    def _write_batch(self) -> bool:
        """Write one batch (the caller holds ``_writing``); False when the queue was empty."""
        with self._lock:
            batch = [self._pending.popleft() for _ in range(min(self.batch_size, len(self._pending)))]
        if not batch:
            return False
        try:
            kept = self._store.write_log_rows([log_row(*entry) for entry in batch], stored_only=True)
        except Exception as error:  # any failure: count it, keep the thread alive
            with self._lock:
                self.failed += len(batch)
            logger.warning("recommendation log: %d rows not written (%s)", len(batch), type(error).__name__)
            return True
        with self._lock:
            self.flushed += kept
            self.discarded += len(batch) - kept
        return True
