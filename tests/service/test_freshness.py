"""Freshness across workers: each process's RevisionWatcher keeps its live index current off the request path.

Two workers are two engines on one store, each with its own LiveIndex and watcher. Waits are bounded waits
on the watcher's applied revision, never sleeps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, text

from service.api.app import create_app
from service.config import ServiceSettings
from service.engine import MatchingEngine
from service.freshness import APPLICATION_NAME, RevisionWatcher
from service.live import LiveIndex
from service.storage.database import make_engine
from service.storage.repository import WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import change_readers, organisation_changes
from tests.service.conftest import BOTH_BACKENDS, POSTGRESQL_ONLY, OrganisationFactory
from tests.service.storage.test_change_log_pruning import log_and_fail

WAIT = 10.0  # seconds a bounded wait may take on a loaded machine; a pass takes milliseconds


class Worker:
    """One serving process: its engine, repository, live index and watcher."""

    def __init__(self, url: str, matching: MatchingEngine, settings: ServiceSettings) -> None:
        self.engine = make_engine(url)
        self.repository = SqlOrganisationRepository(self.engine)
        self.live = LiveIndex(self.repository, matching)
        self.watcher = RevisionWatcher(self.live, self.engine, settings)

    def start(self) -> Worker:
        self.live.current()  # as the app's lifespan does before the watcher starts
        self.watcher.start()
        return self

    def close(self) -> None:
        self.watcher.stop()
        self.engine.dispose()


WorkerFactory = Callable[..., Worker]


@pytest.fixture
def workers(database_url: str, engine: Engine, matching: MatchingEngine) -> Iterator[WorkerFactory]:
    """Start workers on the test store (``engine`` has migrated it); all are stopped afterwards."""
    started: list[Worker] = []

    def start(**settings: Any) -> Worker:
        options = {"revision_poll_seconds": 0.02, "reader_heartbeat_seconds": 3600.0, "reader_stale_seconds": 7200.0}
        worker = Worker(database_url, matching, ServiceSettings(database_url=database_url, **{**options, **settings}))
        started.append(worker)
        return worker.start()

    yield start
    for worker in started:
        worker.close()


@contextmanager
def statements_in_this_thread(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements ``engine`` runs in the calling thread (the request path) while the block runs."""
    caller = threading.current_thread()
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if threading.current_thread() is caller:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@BOTH_BACKENDS
def test_a_write_through_one_worker_reaches_the_other_without_a_query_per_request(
    workers: WorkerFactory, make_organisation: OrganisationFactory
) -> None:
    writer, reader = workers(), workers()
    writer.repository.add_many([make_organisation(id=f"o{i}") for i in range(5)])
    revision = writer.repository.revision()
    assert reader.watcher.wait_for(revision, WAIT)

    with statements_in_this_thread(reader.engine) as reads:
        assert sorted(reader.live.current().organisations) == [f"o{i}" for i in range(5)]
        writer.repository.delete("o2")
        writer.repository.add_many([make_organisation(id="o1", name="Umbenannt GmbH")], mode=WriteMode.UPSERT)
        assert reader.watcher.wait_for(writer.repository.revision(), WAIT)
        snapshot = reader.live.current()
        for _ in range(20):
            assert reader.live.current() is snapshot  # nothing written since: the same snapshot
    assert reads == []  # the requests asked the store nothing: the watcher thread did
    assert "o2" not in snapshot.organisations
    assert snapshot.organisations["o1"].name == "Umbenannt GmbH"
    assert snapshot.revision == writer.repository.revision()


@BOTH_BACKENDS
def test_the_writing_worker_sees_its_write_on_its_next_request(
    workers: WorkerFactory, make_organisation: OrganisationFactory
) -> None:
    worker = workers(revision_poll_seconds=60.0)  # the poll would come far too late: only the commit tells it
    worker.repository.add_many([make_organisation(id="a")])
    assert "a" in worker.live.current().organisations
    worker.repository.delete("a")
    assert "a" not in worker.live.current().organisations


@BOTH_BACKENDS
def test_a_failed_write_reports_no_revision(workers: WorkerFactory, make_organisation: OrganisationFactory) -> None:
    worker = workers(revision_poll_seconds=60.0)
    worker.repository.add_many([make_organisation(id="a")])
    first = worker.live.current()
    with pytest.raises(RuntimeError, match="before its commit"):
        log_and_fail(worker.engine, ["a"])
    with statements_in_this_thread(worker.engine) as reads:
        assert worker.live.current() is first
    assert reads == []  # nothing committed, nothing reported: no refresh


