"""Write-to-visible latency between two processes: the freshness mechanism's own figure (service/freshness.py).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_freshness.py [--size 20000] [--writes 100] [--backends ...]

Seeds the demo organisations into a temporary SQLite file and a throwaway PostgreSQL database (started like
the tests' server; BMM_TEST_POSTGRES_URL uses an existing one). A reader process (a serving worker: LiveIndex
plus RevisionWatcher) answers a "request" every millisecond from ``LiveIndex.current()``; this process writes
(``visible_to_peers`` toggled on one organisation, as PATCH does) at random intervals (``--pause-ms``, 50-150).
For each write: the time from its commit to the first request in the reader that answered from a snapshot
holding it; the delivery alone (commit until the reader's watcher starts loading it, for writes committed while
the reader was not busy refreshing); the reader's index refresh time; and how many SQL statements the reader's
request path ran (0 expected: the watcher thread asks the store, requests do not). p50, p99 and max each.
Not a test: run it by hand and copy the figures (with the machine) into the docs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path

from sqlalchemy import event

from benchmarks.common import postgres_database, print_machine
from matcher.reference import load_reference_data
from service.config import ServiceSettings
from service.engine import load_engine
from service.freshness import RevisionWatcher
from service.live import LiveIndex, Snapshot
from service.seeding import seed_demo
from service.storage.database import make_engine, upgrade
from service.storage.repository import WriteMode
from service.storage.sql_repository import SqlOrganisationRepository

REQUEST_INTERVAL = 0.001  # the reader answers a request every millisecond


def reader(url: str, ready: Event, stop: Event, latest: Synchronized[int], results: Connection) -> None:
    """A serving worker: build the index, follow the store with a watcher, answer requests until ``stop``."""
    engine = make_engine(url)
    live = LiveIndex(SqlOrganisationRepository(engine), load_engine())
    live.current()
    refreshes: list[tuple[float, float]] = []  # (began, seconds) of each refresh by the watcher
    refresh = live.refresh

    def timed_refresh() -> Snapshot:
        began = time.monotonic()
        snapshot = refresh()
        refreshes.append((began, time.monotonic() - began))
        return snapshot

    live.refresh = timed_refresh  # type: ignore[method-assign]
    watcher = RevisionWatcher(live, engine, ServiceSettings(database_url=url))
    watcher.start()
    request_thread = threading.current_thread()
    on_request_path = 0

    def count(*_args: object) -> None:
        nonlocal on_request_path
        if threading.current_thread() is request_thread:
            on_request_path += 1

    event.listen(engine, "before_cursor_execute", count)
    seen: dict[int, float] = {}
    ready.set()
    while not stop.is_set():
        revision = live.current().revision
        if revision != latest.value:
            seen[revision] = time.monotonic()  # CLOCK_MONOTONIC: the same clock in both processes
            latest.value = revision
        time.sleep(REQUEST_INTERVAL)
    event.remove(engine, "before_cursor_execute", count)
    watcher.stop()
    results.send((seen, on_request_path, refreshes))
    engine.dispose()


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


def measure(url: str, size: int, writes: int, pause_ms: tuple[float, float]) -> None:
    engine = make_engine(url)
    upgrade(engine)
    repository = SqlOrganisationRepository(engine)
    seed_demo(repository, load_reference_data(), size=size, seed=42)
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    latest = context.Value("q", -1)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=reader, args=(url, ready, stop, latest, send))
    process.start()
    assert ready.wait(600), "the reader did not start"
    organisation = repository.get("demo-000284")
    assert organisation is not None
    committed: dict[int, float] = {}
    pause = threading.Event()
    for n in range(writes):
        pause.wait(random.uniform(*pause_ms) / 1000)
        changed = organisation.model_copy(update={"visible_to_peers": n % 2 == 0})
        repository.add_many([changed], mode=WriteMode.UPSERT)
        acknowledged = time.monotonic()
        committed[repository.revision()] = acknowledged
    newest = max(committed)
    for _ in range(600):  # until the reader shows the last write, at most 60 s
        if latest.value >= newest:
            break
        pause.wait(0.1)
    stop.set()
    seen, on_request_path, refreshes = receive.recv()
    process.join(60)
    engine.dispose()
    visible = sorted(seen.items())
    latencies = [
        (next(t for r, t in visible if r >= revision) - at) * 1000
        for revision, at in committed.items()
        if any(r >= revision for r, _ in visible)
    ]
    # Delivery alone: writes committed while the reader was not refreshing, so nothing queued before them.
    idle = [at for at in committed.values() if not any(start <= at <= start + took for start, took in refreshes)]
    began = [
        (min(start for start, _ in refreshes if start >= at) - at) * 1000
        for at in idle
        if any(start >= at for start, _ in refreshes)
    ]
    backend = engine.dialect.name
    print(
        f"{backend} — {size:,} organisations, {len(committed)} writes ({len(committed) - len(latencies)} never visible)"
    )
    print(f"  write-to-visible (commit → first answer holding it): {_percentiles(latencies)}")
    print(
        f"  commit → the reader's watcher starts loading it, {len(began)} writes while it was idle: "
        f"{_percentiles(began)}"
    )
    print(f"  the reader's index refresh:                         {_percentiles([s * 1000 for _, s in refreshes])}")
    print(f"  SQL statements on the reader's request path: {on_request_path} ({len(refreshes)} refreshes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--pause-ms", type=float, nargs=2, default=(50.0, 150.0), help="between writes: min max")
    parser.add_argument("--backends", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print_machine()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for backend in args.backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                measure(f"sqlite:///{Path(folder) / 'bench.db'}", args.size, args.writes, args.pause_ms)
        else:
            with postgres_database() as url:
                measure(url, args.size, args.writes, args.pause_ms)


if __name__ == "__main__":
    main()
