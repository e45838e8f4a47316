"""The bulk path of the repository (``add_bulk``: COPY on PostgreSQL, executemany on SQLite): the same rows as
``add_many``, all or nothing, change log and upsert as before."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from matcher.models import Organisation
from service.storage import bulk
from service.storage.repository import DuplicateIdError, WriteMode
from service.storage.rows import JSON_COLUMNS, ROW_COLUMNS, StoredRow, stored_row
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_changes, organisation_issues, organisation_measures, organisations
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

pytestmark = BOTH_BACKENDS


def _batches(items: Sequence[Organisation], size: int) -> Iterator[list[StoredRow]]:
    for start in range(0, len(items), size):
        yield [stored_row(o) for o in items[start : start + size]]


def _table_rows(engine: Engine) -> list[tuple[Any, ...]]:
    """Every stored cell but the timestamps, as the database returns it; the JSON columns read as text and parsed
    (the bulk path writes compact JSON, ``add_many`` ``json.dumps``' spelling: the same values either way, while
    a SQL NULL and a JSON ``null`` stay apart)."""
    json_columns = [i for i, c in enumerate(ROW_COLUMNS) if c in JSON_COLUMNS]
    columns = ", ".join(f"CAST({c} AS TEXT)" if c in JSON_COLUMNS else c for c in ROW_COLUMNS)
    with engine.connect() as connection:
        rows = [list(r) for r in connection.execute(text(f"SELECT {columns} FROM organisations ORDER BY id"))]
        issues = connection.execute(select(organisation_issues).order_by(*organisation_issues.c)).all()
        measures = connection.execute(select(organisation_measures).order_by(*organisation_measures.c)).all()
    for row in rows:
        for i in json_columns:
            row[i] = None if row[i] is None else ("JSON", json.loads(row[i]))
    return [tuple(r) for r in rows] + [tuple(r) for r in issues] + [tuple(r) for r in measures]


def _sample(make_organisation: OrganisationFactory) -> list[Organisation]:
    return [
        make_organisation(id="b-1", contact={"name": "Erika Mustermann", "email": "e@example.org"}),
        make_organisation(id="b-2", lat=None, lon=None, postcode="70173", issues=[], measures_in_place=[]),
        make_organisation(id="b-3", name="Bäckerei „Süd“ – 'quoted' \\ tab\there", address="Weg 1\nHof"),
        make_organisation(id="b-4", lat=54.0, lon=10.0, sector=None, visible_to_peers=True),  # outside NRW/BW
    ]


def test_bulk_stores_the_same_rows_as_add_many(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    sample = _sample(make_organisation)
    repository.add_many(sample)
    expected = _table_rows(engine)
    loaded = repository.get_many([o.id for o in sample])
    with engine.begin() as connection:
        for table in (organisation_issues, organisation_measures, organisations):
            connection.execute(table.delete())
    result = repository.add_bulk([o.id for o in sample], _batches(sample, 3))
    assert (result.created, result.updated) == (4, 0)
    assert _table_rows(engine) == expected
    assert repository.get_many([o.id for o in sample]) == loaded == sorted(sample, key=lambda o: o.id)


def test_bulk_upsert_replaces_children_keeps_creation_time_and_logs_every_id(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    repository.add_many([make_organisation(id="u1", employees=10)])
    with engine.connect() as connection:
        created = connection.execute(select(organisations.c.created_at).where(organisations.c.id == "u1")).scalar()
    revision = repository.revision()
    batch = [make_organisation(id="u1", employees=99, issues=["congestion"]), make_organisation(id="u2")]
    result = repository.add_bulk(["u1", "u2"], _batches(batch, 1), mode=WriteMode.UPSERT)
    assert (result.created, result.updated) == (1, 1)
    stored = repository.get("u1")
    assert stored is not None
    assert stored.employees == 99
    assert [i.value for i in stored.issues] == ["congestion"]
    with engine.connect() as connection:
        assert connection.execute(select(organisations.c.created_at).where(organisations.c.id == "u1")).scalar() == (
            created
        )
    assert sorted(repository.changes_since(revision).ids or []) == ["u1", "u2"]


def test_bulk_insert_of_a_stored_id_fails_and_stores_nothing(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    repository.add_many([make_organisation(id="a")])
    before, revision = _table_rows(engine), repository.revision()
    batch = [make_organisation(id="b"), make_organisation(id="a")]
    with pytest.raises(DuplicateIdError) as raised:
        repository.add_bulk(["b", "a"], _batches(batch, 1))
    assert raised.value.ids == ["a"]
    assert _table_rows(engine) == before
    assert repository.revision() == revision


def _indexes(engine: Engine) -> dict[str, list[Any]]:
    tables = (organisations, organisation_issues, organisation_measures)
    found = inspect(engine)
    return {table.name: sorted(found.get_indexes(table.name), key=lambda index: str(index["name"])) for table in tables}


@pytest.fixture(params=["small load", "large load"])
def load_size(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every load of the test as a small one (indexes kept) or, on SQLite, a large one (indexes dropped and
    created again at the end of the transaction)."""
    if request.param == "large load":
        monkeypatch.setattr(bulk, "REINDEX_MIN_ROWS", 1)
    return str(request.param)


