"""The import's bulk path on SQLite and PostgreSQL: chunks spooled and loaded in one transaction (COPY or
executemany), all or nothing, change log and upsert as before."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from matcher.profiles import ProfileBuilder
from service.io import ImportFailed, ImportReport, import_organisations
from service.storage import sql_repository
from service.storage.repository import WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_changes, organisation_issues, organisations
from tests.service.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

HEADER = "id,kind,name,sector,employees,lat,lon,postcode,issues,measures_in_place"


def _member_list(rows: int, employees: int = 10) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        where = "51.4434,7.3526," if i % 2 else ",,44135"  # coordinates or a postcode only
        lines.append(f"m{i:03d},company,Firma {i},C,{employees + i},{where},congestion,carpool_matching")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _snapshot(engine: Engine) -> tuple[object, ...]:
    with engine.connect() as connection:
        return (
            connection.execute(select(organisations.c.id, organisations.c.employees).order_by("id")).all(),
            connection.execute(select(func.count()).select_from(organisation_issues)).scalar(),
            connection.execute(select(func.count()).select_from(organisation_changes)).scalar(),
        )


def test_an_import_in_many_chunks_stores_every_row_once(
    repository: SqlOrganisationRepository, builder: ProfileBuilder, engine: Engine
) -> None:
    result = import_organisations(_member_list(23), repository, builder, filename="list.csv", chunk_size=5)
    assert isinstance(result, ImportReport)
    assert (result.rows, result.created, result.updated) == (23, 23, 0)
    stored = repository.get_many([f"m{i:03d}" for i in range(23)])
    assert [o.employees for o in stored] == [10 + i for i in range(23)]
    assert all([i.value for i in o.issues] == ["congestion"] for o in stored)
    assert stored[0].postcode == "44135"
    assert stored[1].lat == 51.4434
    again = import_organisations(_member_list(23, 100), repository, builder, filename="list.csv", chunk_size=5)
    assert isinstance(again, ImportReport)
    assert (again.created, again.updated) == (0, 23)
    replaced = repository.get("m022")
    assert replaced is not None
    assert replaced.employees == 122


def test_a_store_failure_after_the_bulk_load_changes_nothing(
    repository: SqlOrganisationRepository, builder: ProfileBuilder, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every chunk is loaded (COPY / executemany), then the change log fails: the upsert of stored ids and the
    new rows are rolled back together."""
    first = import_organisations(_member_list(4), repository, builder, filename="list.csv")
    assert isinstance(first, ImportReport)
    before = _snapshot(engine)

    def broken_log(*_args: object) -> None:
        raise RuntimeError("simulated failure at the end of the transaction")

    monkeypatch.setattr(sql_repository, "log_changes", broken_log)
    with pytest.raises(RuntimeError, match="simulated failure"):
        import_organisations(
            _member_list(12, 500), repository, builder, filename="list.csv", chunk_size=3, mode=WriteMode.UPSERT
        )
    assert _snapshot(engine) == before


def test_an_insert_of_stored_ids_names_their_rows_and_stores_nothing(
    repository: SqlOrganisationRepository, builder: ProfileBuilder, engine: Engine
) -> None:
    import_organisations(_member_list(2), repository, builder, filename="list.csv")
    before = _snapshot(engine)
    result = import_organisations(
        _member_list(6), repository, builder, filename="list.csv", chunk_size=2, mode=WriteMode.INSERT
    )
    assert isinstance(result, ImportFailed)
    assert [(e.row, e.field) for e in result.errors] == [(2, "id"), (3, "id")]
    assert "bereits gespeichert" in result.errors[0].message
    assert _snapshot(engine) == before
