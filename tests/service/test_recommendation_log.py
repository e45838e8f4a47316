"""The background writer of the recommendation log (service/recommendation_log.py)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, event

from service.recommendation_log import RecommendationLog
from service.storage.bulk import Loader, bulk_loader
from service.storage.feedback import FeedbackEntry, Served, ServedItem, SqlFeedbackStore
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

NEVER = 3600.0  # a flush interval that never comes during a test: only full batches, flush() and stop() write


def _served(organisation_id: str | None, *item_ids: str) -> Served:
    return Served(
        endpoint="peers", item_type="peer", organisation_id=organisation_id, key_id="key-secret-1",
        role="organisation", parameters={"limit": 5},
        items=[ServedItem(id=i, score=0.5, reasons=["same_issue"]) for i in item_ids],
    )  # fmt: skip


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for the daemon thread (a deadline against hanging, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the writer thread did not get there"
        time.sleep(0.01)


class Recorder:
    """A store that records each batch; ``gate`` holds a write until the test opens it."""

    def __init__(self, gate: threading.Event | None = None, error: Exception | None = None) -> None:
        self.batches: list[list[str]] = []
        self.gate = gate
        self.error = error
        self.writing = threading.Event()

    def write_log_rows(self, rows: Sequence[Mapping[str, Any]], *, stored_only: bool = False) -> int:
        self.writing.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.error is not None:
            raise self.error
        self.batches.append([str(row["id"]) for row in rows])
        return len(rows)


@pytest.fixture
def stopped() -> Iterator[list[RecommendationLog]]:
    """Writers the test made: stopped at the end so that no thread outlives it."""
    writers: list[RecommendationLog] = []
    yield writers
    for writer in writers:
        writer.stop()


def _writer(store: Any, stopped: list[RecommendationLog], **settings: Any) -> RecommendationLog:
    values = {"queue_size": 100, "batch_size": 100, "flush_interval": NEVER, **settings}
    writer = RecommendationLog(store, **values)
    stopped.append(writer)
    return writer


def test_a_full_batch_is_written_by_the_thread_and_the_rest_on_flush(stopped: list[RecommendationLog]) -> None:
    store = Recorder()
    writer = _writer(store, stopped, batch_size=3)
    full = [writer.submit(_served("org-a", f"p{n}")) for n in range(3)]
    assert all(full)
    assert len(set(full)) == 3
    _eventually(lambda: len(store.batches) == 1)  # a full batch, without a flush
    rest = [writer.submit(_served("org-a", f"q{n}")) for n in range(2)]
    assert writer.depth == 2  # not full, and the flush interval never comes: they wait
    writer.flush()
    assert store.batches == [full, rest]
    assert (writer.flushed, writer.dropped, writer.failed, writer.depth) == (5, 0, 0, 0)


def test_a_row_is_written_within_the_flush_interval(stopped: list[RecommendationLog]) -> None:
    store = Recorder()
    writer = _writer(store, stopped, flush_interval=0.05)
    shown = writer.submit(_served("org-a", "p1"))
    _eventually(lambda: store.batches == [[shown]])


def test_stop_writes_what_is_still_queued(stopped: list[RecommendationLog]) -> None:
    store = Recorder()
    writer = _writer(store, stopped)
    ids = [writer.submit(_served(None, "m1")) for _ in range(5)]
    assert store.batches == []
    writer.stop()
    assert store.batches == [ids]
    assert writer.flushed == 5


def test_a_full_queue_drops_and_counts_without_waiting(stopped: list[RecommendationLog]) -> None:
    gate = threading.Event()
    store = Recorder(gate=gate)
    writer = _writer(store, stopped, queue_size=2, batch_size=1)
    first = writer.submit(_served("org-a", "p1"))
    assert store.writing.wait(10)  # the thread holds the first row in a write that hangs (a slow database)
    queued = [writer.submit(_served("org-a", "p2")), writer.submit(_served("org-a", "p3"))]
    started = time.monotonic()
    dropped = [writer.submit(_served("org-a", "p4")), writer.submit(_served("org-a", "p5"))]
    assert time.monotonic() - started < 5  # returned while the database still hangs
    assert dropped == [None, None]
    assert (writer.dropped, writer.depth) == (2, 2)
    gate.set()
    writer.stop()
    assert [batch[0] for batch in store.batches] == [first, *queued]
    assert (writer.flushed, writer.dropped) == (3, 2)


def test_a_failed_batch_is_counted_and_logged_without_its_content(
    stopped: list[RecommendationLog], caplog: pytest.LogCaptureFixture
) -> None:
    store = Recorder(error=RuntimeError("INSERT … org-private key-secret-1"))
    writer = _writer(store, stopped)
    writer.submit(_served("org-private", "p1"))
    writer.submit(_served("org-private", "p2"))
    with caplog.at_level(logging.WARNING, logger="service.recommendation_log"):
        writer.flush()
    assert (writer.failed, writer.flushed) == (2, 0)
    assert "2 rows not written (RuntimeError)" in caplog.text
    assert "org-private" not in caplog.text
    assert "key-secret-1" not in caplog.text
    store.error = None
    later = writer.submit(_served("org-a", "p3"))
    writer.flush()  # the writer goes on after a failure
    assert store.batches == [[later]]


@BOTH_BACKENDS
def test_one_transaction_per_batch_and_no_row_for_a_deleted_organisation(
    engine: Engine,
    repository: SqlOrganisationRepository,
    make_organisation: OrganisationFactory,
    stopped: list[RecommendationLog],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repository.add_many([make_organisation(id="org-a")])
    store = SqlFeedbackStore(engine)
    writer = _writer(store, stopped)
    kept = [writer.submit(_served("org-a", "p1")), writer.submit(_served(None, "m1"))]
    gone = writer.submit(_served("org-gone", "p1"))  # deleted (by some worker) after its answer
    statements: list[tuple[str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        statements.append((statement.split()[0].upper(), executemany))

    loads: list[int] = []

    def counting_loader(connection: Connection) -> Loader:
        load = bulk_loader(connection)

        def counted(table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
            loads.append(len(rows))
            load(table, columns, rows)

        return counted

    monkeypatch.setattr("service.storage.feedback.bulk_loader", counting_loader)
    event.listen(engine, "before_cursor_execute", record)
    try:
        writer.flush()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert loads == [2]  # the batch's kept rows in one bulk load
    inserts = [s for s in statements if s[0] == "INSERT"]
    # One executemany on SQLite; PostgreSQL's COPY runs on the driver's connection, unseen by SQLAlchemy's events.
    assert inserts == ([("INSERT", True)] if engine.dialect.name == "sqlite" else [])
    assert all(store.logged(str(log_id)) is not None for log_id in kept)
    assert store.logged(str(gone)) is None
    assert (writer.flushed, writer.discarded) == (2, 1)


@BOTH_BACKENDS
def test_feedback_after_a_flush_links_to_an_answer_that_was_still_queued(
    engine: Engine,
    repository: SqlOrganisationRepository,
    make_organisation: OrganisationFactory,
    stopped: list[RecommendationLog],
) -> None:
    repository.add_many([make_organisation(id="org-a")])
    store = SqlFeedbackStore(engine)
    writer = _writer(store, stopped)
    shown = writer.submit(_served("org-a", "p1", "p2"))
    entry = FeedbackEntry(
        organisation_id="org-a", item_type="peer", item_id="p2", verdict="contacted", comment=None,
        key_id="key-1", role="organisation",
    )  # fmt: skip
    assert store.count_logged() == 0  # the race: the answer is not in the table yet
    writer.flush()  # what POST /feedback does first
    assert store.add_feedback(entry)[1] == shown


class RowRecorder:
    """A store that keeps the rows it is given."""

    def __init__(self) -> None:
        self.rows: list[Mapping[str, Any]] = []

    def write_log_rows(self, rows: Sequence[Mapping[str, Any]], *, stored_only: bool = False) -> int:
        self.rows.extend(rows)
        return len(rows)


def test_a_row_encoded_by_the_writer_keeps_the_id_and_time_of_the_answer(stopped: list[RecommendationLog]) -> None:
    store = RowRecorder()
    writer = _writer(store, stopped)
    before = datetime.now(UTC)
    served_id = writer.submit(_served("org-a", "p1", "p2"))
    after = datetime.now(UTC)
    time.sleep(0.01)  # the row is encoded when written, later than the answer: its time must be the answer's
    writer.flush()
    (row,) = store.rows
    assert row["id"] == served_id
    assert before <= row["served_at"] <= after
    assert json.loads(row["items"]) == [
        {"id": "p1", "rank": 1, "score": 0.5, "reasons": ["same_issue"]},
        {"id": "p2", "rank": 2, "score": 0.5, "reasons": ["same_issue"]},
    ]
    assert json.loads(row["parameters"]) == {"limit": 5}
    assert (row["endpoint"], row["organisation_id"], row["key_id"]) == ("peers", "org-a", "key-secret-1")
