"""Residence storage (issue 14) on SQLite and PostgreSQL: counts per postcode only, replaced whole, erased with
the organisation, kept through profile updates; migration 0008 on a database with data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, inspect, select

from matcher.residences.aggregation import ResidenceCounts
from service.storage.database import make_engine, upgrade
from service.storage.repository import WriteMode
from service.storage.residences import SqlResidenceRepository
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import residence_uploads
from tests.service.conftest import BOTH_BACKENDS, MIXED_IDS, OrganisationFactory
from tests.service.storage.test_database import _migrate, _store_at_revision

pytestmark = BOTH_BACKENDS

FIRST = ResidenceCounts.of({"44139": 12, "44137": 3, "01067": 5})
SECOND = ResidenceCounts.of({"44135": 7})


def test_replace_stores_counts_per_postcode_and_replaces_the_previous_upload(engine: Engine) -> None:
    store = SqlResidenceRepository(engine)
    stored = store.replace("a", FIRST)
    assert stored.counts == FIRST
    assert abs(stored.uploaded_at - datetime.now(UTC)) < timedelta(minutes=1)
    loaded = store.get("a")
    assert loaded is not None
    assert loaded.counts == FIRST
    assert loaded.uploaded_at.tzinfo is not None
    store.replace("a", SECOND)
    again = store.get("a")
    assert again is not None
    assert again.counts == SECOND  # nothing of the first upload remains
    with engine.connect() as connection:
        rows = connection.execute(select(residence_uploads.c.total, residence_uploads.c.counts)).all()
    assert [tuple(r) for r in rows] == [(7, {"44135": 7})]


def test_get_many_and_delete(engine: Engine) -> None:
    store = SqlResidenceRepository(engine)
    store.replace_many([(i, FIRST) for i in MIXED_IDS])
    found = store.get_many([*MIXED_IDS, "nobody"])
    assert sorted(found) == sorted(MIXED_IDS)
    assert all(s.counts == FIRST for s in found.values())
    assert store.delete("a_b") is True
    assert store.delete("a_b") is False
    assert store.get("a_b") is None
    assert store.get("A-1") is not None


def test_the_only_columns_are_counts_per_postcode(engine: Engine) -> None:
    """Nothing per person can be stored: there is no table or column for it."""
    inspector = inspect(engine)
    columns = {table: {c["name"] for c in inspector.get_columns(table)} for table in inspector.get_table_names()}
    assert columns["residence_uploads"] == {"organisation_id", "uploaded_at", "total", "counts"}
    assert not any(table.startswith("residence") for table in columns if table != "residence_uploads")


def test_profile_writes_keep_the_upload_and_deleting_the_organisation_erases_it(
    engine: Engine, make_organisation: OrganisationFactory
) -> None:
    organisations = SqlOrganisationRepository(engine)
    store = SqlResidenceRepository(engine)
    organisations.add_many([make_organisation(id="a"), make_organisation(id="b")])
    store.replace_many([("a", FIRST), ("b", SECOND)])
    organisations.add_many([make_organisation(id="a", employees=300)], mode=WriteMode.UPSERT)  # delete + insert
    assert store.get("a") is not None
    assert organisations.delete("a") is True
    assert store.get("a") is None
    assert store.get("b") is not None


def test_replacing_synthetic_organisations_erases_their_uploads(
    engine: Engine, make_organisation: OrganisationFactory
) -> None:
    organisations = SqlOrganisationRepository(engine)
    store = SqlResidenceRepository(engine)
    organisations.add_many([make_organisation(id="demo", synthetic=True), make_organisation(id="real")])
    store.replace_many([("demo", FIRST), ("real", SECOND)])
    organisations.replace_synthetic([make_organisation(id="demo-2", synthetic=True)])
    assert store.get("demo") is None
    assert store.get("real") is not None


def test_consent_is_false_for_profiles_stored_before_migration_0008(
    database_url: str, make_organisation: OrganisationFactory
) -> None:
    engine = make_engine(database_url)
    try:
        _migrate(engine, "upgrade", "0007")
        _store_at_revision(engine, [make_organisation(id=i) for i in ("x", "y")])
        upgrade(engine)
        stored = list(SqlOrganisationRepository(engine).iter_all())
        assert [o.share_residence_aggregates for o in stored] == [False, False]
        consenting = make_organisation(id="x", share_residence_aggregates=True)
        SqlOrganisationRepository(engine).add_many([consenting], mode=WriteMode.UPSERT)
        reloaded = SqlOrganisationRepository(engine).get("x")
        assert reloaded is not None
        assert reloaded.share_residence_aggregates is True
        _migrate(engine, "downgrade", "0007")
        assert "residence_uploads" not in inspect(engine).get_table_names()
        upgrade(engine)
    finally:
        engine.dispose()


def test_uploads_and_erasures_log_the_organisation_as_changed(engine: Engine) -> None:
    """So every process's snapshot renews the peers' home places (service/residence_places.py)."""
    store, organisations = SqlResidenceRepository(engine), SqlOrganisationRepository(engine)
    before = organisations.revision()
    store.replace("a", FIRST)
    store.replace_many([("b", FIRST), ("c", SECOND)])
    assert organisations.changes_since(before).ids == ["a", "b", "c"]
    middle = organisations.revision()
    assert store.delete("a")
    assert not store.delete("a")  # nothing erased, nothing logged
    changes = organisations.changes_since(middle)
    assert (changes.ids, changes.revision) == (["a"], middle + 1)
