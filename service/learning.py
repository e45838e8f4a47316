"""Learned adjustments in the service: a fit over the stored data, and the version every worker serves.

:class:`ServedAdjustments` keeps the adjustments of the newest active version in memory. A daemon thread
asks the store every ``learning_poll_seconds`` which version that is (one indexed query) and loads it when
it changed, so requests never wait on the database for it, and every worker follows ``bmm learn``,
rollback and disable within seconds, without a restart.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.exc import SQLAlchemyError

from matcher.learning.evaluation import LearningResult, learn
from matcher.learning.fitting import Adjustments, LearningSettings
from matcher.learning.segments import segment_of
from service.storage.learning import SqlLearningStore, TrainingData
from service.storage.repository import OrganisationRepository

logger = logging.getLogger(__name__)


def fit_from_store(
    store: SqlLearningStore, repository: OrganisationRepository, settings: LearningSettings
) -> tuple[LearningResult, TrainingData]:
    """Fit and evaluate on everything logged and judged for the stored organisations (nothing is written)."""
    data = store.training_data({o.id: segment_of(o) for o in repository.iter_all()})
    return learn(data.impressions, data.judgements, settings), data


class ServedAdjustments:
    def __init__(self, store: SqlLearningStore, poll_seconds: float) -> None:
        self._store = store
        self._poll_seconds = poll_seconds
        self._served: tuple[int | None, Adjustments | None] = (None, None)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def version_id(self) -> int | None:
        return self._served[0]

    def current(self) -> Adjustments | None:
        """The adjustments to apply (None: no active version); never touches the database."""
        return self._served[1]

    def refresh(self) -> None:
        """Load the newest active version if it is not the one in memory."""
        version_id = self._store.served_id()
        if version_id == self._served[0]:
            return
        version = self._store.get(version_id) if version_id is not None else None
        self._served = (version_id, version.result.adjustments if version is not None else None)
        logger.info("learned adjustments: version %s", version_id if version_id is not None else "none")

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._poll, name="learned-adjustments", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._poll_seconds + 5)

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            try:
                self.refresh()
            except SQLAlchemyError as error:  # keep serving the version in memory; try again next time
                logger.warning("learned adjustments not refreshed: %s", type(error).__name__)
