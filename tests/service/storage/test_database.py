from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, inspect, select

from matcher.models import Organisation
from service.storage.database import (
    DatabaseNotReadyError,
    _alembic_config,
    current_revision,
    ensure_up_to_date,
    head_revision,
    make_engine,
    upgrade,
)
from service.storage.rows import organisation_row
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import metadata
from tests.service.conftest import BOTH_BACKENDS, MIXED_IDS, OrganisationFactory

pytestmark = BOTH_BACKENDS


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    ensure_up_to_date(engine)


def test_unmigrated_database_is_refused_with_the_command_to_run(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with pytest.raises(DatabaseNotReadyError, match="bmm init --db"):
            ensure_up_to_date(engine)
    finally:
        engine.dispose()


def test_ids_sort_by_code_point_after_upgrading_a_database_with_data(
    database_url: str, make_organisation: OrganisationFactory
) -> None:
    """Migration 0004 on stored rows: nothing lost, ids then sort as in Python (PostgreSQL: collation "C")."""
    engine = make_engine(database_url)
    try:
        _migrate(engine, "upgrade", "0003")
        _store_at_revision(engine, [make_organisation(id=i) for i in MIXED_IDS])
        upgrade(engine)
        repository = SqlOrganisationRepository(engine)
        assert [o.id for o in repository.iter_all(batch_size=4)] == sorted(MIXED_IDS)
        assert repository.count() == len(MIXED_IDS)
        if engine.dialect.name == "postgresql":
            assert _id_collations(engine) == {"C"}
            _migrate(engine, "downgrade", "0003")
            assert _id_collations(engine) == {None}  # back to the database's default
            upgrade(engine)
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        engine.dispose()


def _store_at_revision(engine: Engine, organisations: list[Organisation]) -> None:
    """Rows as the code writes them today, limited to the columns the database has at its older revision
    (later revisions add columns)."""
    table = Table("organisations", MetaData(), autoload_with=engine)
    now = datetime.now(UTC)
    rows = [{**organisation_row(o), "created_at": now, "updated_at": now} for o in organisations]
    with engine.begin() as connection:
        connection.execute(table.insert(), [{k: v for k, v in row.items() if k in table.c} for row in rows])


def _migrate(engine: Engine, direction: str, revision: str) -> None:
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def _id_collations(engine: Engine) -> set[str | None]:
    inspector = inspect(engine)
    columns = {
        "organisations": "id",
        "organisation_issues": "organisation_id",
        "organisation_measures": "organisation_id",
    }
    return {
        getattr(column["type"], "collation", None)
        for table, name in columns.items()
        for column in inspector.get_columns(table)
        if column["name"] == name
    }


def test_transit_columns_are_filled_when_upgrading_a_database_with_data(
    database_url: str, make_organisation: OrganisationFactory
) -> None:
    """Migration 0006 derives transit class and stops of rows stored before it, as the profile builder does."""
    engine = make_engine(database_url)
    try:
        _migrate(engine, "upgrade", "0005")
        organisations = [make_organisation(id=i) for i in MIXED_IDS]
        _store_at_revision(engine, organisations)
        upgrade(engine)
        stored = {o.id: o for o in SqlOrganisationRepository(engine).iter_all(batch_size=4)}
        for organisation in organisations:
            features = stored[organisation.id].features
            assert features.transit_class == organisation.features.transit_class
            assert features.transit_stop == organisation.features.transit_stop
            assert features.transit_stops == organisation.features.transit_stops
            assert len(features.transit_stops) == 4
    finally:
        engine.dispose()


def test_location_precision_is_decided_from_what_is_stored_when_upgrading(
    database_url: str, make_organisation: OrganisationFactory
) -> None:
    """Migration 0007: 'exact' rows become coordinates, postcode (their point is the postcode centroid) or
    municipality (the municipality's centre); 'postcode' rows stay; the downgrade maps back."""
    engine = make_engine(database_url)
    try:
        _migrate(engine, "upgrade", "0006")
        organisations = [
            make_organisation(id="site", lat=51.4820, lon=7.2190, postcode="44787"),
            make_organisation(id="centroid", lat=51.48062, lon=7.22001, postcode="44787"),
            make_organisation(id="centre", lat=51.438718, lon=7.337177),  # Witten's centre point
            make_organisation(id="plz", lat=None, lon=None, postcode="44787"),
        ]
        _store_at_revision(engine, organisations)
        old = {"site": "exact", "centroid": "exact", "centre": "exact", "plz": "postcode"}
        table = Table("organisations", MetaData(), autoload_with=engine)
        with engine.begin() as connection:
            for organisation_id, precision in old.items():
                connection.execute(
                    table.update().where(table.c.id == organisation_id).values(location_precision=precision)
                )
        upgrade(engine)
        stored = {o.id: o.location.precision.value for o in SqlOrganisationRepository(engine).iter_all()}
        assert stored == {"site": "coordinates", "centroid": "postcode", "centre": "municipality", "plz": "postcode"}
        assert stored == {o.id: o.location.precision.value for o in organisations}  # as the resolver decides now
        _migrate(engine, "downgrade", "0006")
        with engine.connect() as connection:
            rows = dict(connection.execute(select(table.c.id, table.c.location_precision)).all())
        assert rows == {"site": "exact", "centroid": "exact", "centre": "exact", "plz": "postcode"}
        assert "geocode_cache" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
