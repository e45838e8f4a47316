"""The columnar live index: profiles rebuilt from columns equal the stored ones; vectors are the vectoriser's;
after any writes the incrementally maintained index answers like a full rebuild, before and after compaction."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from matcher.index import OrganisationIndex
from matcher.matching.neighbourhood import neighbour_adoption
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.leads import recommend_leads
from matcher.profiles import ProfileBuilder
from matcher.transit.situation import site_stop
from service.engine import MatchingEngine
from service.live import LiveIndex, Snapshot
from service.snapshot import Place, location_features_of
from service.storage.repository import WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_issues, organisation_measures, organisations
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

AS_OF = date(2026, 12, 1)


def _varied(make_organisation: OrganisationFactory) -> list[Organisation]:
    return [
        make_organisation(id="a-1"),
        make_organisation(
            id="B_2", kind="craft_business", sector=None, postcode="44135", lat=None, lon=None, estate="Hafen Süd",
            address="Hafenstraße 1", contact={"name": "Eva Muster", "email": "eva@example.org"},
            visible_to_peers=True, contact_shareable=True, share_residence_aggregates=True, synthetic=True,
            employees_estimated=True, size_class="50–249", wz_code="43.21", issues=[], measures_in_place=[],
        ),
        make_organisation(id="c.3", kind="municipality", sector=None, employees=900, lat=51.51, lon=7.46,
                          measures_in_place=["carpool_matching", "deutschlandticket_job"], shift_work=False),
    ]  # fmt: skip


@BOTH_BACKENDS
def test_profiles_rebuilt_from_columns_equal_the_stored_ones(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    repository.add_many(_varied(make_organisation))
    live = LiveIndex(repository, matching)
    snapshot = live.current()
    assert sorted(snapshot.organisations) == ["B_2", "a-1", "c.3"]
    light = snapshot.organisations.without_features()
    for organisation_id in snapshot.organisations:
        stored = repository.get(organisation_id)
        assert stored is not None
        assert snapshot.organisations[organisation_id] == stored
        assert light[organisation_id].model_dump(exclude={"features"}) == stored.model_dump(exclude={"features"})
    # An incremental write: the appended row is rebuilt alike.
    changed = make_organisation(id="a-1", name="Neu GmbH", estate="Hafen Süd", visible_to_peers=True)
    repository.add_many([changed], mode=WriteMode.UPSERT)
    snapshot = live.current()
    assert snapshot.index.delta_size == 1
    assert snapshot.organisations["a-1"] == repository.get("a-1") == changed
    assert snapshot.organisations.get("nobody") is None
    assert "nobody" not in snapshot.organisations
    _assert_places_are_the_profiles(snapshot)


def _assert_places_are_the_profiles(snapshot: Snapshot) -> None:
    """Each place read from the columns has the values (and types) of the organisation built from its row."""
    ids = ["c.3", "a-1", "B_2", "a-1"]  # any order, repeats, the appended row
    for place, organisation_id in zip(snapshot.organisations.places(ids), ids, strict=True):
        organisation = snapshot.organisations[organisation_id]
        expected = Place(
            snapshot.index.position[organisation_id], organisation.location.lat, organisation.location.lon,
            organisation.location.municipality_name, organisation.estate, organisation.synthetic,
            organisation.visible_to_peers, organisation.contact_shareable,
        )  # fmt: skip
        assert place == expected
        assert [type(value) for value in place] == [type(value) for value in expected]
        assert snapshot.organisations.at(place.position) is organisation
    with pytest.raises(KeyError, match="nobody"):
        snapshot.organisations.places(["a-1", "nobody"])


def test_vectors_loaded_from_columns_are_the_vectorisers(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    stored = _varied(make_organisation)
    repository.add_many(stored)
    index = LiveIndex(repository, matching).current().index
    expected = matching.vectoriser.transform(sorted(stored, key=lambda o: o.id))
    assert index.vectors.tobytes() == expected.tobytes()
    assert index.ids.tolist() == ["B_2", "a-1", "c.3"]


# -- incremental == full rebuild ------------------------------------------------------------------------

IDS = [f"o{i}" for i in range(8)]
SPOTS = [(51.5136, 7.4653), (51.5136, 7.4653), (51.52, 7.47), (51.49, 7.40), (51.55, 7.55)]  # one shared spot
ISSUES = ["parking_shortage", "shift_work", "poor_transit_access", "long_commutes"]
KINDS = ["company", "craft_business", "municipality"]

_upsert = st.tuples(
    st.just("upsert"),
    st.sampled_from(IDS),
    st.sampled_from(range(len(SPOTS))),
    st.booleans(),  # visible to peers
    st.frozensets(st.sampled_from(ISSUES), max_size=3),
    st.sampled_from(KINDS),
    st.sampled_from([5, 40, 300]),
)
_delete = st.tuples(st.just("delete"), st.sampled_from(IDS))
_operations = st.lists(st.one_of(_upsert, _delete), min_size=1, max_size=10)

_PROFILES: dict[tuple[Any, ...], Organisation] = {}


def _profile(builder: ProfileBuilder, operation: tuple[Any, ...]) -> Organisation:
    if operation not in _PROFILES:
        _, organisation_id, spot, visible, issues, kind, employees = operation
        lat, lon = SPOTS[spot]
        profile = OrganisationProfile.model_validate(
            {
                "kind": kind, "name": f"Betrieb {organisation_id}", "employees": employees, "lat": lat, "lon": lon,
                "sector": "C" if kind == "company" else None, "issues": sorted(issues), "visible_to_peers": visible,
                "measures_in_place": ["carpool_matching"] if employees == 300 else [],
                "estate": "Phoenix West" if spot < 2 else None,
            }
        )  # fmt: skip
        _PROFILES[operation] = builder.build(profile, organisation_id)
    return _PROFILES[operation]


def _answers(index: OrganisationIndex, lookup: Any, stored: list[Organisation], matching: MatchingEngine) -> Any:
    """Everything the recommenders say about each stored organisation, by id (no positions)."""
    vectoriser, catalog, config = matching.vectoriser, matching.reference.catalog, matching.settings
    found: dict[str, Any] = {}
    for organisation in stored:
        query = index.query_point(organisation, vectoriser)
        near = {}
        for visible_only in (False, True):
            hits = index.nearby(query.group, query.xyz, 50.0, 4, visible_only=visible_only)
            near[visible_only] = sorted((round(float(d), 9), str(index.ids[p])) for p, d in zip(
                hits.positions.tolist(), hits.distance_km.tolist(), strict=True))  # fmt: skip
        found[organisation.id] = (
            near,
            recommend_peers(organisation, index, vectoriser, catalog, config.peers).model_dump(),
            recommend_peers(
                organisation, index, vectoriser, catalog, config.peers, include_invisible=True
            ).model_dump(),
            neighbour_adoption(organisation, index, vectoriser, config.measures).model_dump(),
        )
    leads = recommend_leads(
        "ihk_dortmund", index, lookup, vectoriser, catalog, config, as_of=AS_OF,
        kreis_naming=matching.reference.geo.kreis_naming,
    )  # fmt: skip
    return found, leads.model_dump()


def _check(snapshot: Snapshot, repository: SqlOrganisationRepository, matching: MatchingEngine) -> None:
    stored = list(repository.iter_all())
    rebuilt = OrganisationIndex.build(stored, matching.vectoriser, matching.reference.catalog)
    assert sorted(snapshot.organisations) == [o.id for o in stored]
    assert all(snapshot.organisations[o.id] == o for o in stored)
    expected = _answers(rebuilt, {o.id: o for o in stored}, stored, matching)
    assert _answers(snapshot.index, snapshot.organisations, stored, matching) == expected
    compacted = snapshot.index.compacted()
    assert (compacted.delta_size, compacted.count) == (0, len(stored))
    assert _answers(compacted, snapshot.organisations, stored, matching) == expected
    assert compacted.vectors.tobytes() == rebuilt.vectors.tobytes()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(_upsert, min_size=2, max_size=6), operations=_operations)
def test_after_any_writes_the_answers_equal_a_full_rebuild(
    first: list[tuple[Any, ...]],
    operations: list[tuple[Any, ...]],
    repository: SqlOrganisationRepository,
    matching: MatchingEngine,
    builder: ProfileBuilder,
) -> None:
    with repository.engine.begin() as connection:  # a fresh store per example (the change log may stay)
        for table in (organisation_issues, organisation_measures, organisations):
            connection.execute(delete(table))
    by_id = {o.id: o for o in (_profile(builder, operation) for operation in first)}
    repository.add_many(list(by_id.values()))
    # No compaction in one, one after every two appended rows (in the request's thread) in the other.
    growing = LiveIndex(repository, matching, compact_after=10_000)
    compacting = LiveIndex(repository, matching, compact_after=2, compact_in_background=False)
    growing.current(), compacting.current()
    for operation in operations:
        if operation[0] == "delete":
            repository.delete(operation[1])
        else:
            repository.add_many([_profile(builder, operation)], mode=WriteMode.UPSERT)
        for live in (growing, compacting):
            _check(live.current(), repository, matching)
    assert growing.delta_size >= compacting.delta_size
    assert compacting.last_compaction_seconds is not None or compacting.delta_size <= 2


def test_metrics_properties_and_refresh(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    live = LiveIndex(repository, matching)
    assert (live.revision, live.delta_size, live.last_compaction_seconds) == (-1, 0, None)
    repository.add_many([make_organisation(id=f"m{i}") for i in range(8)])
    assert live.refresh().revision == repository.revision() == live.revision
    repository.add_many([make_organisation(id="m1", employees=7)], mode=WriteMode.UPSERT)
    live.note_revision(live.revision)  # a watcher that has not seen the write yet: no store query, old snapshot
    assert live.current().organisations["m1"].employees == 120
    live.note_revision(repository.revision())
    assert live.current().organisations["m1"].employees == 7
    assert live.delta_size == 1
    assert np.count_nonzero(live.current().index.alive) == 8


def test_ready_only_while_a_watcher_vouches_for_the_snapshot(
    repository: SqlOrganisationRepository, matching: MatchingEngine, make_organisation: OrganisationFactory
) -> None:
    """``ready`` never asks the store: the snapshot when no newer revision was noted, else None."""
    live = LiveIndex(repository, matching)
    repository.add_many([make_organisation(id="r1")])
    assert live.ready() is None  # nothing loaded yet
    snapshot = live.current()
    assert live.ready() is None  # nobody watches: only the store can tell
    live.note_revision(snapshot.revision)
    assert live.ready() is snapshot
    repository.add_many([make_organisation(id="r2")])
    live.note_revision(repository.revision())
    assert live.ready() is None
    assert live.current().revision == repository.revision()
    assert live.ready() is live.current()


def test_built_organisations_are_kept_bounded_and_a_write_is_answered_fresh(
    repository: SqlOrganisationRepository,
    matching: MatchingEngine,
    make_organisation: OrganisationFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("service.snapshot.BUILT_KEPT", 2)
    repository.add_many([make_organisation(id=i) for i in ("k1", "k2", "k3")])
    live = LiveIndex(repository, matching)
    organisations = live.current().organisations
    first = organisations["k1"]
    assert organisations["k1"] is first  # kept: built once
    assert organisations.get("k2") is organisations["k2"]
    organisations["k3"]  # a third one pushes out the least recently used (k1)
    assert organisations["k1"] is not first
    assert organisations["k1"] == first == repository.get("k1")
    # A write: the next snapshot builds from the new row; the old snapshot keeps what it had.
    repository.add_many([make_organisation(id="k1", name="Umbenannt GmbH")], mode=WriteMode.UPSERT)
    fresh = live.current().organisations
    assert fresh is not organisations
    assert fresh["k1"].name == "Umbenannt GmbH" == repository.get("k1").name  # type: ignore[union-attr]
    assert organisations["k1"].name == first.name


def test_a_background_compaction_replays_the_writes_that_came_meanwhile(
    repository: SqlOrganisationRepository,
    matching: MatchingEngine,
    make_organisation: OrganisationFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repository.add_many([make_organisation(id=f"b{i}") for i in range(6)])
    live = LiveIndex(repository, matching, compact_after=1)
    live.current()
    started, release = threading.Event(), threading.Event()
    compact = OrganisationIndex.compacted

    def slow_compaction(index: OrganisationIndex, spare: float = 0.05) -> OrganisationIndex:
        started.set()
        assert release.wait(10)
        return compact(index, spare)

    monkeypatch.setattr(OrganisationIndex, "compacted", slow_compaction)
    repository.add_many([make_organisation(id="b1", name="Eins")], mode=WriteMode.UPSERT)
    repository.add_many([make_organisation(id="b2", name="Zwei")], mode=WriteMode.UPSERT)
    live.current()  # two appended rows: over the threshold, the compaction starts in its thread
    assert started.wait(10)
    repository.delete("b3")  # while it runs
    repository.add_many([make_organisation(id="b9")])
    assert live.current().index.delta_size == 3  # b1, b2 and b9 appended (a deletion appends nothing)
    release.set()
    compaction = live._compaction
    assert compaction is not None
    compaction.join(10)
    snapshot = live.current()
    assert live.last_compaction_seconds is not None
    assert snapshot.index.delta_size == 1  # the writes made during the compaction, replayed: b9 appended
    assert sorted(snapshot.organisations) == ["b0", "b1", "b2", "b4", "b5", "b9"]
    assert snapshot.organisations["b1"].name == "Eins"
    assert snapshot.organisations["b2"].name == "Zwei"


def test_features_asked_when_the_kept_ones_are_full_are_worked_out_again(
    repository: SqlOrganisationRepository,
    matching: MatchingEngine,
    make_organisation: OrganisationFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: a request asking for kept and new features at once when the kept ones were full cleared them
    # and then looked the kept ones up (KeyError, a 500 on the peers route after enough distinct peers).
    monkeypatch.setattr("service.snapshot.FEATURES_KEPT", 2)
    repository.add_many([make_organisation(id=i) for i in ("f1", "f2", "f3")])
    snapshot = LiveIndex(repository, matching).current()
    index = snapshot.index
    positions = np.array([index.position[i] for i in ("f1", "f2", "f3")], dtype=np.int64)
    first = snapshot.organisations.site_stops(index, positions[:2])
    again = snapshot.organisations.site_stops(index, positions)  # f1 and f2 kept, f3 new: over the limit
    assert again[:2].tolist() == first.tolist()
    assert len(again) == 3
    # Kept or worked out, the stops are those named from the rows' features.
    named = [site_stop(f) for f in location_features_of(index, positions.tolist(), snapshot.builder)]
    assert again.tolist() == named
    assert snapshot.organisations.site_stops(index, positions[::-1]).tolist() == named[::-1]
    assert snapshot.organisations["f3"] == repository.get("f3")