def test_a_large_load_stores_the_same_rows_and_creates_the_indexes_again(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine, load_size: str
) -> None:
    sample = _sample(make_organisation)
    indexes = _indexes(engine)
    assert all(indexes.values())  # something to drop and rebuild in every table
    repository.add_many(sample)
    expected = _table_rows(engine)
    with engine.begin() as connection:
        for table in (organisation_issues, organisation_measures, organisations):
            connection.execute(table.delete())
    repository.add_bulk([o.id for o in sample], _batches(sample, 3))
    assert _table_rows(engine) == expected
    assert _indexes(engine) == indexes


def test_a_failure_after_the_first_batch_rolls_everything_back(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine, load_size: str
) -> None:
    """A failure while the spool is read (or the database fails) after rows were loaded leaves nothing behind,
    the indexes a large load dropped included."""
    repository.add_many([make_organisation(id="keep", employees=5)])
    before, revision, indexes = _table_rows(engine), repository.revision(), _indexes(engine)
    batch = [make_organisation(id=f"t-{i}") for i in range(5)] + [make_organisation(id="keep", employees=7)]

    def failing() -> Iterator[list[StoredRow]]:
        batches = _batches(batch, 2)
        yield next(batches)
        yield next(batches)
        raise OSError("spool unreadable")

    with pytest.raises(OSError, match="spool unreadable"):
        repository.add_bulk([o.id for o in batch], failing(), mode=WriteMode.UPSERT)
    assert _table_rows(engine) == before
    assert _indexes(engine) == indexes
    assert repository.revision() == revision
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(organisation_changes)).scalar() == 1


def test_an_id_stored_by_a_racing_writer_during_the_load_is_a_duplicate_and_nothing_is_kept(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, engine: Engine
) -> None:
    """An id stored between the check and the load is the database's unique violation, raised inside COPY;
    it is reported as the duplicate id and the rows loaded before it are rolled back."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: the race cannot happen")
    batch = [make_organisation(id="r-1"), make_organisation(id="r-2")]

    def racing() -> Iterator[list[StoredRow]]:
        yield [stored_row(batch[0])]
        SqlOrganisationRepository(engine).add_many([batch[1]])  # another writer, committed before our COPY
        yield [stored_row(batch[1])]

    with pytest.raises(DuplicateIdError) as raised:
        repository.add_bulk(["r-1", "r-2"], racing())
    assert raised.value.ids == ["r-2"]
    assert [o.id for o in repository.iter_all()] == ["r-2"]


def test_stored_ids(repository: SqlOrganisationRepository, make_organisation: OrganisationFactory) -> None:
    repository.add_many([make_organisation(id="s-1"), make_organisation(id="s-2")])
    assert repository.stored_ids(["s-2", "s-3"]) == {"s-2"}
