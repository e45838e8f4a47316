"""The export streams: keyset pages of the repository, written as they are read, no temporary file, and the
same bytes as the file the route wrote before (``export_organisations``)."""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from service.api.routes import transfer
from service.auth import Role
from service.cli import app as cli
from service.io import exporting
from service.io.exporting import ExportFormat, export_csv, export_organisations
from service.storage.repository import OrganisationQuery
from service.storage.sql_repository import SqlOrganisationRepository
from tests.factories import api_key_headers

ROWS = 57
PAGE = 10
EXPORT = "/api/v1/organisations/export"


@pytest.fixture(scope="module")
def stored(client: TestClient) -> list[Organisation]:
    builder: ProfileBuilder = client.app.state.live.current().builder  # type: ignore[attr-defined]
    profiles = [
        {"kind": "company", "name": f"Firma „{n}“ – Süd", "sector": "C", "employees": 5 + n, "postcode": "44135",
         "contact": {"name": "Erika Mustermann", "email": f"e{n}@example.org"}, "issues": ["congestion"]}
        for n in range(ROWS)
    ]  # fmt: skip
    organisations = [builder.build(OrganisationProfile.model_validate(p), f"s-{n:03d}") for n, p in enumerate(profiles)]
    repository(client).add_many(organisations)
    # Loaded now, so that the revision watcher (service/freshness.py) loads no pages in the background later.
    client.app.state.live.refresh()  # type: ignore[attr-defined]
    return sorted(organisations, key=lambda o: o.id)


def repository(client: TestClient) -> SqlOrganisationRepository:
    found: SqlOrganisationRepository = client.app.state.repository  # type: ignore[attr-defined]
    return found


@pytest.fixture
def pages(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every page the repository loads from now on."""
    loaded: list[int] = []
    load = SqlOrganisationRepository._load

    def spy(self: SqlOrganisationRepository, connection: Any, ids: Sequence[str]) -> Any:
        loaded.append(len(ids))
        return load(self, connection, ids)

    monkeypatch.setattr(SqlOrganisationRepository, "_load", spy)
    return loaded


def _file_bytes(organisations: list[Organisation], file_format: ExportFormat, tmp_path: Path) -> bytes:
    """What the route used to write to its temporary file for an admin (contacts included)."""
    path = tmp_path / f"expected{file_format.suffix}"
    encoding = "utf-8-sig" if file_format is ExportFormat.CSV else "utf-8"
    export_organisations(organisations, file_format, path, include_contacts=True, encoding=encoding)
    return path.read_bytes()


@pytest.mark.parametrize("file_format", [ExportFormat.CSV, ExportFormat.CSV_EXCEL, ExportFormat.GEOJSON])
def test_the_route_streams_keyset_pages_and_sends_the_same_bytes_as_the_file_did(
    client: TestClient,
    stored: list[Organisation],
    pages: list[int],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    file_format: ExportFormat,
) -> None:
    def no_temporary_file(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a streamed export writes no temporary file")

    monkeypatch.setattr(transfer, "EXPORT_PAGE_SIZE", PAGE)
    monkeypatch.setattr(tempfile, "mkstemp", no_temporary_file)
    headers = api_key_headers(client, Role.ADMIN)
    response = client.get(EXPORT, params={"format": file_format.value}, headers=headers)
    assert response.status_code == 200, response.text
    assert "content-length" not in response.headers  # streamed, not a file of known size
    assert response.headers["content-disposition"].startswith('attachment; filename="bmm-organisationen-')
    assert response.content == _file_bytes(stored, file_format, tmp_path)
    assert pages == [PAGE] * (ROWS // PAGE) + [ROWS % PAGE]  # never more than one page in memory


def test_xlsx_still_goes_through_a_temporary_file_in_pages(
    client: TestClient, stored: list[Organisation], pages: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "EXPORT_PAGE_SIZE", PAGE)
    response = client.get(EXPORT, params={"format": "xlsx"}, headers=api_key_headers(client, Role.ADMIN))
    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    assert len(pages) == math.ceil(ROWS / PAGE)


def test_keyset_pages_are_read_only_as_the_consumer_asks(
    client: TestClient, stored: list[Organisation], pages: list[int]
) -> None:
    found = repository(client).iter_matching(OrganisationQuery(), batch_size=PAGE)
    first = next(found)
    assert pages == [PAGE]
    rest = list(found)
    assert [first, *rest] == stored
    assert len(pages) == math.ceil(ROWS / PAGE)
    assert [o.id for o in repository(client).iter_matching(OrganisationQuery(), batch_size=ROWS)] == [
        o.id for o in stored
    ]  # a last page that is exactly full ends with one empty read


def test_bmm_export_reads_keyset_pages(
    client: TestClient, stored: list[Organisation], pages: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporting, "EXPORT_PAGE_SIZE", PAGE)
    url = str(repository(client).engine.url)
    result = CliRunner().invoke(cli, ["export", "--db", url, "--include-contacts"])
    assert result.exit_code == 0, result.output
    expected = io.StringIO(newline="")
    export_csv(stored, expected, include_contacts=True)
    assert result.stdout == expected.getvalue().replace("\r\n", "\n")  # the runner's stdout reads newlines as text
    assert pages == [PAGE] * (ROWS // PAGE) + [ROWS % PAGE]
