"""The in-memory index follows the store: writes by this or another process, incremental or full."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pytest

from matcher.models import Organisation
from matcher.residences.places import NO_HOME_PLACES, HomePlaces
from service.engine import MatchingEngine
from service.live import LiveIndex
from service.storage.repository import StoredColumns, WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_changes, organisations
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

pytestmark = BOTH_BACKENDS


def test_snapshot_follows_writes_of_another_process(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id=f"o{i}") for i in range(10)])
    mine, other_worker = LiveIndex(repository, matching), LiveIndex(repository, matching)
    first = mine.current()
    assert sorted(first.organisations) == [f"o{i}" for i in range(10)]
    assert mine.current() is first  # nothing written: the same snapshot, no rebuild

    repository.add_many([make_organisation(id="o3", name="Umbenannt GmbH")], mode=WriteMode.UPSERT)
    repository.delete("o5")
    repository.add_many([make_organisation(id="o10")])
    for live in (mine, other_worker):
        snapshot = live.current()
        assert "o5" not in snapshot.organisations
        assert "o10" in snapshot.organisations
        assert snapshot.organisations["o3"].name == "Umbenannt GmbH"
        assert sorted(snapshot.index.ids[snapshot.index.live_positions()]) == sorted(snapshot.organisations)
        assert snapshot.revision == repository.revision()


def test_a_large_write_logs_one_entry_and_triggers_a_full_reload(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    live = LiveIndex(repository, matching)
    live.current()
    before = repository.revision()
    template = make_organisation(id="x")
    repository.add_many([template.model_copy(update={"id": f"bulk{i:05d}"}) for i in range(1_500)])
    changes = repository.changes_since(before)
    assert changes.ids is None
    assert changes.revision == before + 1
    assert len(live.current().organisations) == 1_500


def test_changes_since_lists_each_changed_id_once(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    assert repository.revision() == 0
    repository.add_many([make_organisation(id="a"), make_organisation(id="b")])
    middle = repository.revision()
    repository.add_many([make_organisation(id="a")], mode=WriteMode.UPSERT)
    repository.delete("b")
    assert not repository.delete("b")  # nothing deleted, nothing logged
    changes = repository.changes_since(middle)
    assert changes.ids == ["a", "b"]
    assert changes.revision == repository.revision() == middle + 2
    assert repository.changes_since(changes.revision).ids == []


def test_a_store_whose_revision_went_back_is_reloaded_completely(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    if repository.engine.dialect.name != "sqlite":
        pytest.skip("simulated with SQLite, whose revision counter restarts below the old one")
    repository.add_many([make_organisation(id=f"r{i}") for i in range(3)])
    live = LiveIndex(repository, matching)
    assert len(live.current().organisations) == 3
    with repository.engine.begin() as connection:  # as if the database had been restored from an older backup
        connection.execute(organisation_changes.delete())
        connection.execute(organisations.delete().where(organisations.c.id == "r2"))
    repository.add_many([make_organisation(id="r9")])  # revision 1 again, below the snapshot's 3
    assert sorted(live.current().organisations) == ["r0", "r1", "r9"]


class RacingRepository(SqlOrganisationRepository):
    """Counts full loads; ``race_once`` runs once right after a revision has been read, before it is returned:
    what another thread may do while a request waits for the live index's lock with that revision in hand."""

    def __init__(self, repository: SqlOrganisationRepository) -> None:
        super().__init__(repository.engine)
        self.full_loads = 0
        self.race_once: Callable[[], None] | None = None

    def revision(self) -> int:
        revision = super().revision()
        race, self.race_once = self.race_once, None
        if race is not None:
            race()
        return revision

    def read_columns(self, columns: Sequence[str]) -> StoredColumns:
        self.full_loads += 1
        return super().read_columns(columns)


def test_a_revision_read_before_another_thread_refreshed_is_no_reason_to_reload_everything(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id=f"o{i}") for i in range(5)])
    racing = RacingRepository(repository)
    live = LiveIndex(racing, matching)
    live.current()
    assert racing.full_loads == 1

    def other_request_writes_and_loads() -> None:
        racing.add_many([make_organisation(id="o1", name="Umbenannt GmbH")], mode=WriteMode.UPSERT)
        live.refresh()  # the snapshot is now newer than the revision the stalled request has read

    racing.add_many([make_organisation(id="o5")])
    racing.race_once = other_request_writes_and_loads
    snapshot = live.current()  # reads the revision of o5's write, then finds the snapshot beyond it
    assert racing.full_loads == 1  # deltas only: a revision read before the lock is not a restored store
    assert snapshot.revision == repository.revision()
    assert "o5" in snapshot.organisations
    assert snapshot.organisations["o1"].name == "Umbenannt GmbH"


class RecordingPlaces:
    """A home-places source that records what the live index asked and gives each organisation one place."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], list[str] | None]] = []

    def refresh(
        self, organisations: Mapping[str, Organisation], changed: Sequence[str] | None, old: HomePlaces
    ) -> HomePlaces:
        self.calls.append((sorted(organisations), None if changed is None else list(changed)))
        return HomePlaces({i: (f"ags-{i}",) for i in organisations}, {})


def test_home_places_follow_the_snapshot_with_the_changed_ids(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    everyone = [f"o{i}" for i in range(10)]
    repository.add_many([make_organisation(id=i) for i in everyone])
    places = RecordingPlaces()
    live = LiveIndex(repository, matching, home_places=places)
    first = live.current()
    assert first.home_places.of("o1") == ("ags-o1",)
    assert places.calls == [(everyone, None)]  # the first load: everything
    live.current()
    assert len(places.calls) == 1  # nothing written: no refresh
    repository.delete("o2")
    assert "o2" not in live.current().home_places.by_organisation
    assert places.calls[-1] == ([i for i in everyone if i != "o2"], ["o2"])  # incremental: the changed id
    assert LiveIndex(repository, matching).current().home_places == NO_HOME_PLACES