@POSTGRESQL_ONLY
def test_postgresql_delivers_the_revision_by_notify(
    workers: WorkerFactory, make_organisation: OrganisationFactory
) -> None:
    """With the heartbeat an hour away, the LISTEN connection is the only way the reader learns of a write."""
    writer, reader = workers(), workers()
    assert writer.watcher.listening
    assert reader.watcher.listening
    with writer.engine.connect() as connection:
        listening = connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": APPLICATION_NAME}
        ).scalar_one()
    assert listening == 2  # one LISTEN connection per worker
    writer.repository.add_many([make_organisation(id="n1")])
    assert reader.watcher.wait_for(writer.repository.revision(), WAIT)
    assert "n1" in reader.live.current().organisations


@POSTGRESQL_ONLY
def test_a_notification_lost_with_the_connection_is_recovered_on_reconnect(
    workers: WorkerFactory, make_organisation: OrganisationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, reader = workers(), workers()
    assert writer.watcher.listening
    assert reader.watcher.listening
    reconnecting, may_connect = threading.Event(), threading.Event()
    connect = reader.watcher._connect

    def held_connect() -> Any:  # the reconnect waits until the write below has been notified to nobody
        reconnecting.set()
        assert may_connect.wait(WAIT)
        return connect()

    monkeypatch.setattr(reader.watcher, "_connect", held_connect)
    with writer.engine.connect() as connection:
        ended = connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APPLICATION_NAME},
        ).all()
    assert len(ended) == 2  # both workers' LISTEN connections
    assert reconnecting.wait(WAIT)
    writer.repository.add_many([make_organisation(id="lost")])  # its NOTIFY reaches no listener of the reader
    may_connect.set()
    assert reader.watcher.wait_for(writer.repository.revision(), WAIT)
    assert "lost" in reader.live.current().organisations


@BOTH_BACKENDS
def test_watchers_record_their_revision_prune_what_all_applied_and_leave_on_stop(
    workers: WorkerFactory, make_organisation: OrganisationFactory
) -> None:
    fast = {"reader_heartbeat_seconds": 0.05, "reader_stale_seconds": 60.0}
    one, two = workers(**fast), workers(**fast)
    for i in range(5):
        one.repository.add_many([make_organisation(id=f"p{i}")])
    newest = one.repository.revision()
    assert one.watcher.wait_for(newest, WAIT)
    assert two.watcher.wait_for(newest, WAIT)
    pause = threading.Event()
    for _ in range(int(WAIT / 0.05)):  # both record the newest revision; then either prunes the rest
        with one.engine.connect() as connection:
            revisions = list(connection.execute(select(organisation_changes.c.revision)).scalars())
        if revisions == [newest]:
            break
        pause.wait(0.05)
    assert revisions == [newest]  # the newest row stays: it is the store's revision
    assert one.repository.revision() == newest
    assert sorted(two.live.current().organisations) == [f"p{i}" for i in range(5)]
    two.watcher.stop()
    with one.engine.connect() as connection:
        readers = set(connection.execute(select(change_readers.c.reader_id)).scalars())
    assert two.watcher.reader_id not in readers


def test_the_reader_staleness_must_outlast_two_heartbeats() -> None:
    with pytest.raises(ValueError, match="BMM_READER_STALE_SECONDS"):
        ServiceSettings(reader_heartbeat_seconds=10, reader_stale_seconds=15)


@pytest.mark.slow  # builds the app (model and reference data)
def test_the_app_runs_a_watcher_from_start_to_shutdown(database_url: str, engine: Engine) -> None:
    def readers() -> list[str]:
        with engine.connect() as connection:
            return list(connection.execute(select(change_readers.c.reader_id)).scalars())

    with TestClient(create_app(ServiceSettings(database_url=database_url))) as client:
        watcher: RevisionWatcher = client.app.state.watcher  # type: ignore[attr-defined]
        assert watcher.applied_revision == SqlOrganisationRepository(engine).revision()
        assert readers() == [watcher.reader_id]  # registered before the app serves
    assert readers() == []  # stopped with the app: it holds back no pruning
