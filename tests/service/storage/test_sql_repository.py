from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, func, select

from service.storage.repository import DuplicateIdError, OrganisationQuery, WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_issues, organisation_measures
from tests.service.conftest import BOTH_BACKENDS, MIXED_IDS, OrganisationFactory

pytestmark = BOTH_BACKENDS


def _child_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        issues = connection.execute(select(func.count()).select_from(organisation_issues)).scalar_one()
        measures = connection.execute(select(func.count()).select_from(organisation_measures)).scalar_one()
    return int(issues + measures)


def test_round_trip_keeps_every_field(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    organisation = make_organisation(
        id="rt-1",
        name="Bäckerei Müller & Söhne – Filiale Ost",
        postcode="58452",
        address="Ruhrdeich 1",
        estate="Gewerbegebiet Witten-Ost",
        contact={"name": "Erika Mustermann", "email": "erika@example.org", "phone": "+49 2302 1234"},
        visible_to_peers=True,
        contact_shareable=True,
    )
    repository.add_many([organisation])
    assert repository.get("rt-1") == organisation


def test_postcode_only_profile_round_trips(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    organisation = make_organisation(id="plz-only", lat=None, lon=None, postcode="70173", issues=[])
    repository.add_many([organisation])
    stored = repository.get("plz-only")
    assert stored == organisation
    assert stored is not None
    assert stored.location.municipality_ags == "08111000"


def test_insert_with_existing_id_fails_and_stores_nothing(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    repository.add_many([make_organisation(id="a")])
    children_before = _child_rows(engine)
    with pytest.raises(DuplicateIdError) as raised:
        repository.add_many([make_organisation(id="b"), make_organisation(id="a")])
    assert raised.value.ids == ["a"]
    assert repository.count() == 1
    assert repository.get("b") is None
    assert _child_rows(engine) == children_before


def test_duplicate_ids_within_one_batch_are_rejected(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    with pytest.raises(DuplicateIdError, match="x"):
        repository.add_many([make_organisation(id="x"), make_organisation(id="x")])
    assert repository.count() == 0


def test_failure_inside_the_transaction_rolls_back_everything(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    """A database error after the organisation rows were written leaves nothing behind."""
    batch = [make_organisation(id=f"t-{i}") for i in range(3)]

    def fail_on_measures(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO organisation_measures"):
            raise RuntimeError("simulated disk failure")

    event.listen(engine, "before_cursor_execute", fail_on_measures)
    try:
        with pytest.raises(RuntimeError, match="simulated disk failure"):
            repository.add_many(batch)
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_measures)
    assert repository.count() == 0
    assert _child_rows(engine) == 0


def test_upsert_updates_and_keeps_creation_time(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id="u1", employees=10)])
    created = _created_at(repository, "u1")
    result = repository.add_many(
        [make_organisation(id="u1", employees=99, issues=["congestion"]), make_organisation(id="u2")],
        mode=WriteMode.UPSERT,
    )
    assert (result.created, result.updated) == (1, 1)
    stored = repository.get("u1")
    assert stored is not None
    assert stored.employees == 99
    assert [i.value for i in stored.issues] == ["congestion"]
    assert _created_at(repository, "u1") == created


def _created_at(repository: SqlOrganisationRepository, organisation_id: str) -> object:
    from service.storage.tables import organisations

    with repository.engine.connect() as connection:
        return connection.execute(
            select(organisations.c.created_at).where(organisations.c.id == organisation_id)
        ).scalar_one()


def test_delete_removes_profile_and_its_children(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    repository.add_many([make_organisation(id="d1")])
    assert repository.delete("d1") is True
    assert repository.get("d1") is None
    assert _child_rows(engine) == 0
    assert repository.delete("d1") is False


def test_replace_synthetic_leaves_real_profiles(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id="real"), make_organisation(id="demo-1", synthetic=True)])
    repository.replace_synthetic([make_organisation(id="demo-2", synthetic=True)])
    assert repository.get("real") is not None
    assert repository.get("demo-1") is None
    assert repository.count(synthetic=True) == 1
    assert repository.count() == 2


def test_iter_all_pages_through_everything_in_id_order(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    ids = [f"it-{i:03d}" for i in range(25)]
    repository.add_many([make_organisation(id=i) for i in reversed(ids)])
    assert [o.id for o in repository.iter_all(batch_size=7)] == ids


def test_ids_are_ordered_by_code_point_on_every_backend(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id=i) for i in MIXED_IDS])
    expected = sorted(MIXED_IDS)
    assert [o.id for o in repository.iter_all(batch_size=4)] == expected
    assert [o.id for o in repository.list(OrganisationQuery(), 0, 100)[0]] == expected
    pages = [repository.list(OrganisationQuery(), offset, 4)[0] for offset in range(0, len(expected), 4)]
    assert [o.id for page in pages for o in page] == expected
    assert [o.id for o in repository.get_many(list(reversed(MIXED_IDS)))] == expected


def test_filters_behave_alike_on_every_backend(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many(
        [
            make_organisation(id="f-1", name="BÄCKEREI MÜLLER", estate="GEWERBEPARK ÖSTLICH", visible_to_peers=True),
            make_organisation(id="f-2", name="100% Öko_Strom\\Nord", issues=["congestion"], kind="craft_business"),
            make_organisation(id="f-3", name="Stadtwerke", kind="municipality", sector=None, lat=48.7758, lon=9.1829),
        ]
    )

    def ids(**filters: Any) -> list[str]:
        found, total = repository.list(OrganisationQuery(**filters), 0, 10)
        assert total == len(found)
        return [o.id for o in found]

    assert ids(name_contains="bäckerei müller") == ["f-1"]  # case-insensitive beyond ASCII
    assert ids(name_contains="öko") == ids(name_contains="ÖKO") == ["f-2"]
    assert ids(estate="gewerbepark östlich") == ["f-1"]
    assert ids(name_contains="%") == ["f-2"]  # LIKE wildcards are literals
    assert ids(name_contains="0%") == ["f-2"]
    assert ids(name_contains="_") == ["f-2"]
    assert ids(name_contains="m_n") == ids(name_contains="m%n") == []  # would match "m\\n" as wildcards
    assert ids(name_contains="\\nord") == ["f-2"]
    assert ids(visible_to_peers=True) == ["f-1"]
    assert ids(visible_to_peers=False) == ["f-2", "f-3"]
    assert ids(kind="municipality") == ["f-3"]
    assert ids(issue="congestion") == ["f-2"]
    assert ids(state="DE-BW") == ids(bbox=(9.0, 48.7, 9.3, 48.9)) == ["f-3"]
    assert ids(kreis_code="05954", issue="parking_shortage") == ["f-1"]
    assert repository.list(OrganisationQuery(), 1, 1) == ([repository.get("f-2")], 3)
    assert repository.count(synthetic=False) == 3


def test_an_insert_racing_another_for_the_same_id_is_a_duplicate_error(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    if repository.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: the race cannot happen")
    other_writer = SqlOrganisationRepository(repository.engine)
    check = repository._created_at

    def check_then_lose_the_race(connection: Any, ids: Any) -> Any:
        found = check(connection, ids)
        other_writer.add_many([make_organisation(id="race")])  # stored between our check and our insert
        return found

    monkeypatch.setattr(repository, "_created_at", check_then_lose_the_race)
    with pytest.raises(DuplicateIdError):
        repository.add_many([make_organisation(id="race")])
