"""What ``/health`` reports, kept by a daemon thread so that the route never waits for the database.

Every ``interval`` seconds the thread counts the stored organisations (all, synthetic), which is also its
contact with the database. ``/health`` answers from the last successful count while it is fresh (at most
three intervals old and the newest check did not fail); otherwise the route counts itself, so a database
that is down answers 503 there as before, and one that is back is reported at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from service.storage.repository import OrganisationRepository

logger = logging.getLogger(__name__)

STALE_INTERVALS = 3  # a count older than this many intervals is not reported (the thread is stuck or slow)


@dataclass(frozen=True)
class HealthReading:
    organisations: int
    synthetic_organisations: int
    checked_at: datetime  # when the database answered these counts
    taken: float  # the same moment on the monotonic clock


class HealthMonitor:
    def __init__(
        self, repository: OrganisationRepository, interval: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.repository = repository
        self.interval = interval
        self.clock = clock
        self._latest: HealthReading | None = None
        self._failed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> HealthReading:
        """Count now (two indexed queries); raises the database's error, remembered as a failed check."""
        try:
            organisations = self.repository.count()
            synthetic = self.repository.count(synthetic=True)
        except Exception:
            self._failed = True
            raise
        reading = HealthReading(organisations, synthetic, datetime.now(UTC), self.clock())
        self._latest, self._failed = reading, False
        return reading

    def fresh(self) -> HealthReading | None:
        """The latest count if it is fresh (no database, no lock: the route answers it without a thread hop)."""
        latest = self._latest
        if latest is None or self._failed or self.clock() - latest.taken > STALE_INTERVALS * self.interval:
            return None
        return latest

    def reading(self) -> HealthReading:
        """The latest count if it is fresh, else a new one (raising the database's error)."""
        return self.fresh() or self.check()

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="health", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as error:  # reported by /health; the thread goes on
                logger.warning("health check failed (%s)", type(error).__name__)
