"""A full disk during an import (issue 17): the import fails with a German 507 problem, and the store —
organisations, their issues and measures, the change log, the import lock — is exactly as before.

The disk is filled honestly (``tests/service/full_disk.py``): the import's transaction runs out of pages
part-way through its inserts and SQLite answers ``SQLITE_FULL``, as on a full disk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.storage.database import POSTGRES_DISK_FULL, is_disk_full
from service.storage.tables import (
    import_locks,
    organisation_changes,
    organisation_issues,
    organisation_measures,
    organisations,
)
from tests.factories import api_key_headers, create_through_api, migrated_sqlite
from tests.service.full_disk import full_disk, organisations_csv, page_count

URL = "/api/v1/organisations"
IMPORT = f"{URL}/import"
ROWS = 3_000  # hundreds of pages: far beyond the head room below
STORE = (organisations, organisation_issues, organisation_measures, organisation_changes, import_locks)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path / "voll.db")
    # No heartbeat during the test: its pruning of the change log would change the store compared below.
    settings = ServiceSettings(database_url=url, reader_heartbeat_seconds=3600, reader_stale_seconds=7200)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _engine(client: TestClient) -> Engine:
    engine: Engine = client.app.state.repository.engine  # type: ignore[attr-defined]
    return engine


def _snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as connection:
        return {table.name: sorted(tuple(row) for row in connection.execute(select(table))) for table in STORE}


def test_a_full_disk_during_an_import_is_a_german_507_and_leaves_the_store_as_it_was(client: TestClient) -> None:
    admin = api_key_headers(client, Role.ADMIN)
    create_through_api(
        client,
        admin,
        {
            f"vorher-{n}": {"kind": "company", "name": f"Vorher {n}", "employees": 20, "lat": 51.51, "lon": 7.46}
            for n in range(3)
        },
    )
    engine = _engine(client)
    before = _snapshot(engine)
    assert len(before["organisations"]) == 3
    assert before["organisation_changes"]
    data = organisations_csv(ROWS)
    with full_disk(engine, page_count(engine)):
        response = client.post(IMPORT, content=data, headers={**admin, "Content-Type": "text/csv"})

    assert response.status_code == 507, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:bmm-match:problem:insufficient-storage"
    assert problem["detail"].startswith("Speicherplatz der Datenbank erschöpft")
    assert "Retry-After" not in response.headers  # retrying does not help until space is freed
    assert _snapshot(engine) == before  # nothing half-written, the import lock released
    assert client.get(URL, headers=admin).json()["total"] == 3  # the live index did not move either

    response = client.post(IMPORT, content=data, headers={**admin, "Content-Type": "text/csv"})
    assert response.status_code == 200, response.text[:500]
    assert response.json()["created"] == ROWS


class _PostgresDiskFullError(Exception):
    sqlstate = POSTGRES_DISK_FULL


class _PostgresShutdownError(Exception):
    sqlstate = "57P01"  # admin_shutdown: the server is restarting, not full


def test_a_full_postgresql_disk_is_told_apart_from_an_unreachable_server() -> None:
    assert is_disk_full(OperationalError("INSERT", {}, _PostgresDiskFullError()))
    assert not is_disk_full(OperationalError("INSERT", {}, _PostgresShutdownError()))
