"""The process's cyclic garbage collector: paused while a full load makes millions of objects, and kept off what
lives as long as the app while it serves."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a full load. Loads that read row tuples allocated millions
    of short-lived objects; each allocation burst triggered a collection that walks every tracked object of the
    process (engine, reference data, the pages so far): measured at 100,000 rows, reading, encoding and indexing
    took 6.3 s with the collector and 2.4 s without. The Arrow load makes far fewer objects (text columns still
    pass through one str per value); the pause stays as cheap insurance. Garbage without cycles is still freed at
    once by reference counting; cycles (of this or, meanwhile, of other threads: the switch is per process) wait
    until the load ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextlib.contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Leave what exists now (imported modules, the app, its reference data and engine) out of the collector's
    scans until the block ends. A full collection walked all of it each time: at 1,000,000 organisations ~244,000
    objects, 120–210 ms, a pause for every request in flight (three in 9,000 answers); with them frozen, 1–11 ms.
    Entered before the first snapshot is loaded, so snapshots (replaced by writes and compactions) stay
    collectable. Nothing is collected first: right after the app is built there is no garbage (measured: none).
    A frozen object dropped later in a reference cycle is freed only when the block ends; the app's parts live as
    long as the app anyway. Unfrozen at the end, so a process that builds many apps (the tests) keeps none."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
