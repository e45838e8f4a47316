"""Pruning the change log: what a live reader still needs stays, the rest goes; a reader behind the pruning
reloads everything; a reader not heard from for long is dropped; a transaction reports its revision only once
it has committed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, update

from service.engine import MatchingEngine
from service.live import LiveIndex
from service.storage.changes import log_changes, notify_after_commit, prune_changes, record_reader
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import change_readers, organisation_changes
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

pytestmark = BOTH_BACKENDS

RECENT = timedelta(minutes=2)


def log_and_fail(engine: Engine, ids: list[str]) -> None:
    """A write that logs its changes and then fails before its commit (the transaction rolls back)."""
    with engine.begin() as connection:
        log_changes(connection, ids)
        raise RuntimeError("the write fails before its commit")


def _revisions(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(organisation_changes.c.revision)).scalars())


def _write(repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, *ids: str) -> int:
    for organisation_id in ids:
        repository.add_many([make_organisation(id=organisation_id)])
    return repository.revision()


def test_pruning_keeps_what_the_slowest_live_reader_still_needs(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    engine = repository.engine
    _write(repository, make_organisation, "a", "b", "c")
    record_reader(engine, "slow", 2)
    _write(repository, make_organisation, "d", "e")
    record_reader(engine, "fast", 5)
    assert prune_changes(engine, RECENT) == 2
    assert _revisions(engine) == [3, 4, 5]
    assert repository.changes_since(2).ids == ["c", "d", "e"]  # all the slow reader needs
    assert repository.changes_since(1).ids is None  # a reader further behind: reload everything
    assert prune_changes(engine, RECENT) == 0  # nothing new applied by everyone


def test_the_newest_row_stays_so_the_revision_keeps_counting(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    engine = repository.engine
    newest = _write(repository, make_organisation, "a", "b", "c")
    record_reader(engine, "w1", newest)
    assert prune_changes(engine, RECENT) == newest - 1
    assert _revisions(engine) == [newest]
    assert repository.revision() == newest
    assert repository.changes_since(newest).ids == []  # up to date: nothing to reload
    assert _write(repository, make_organisation, "d") == newest + 1  # SQLite reuses no lower revision either


def test_readers_not_heard_from_recently_are_dropped_and_hold_nothing_back(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    engine = repository.engine
    newest = _write(repository, make_organisation, "a", "b", "c", "d")
    record_reader(engine, "gone", 1)
    record_reader(engine, "live", newest)
    with engine.begin() as connection:
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        connection.execute(
            update(change_readers).where(change_readers.c.reader_id == "gone"), {"heartbeat_at": long_ago}
        )
    assert prune_changes(engine, RECENT) == newest - 1
    with engine.connect() as connection:
        assert list(connection.execute(select(change_readers.c.reader_id)).scalars()) == ["live"]


def test_without_readers_nothing_is_pruned(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    _write(repository, make_organisation, "a", "b")
    assert prune_changes(repository.engine, RECENT) == 0
    assert _revisions(repository.engine) == [1, 2]


def test_a_live_index_whose_changes_were_pruned_reloads_everything(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    engine = repository.engine
    _write(repository, make_organisation, "a", "b", "c")
    behind = LiveIndex(repository, matching)
    assert sorted(behind.current().organisations) == ["a", "b", "c"]
    repository.delete("b")
    newest = _write(repository, make_organisation, "d", "e")
    record_reader(engine, "others", newest)  # the only reader seen: its changes get pruned
    assert prune_changes(engine, RECENT) == newest - 1
    assert repository.changes_since(3).ids is None
    assert sorted(behind.current().organisations) == ["a", "c", "d", "e"]
    assert behind.current().revision == newest


def test_a_commit_reports_its_revision_a_rollback_nothing(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    reported: list[int] = []
    stop = notify_after_commit(repository.engine, reported.append)
    try:
        _write(repository, make_organisation, "a")
        with pytest.raises(RuntimeError, match="before its commit"):
            log_and_fail(repository.engine, ["x"])
        with repository.engine.connect() as connection:
            log_changes(connection, ["y"])  # closed without commit
        repository.delete("a")
        assert reported == [1, repository.revision()]
    finally:
        stop()
    _write(repository, make_organisation, "b")
    assert len(reported) == 2  # stopped: not reported any more
