"""The served learned adjustments follow the store: loaded by a poll off the request path (service/learning.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from matcher.learning.evaluation import learn
from matcher.learning.fitting import LearningSettings
from service.learning import ServedAdjustments
from service.storage.learning import SqlLearningStore
from tests.matcher.learning.factories import planted


def _wait_for(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    """Whether ``check`` holds within ``seconds`` (the poll runs every 0.05 s here)."""
    pause = threading.Event()
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        pause.wait(0.05)
    return check()


def test_a_new_version_rollback_and_disable_reach_a_running_worker(engine: Engine) -> None:
    store = SqlLearningStore(engine)
    served = ServedAdjustments(store, poll_seconds=0.05)
    served.start()
    try:
        assert served.current() is None
        result = learn(*planted(), LearningSettings())
        first = store.save(result)
        assert _wait_for(lambda: served.version_id == first)
        assert served.current() == result.adjustments
        second = store.save(learn(*planted(), LearningSettings(min_events=25)))
        assert _wait_for(lambda: served.version_id == second)
        store.rollback()
        assert _wait_for(lambda: served.version_id == first)
        store.disable()
        assert _wait_for(lambda: served.version_id is None)
        assert served.current() is None
    finally:
        served.stop()
