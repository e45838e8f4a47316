"""The full load's Arrow reader gives exactly the stored rows, whatever the driver (the ADBC SQLite driver in a
child process, PostgreSQL's in batches), also when a nullable column is NULL throughout the first batch."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from matcher.models import Organisation
from service.snapshot import FIELDS, page_of
from service.storage import arrow_columns
from service.storage.database import make_engine
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

pytestmark = BOTH_BACKENDS


def _stored(make_organisation: OrganisationFactory) -> list[Organisation]:
    """Rows without address, contact or coordinates first (in id order), rows with them after."""
    plain = [make_organisation(id=f"a{i}", kind="municipality", sector=None, issues=[], measures_in_place=[])
             for i in range(3)]  # fmt: skip
    full = [
        make_organisation(
            id=f"b{i}", postcode="44135", address=f"Hafenstraße {i}", estate="Hafen Süd", size_class="50–249",
            wz_code="43.21", contact={"name": "Eva Muster", "email": "eva@example.org", "phone": "0231 1"},
            visible_to_peers=bool(i % 2), employees_estimated=True, lat=51.51 + i / 100, lon=7.46,
            measures_in_place=["carpool_matching", "deutschlandticket_job"][: i + 1],
        )
        for i in range(3)
    ]  # fmt: skip
    return plain + full


def _pairs(table: pa.Table) -> list[tuple[str, str]]:
    return sorted(zip(table.column("organisation_id").to_pylist(), table.column("code").to_pylist(), strict=True))


def test_stored_columns_equal_the_stored_organisations(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = _stored(make_organisation)
    repository.add_many(stored)
    monkeypatch.setattr(arrow_columns, "_BATCH_ROWS", 2)  # several batches where batches are used
    found = repository.read_columns(list(FIELDS))
    expected = page_of(stored)
    assert found.organisations.schema == expected.organisations.schema
    assert found.organisations.to_pylist() == expected.organisations.to_pylist()
    assert _pairs(found.issues) == _pairs(expected.issues)
    assert _pairs(found.measures) == _pairs(expected.measures)


def test_an_empty_store_gives_empty_typed_columns(repository: SqlOrganisationRepository) -> None:
    found = repository.read_columns(list(FIELDS))
    assert found.organisations.num_rows == found.issues.num_rows == found.measures.num_rows == 0
    assert found.organisations.schema == arrow_columns.organisation_schema(list(FIELDS))
    assert found.issues.schema == found.measures.schema == arrow_columns.CODE_SCHEMA


def test_a_failed_read_names_the_file_and_the_drivers_error(tmp_path: Path, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the child process reads SQLite files only")
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(RuntimeError, match=r"broken\.db.*(not a database|file is encrypted)"):
        arrow_columns.read_stored_columns(make_engine(f"sqlite:///{broken}"), list(FIELDS))
