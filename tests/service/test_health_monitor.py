"""What /health reports (service/health.py): the last count while it is fresh, else a new one."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.exc import OperationalError

from service.health import STALE_INTERVALS, HealthMonitor


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Store:
    """Counts like the repository; ``down`` makes it fail like an unreachable database."""

    def __init__(self) -> None:
        self.organisations = 3
        self.asked = 0
        self.down = False

    def count(self, *, synthetic: bool | None = None) -> int:
        self.asked += 1
        if self.down:
            raise OperationalError("SELECT count(*)", {}, Exception("connection refused"))
        return 1 if synthetic else self.organisations


def _monitor(store: Store, clock: Clock) -> HealthMonitor:
    return HealthMonitor(store, interval=5.0, clock=clock)  # type: ignore[arg-type]


def test_a_fresh_count_is_reported_without_asking_again() -> None:
    store, clock = Store(), Clock()
    monitor = _monitor(store, clock)
    first = monitor.check()
    store.organisations = 4
    clock.now += STALE_INTERVALS * 5.0  # just fresh
    assert monitor.reading() == first
    assert monitor.fresh() == first  # what the route answers inline
    assert store.asked == 2  # the two counts of the one check
    clock.now += 0.1  # stale: the thread did not get through; the route counts itself
    assert monitor.fresh() is None
    assert monitor.reading().organisations == 4


def test_nothing_is_fresh_before_the_first_count_or_after_a_failed_one() -> None:
    store, clock = Store(), Clock()
    monitor = _monitor(store, clock)
    assert monitor.fresh() is None
    monitor.check()
    store.down = True
    with pytest.raises(OperationalError):
        monitor.check()
    assert monitor.fresh() is None
    assert store.asked == 3  # fresh() itself never asks


def test_a_failed_check_is_not_hidden_by_an_older_count() -> None:
    store, clock = Store(), Clock()
    monitor = _monitor(store, clock)
    monitor.check()
    store.down = True
    with pytest.raises(OperationalError):
        monitor.check()  # what the thread saw
    with pytest.raises(OperationalError):
        monitor.reading()  # /health: 503, not the old "ok"
    store.down = False
    assert monitor.reading().organisations == 3  # back at once


def test_the_thread_keeps_counting() -> None:
    store = Store()
    monitor = HealthMonitor(store, interval=0.01)  # type: ignore[arg-type]
    monitor.start()
    try:
        for _ in range(1000):
            if store.asked >= 4:
                break
            time.sleep(0.01)
    finally:
        monitor.stop()
    assert store.asked >= 4
