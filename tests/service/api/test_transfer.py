"""/api/v1/organisations/import and /export: every role, the file variants, all-or-nothing, limits, round trips."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from service.api.app import create_app
from service.api.uploads import XLSX_MEDIA_TYPE
from service.auth import Role
from service.config import ServiceSettings
from service.io import ExportFormat
from service.io.columns import CONTACT_COLUMNS
from service.io.exporting import EXPORT_COLUMNS
from service.storage.database import make_engine
from service.storage.locks import import_lock
from service.storage.repository import OrganisationRepository
from tests.factories import api_key_headers, migrated_sqlite

URL = "/api/v1/organisations"
IMPORT = f"{URL}/import"
EXPORT = f"{URL}/export"
PROBLEM = "application/problem+json"
XLSX = XLSX_MEDIA_TYPE
SMALL_LIMIT = 64 * 1024  # the import limit of the second app (round trips stay far below it)

DORTMUND = {"lat": 51.5136, "lon": 7.4653}  # Kreis 05913, territory of ihk_dortmund
WITTEN = {"lat": 51.4434, "lon": 7.3526}  # Kreis 05954 (DE-NW)
STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # DE-BW
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}
# Rows the import tests write lie in Munich (DE-BY): outside every planner region of this module.
MUNICH = "48,1372;11,5755"

SEED: dict[str, dict[str, Any]] = {
    "org-a": {  # visible, consent: in Dortmund, a company (served by ihk_dortmund)
        "kind": "company",
        "name": "Alpha Logistik GmbH",
        "sector": "H",
        "employees": 250,
        **DORTMUND,
        "postcode": "44135",
        "address": "Hafenstraße 1, Dortmund",
        "estate": "Hafen Dortmund",
        "issues": ["parking_shortage", "shift_work"],
        "measures_in_place": ["carpool_matching"],
        "shift_work": True,
        "visible_to_peers": True,
        "contact_shareable": True,
        "contact": CONTACT,
    },
    "org-b": {  # hidden from peers and planners; a craft business (not served by ihk_dortmund)
        "kind": "craft_business",
        "name": "Beta Bäckerei",
        "sector": "C",
        "employees": 30,
        **DORTMUND,
        "address": "Backweg 2",
        "visible_to_peers": False,
        "contact_shareable": True,
        "contact": CONTACT,
    },
    "org-c": {  # visible, no consent
        "kind": "company",
        "name": "Gamma Werk AG",
        "sector": "C",
        "employees": 800,
        **WITTEN,
        "address": "Werkstraße 3",
        "issues": ["parking_shortage"],
        "visible_to_peers": True,
        "contact_shareable": False,
        "contact": CONTACT,
    },
    "org-d": {  # postcode only, outside the advisor's territory
        "kind": "municipality",
        "name": "Stadt Delta",
        "employees": 1200,
        "postcode": "70173",
        "visible_to_peers": True,
        "contact_shareable": True,
        "contact": {"email": "rathaus@example.de"},
    },
    "syn-e": {  # a synthetic demo organisation, visible in Dortmund
        "kind": "company",
        "name": "Epsilon Spedition (Demo)",
        "sector": "H",
        "employees": 60,
        **DORTMUND,
        "visible_to_peers": True,
        "synthetic": True,
    },
}


def _repository(client: TestClient) -> OrganisationRepository:
    repository: OrganisationRepository = client.app.state.repository  # type: ignore[attr-defined]
    return repository


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "admin": api_key_headers(client, Role.ADMIN),
        "advisor": api_key_headers(client, Role.ADVISOR, "ihk_dortmund"),
        "planner_dortmund": api_key_headers(client, Role.PLANNER, "05913"),
        "planner_nw": api_key_headers(client, Role.PLANNER, "DE-NW"),
        "org_a": api_key_headers(client, Role.ORGANISATION, "org-a"),
        "org_c": api_key_headers(client, Role.ORGANISATION, "org-c"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient) -> dict[str, Organisation]:
    builder: ProfileBuilder = client.app.state.live.current().builder  # type: ignore[attr-defined]
    organisations = {i: builder.build(OrganisationProfile.model_validate(p), i) for i, p in SEED.items()}
    _repository(client).add_many(list(organisations.values()))
    return organisations


@pytest.fixture(scope="module")
def second(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """Another app: an empty database and an import limit of SMALL_LIMIT bytes."""
    url = migrated_sqlite(tmp_path_factory.mktemp("transfer") / "empty.db")
    app = create_app(ServiceSettings(database_url=url, import_max_bytes=SMALL_LIMIT))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def empty(second: TestClient) -> TestClient:
    repository = _repository(second)
    for organisation in list(repository.iter_all()):
        repository.delete(organisation.id)
    return second


# -- helpers -------------------------------------------------------------------------------------


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


def _csv(*lines: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _post_csv(client: TestClient, data: bytes, headers: dict[str, str], mode: str = "upsert") -> Any:
    return client.post(IMPORT, params={"mode": mode}, content=data, headers={**headers, "Content-Type": "text/csv"})


def _rows(response: Any) -> dict[str, dict[str, str]]:
    """The exported CSV by id (checks the download headers on the way)."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="bmm-organisationen-')
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert tuple(reader.fieldnames or ()) == EXPORT_COLUMNS  # the import columns, then location_precision
    return {row["id"]: row for row in reader}


def _seeded(rows: dict[str, Any]) -> list[str]:
    return sorted(i for i in rows if i in SEED)


def _export(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, dict[str, str]]:
    return _rows(client.get(EXPORT, params=params, headers=headers))


# -- who may do what ---------------------------------------------------------------------------------


def test_no_key_is_401_for_both(client: TestClient) -> None:
    for response in (client.get(EXPORT), _post_csv(client, b"", {})):
        _problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "ApiKey"


@pytest.mark.parametrize("role", ["advisor", "planner_dortmund", "org_a"])
def test_only_admin_may_import(client: TestClient, auth: dict[str, dict[str, str]], role: str) -> None:
    data = _csv("id;kind;name;sector;employees;lat;lon", f"imp-x;company;X GmbH;H;5;{MUNICH}")
    _problem(_post_csv(client, data, auth[role]), 403)
    assert _repository(client).get("imp-x") is None


def test_admin_exports_everything_with_contact_data(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    rows = _export(client, auth["admin"])
    assert _seeded(rows) == sorted(SEED)
    assert rows["org-b"]["contact_email"] == CONTACT["email"]
    assert rows["org-c"]["address"] == "Werkstraße 3"
    assert rows["org-a"]["issues"] == "parking_shortage;shift_work"
    assert rows["org-d"]["lat"] == rows["org-d"]["sector"] == ""  # empty cells: not given


def test_advisor_gets_all_profiles_but_contacts_only_with_consent_in_territory(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    rows = _export(client, auth["advisor"])
    assert _seeded(rows) == sorted(SEED)
    assert rows["org-a"]["contact_email"] == CONTACT["email"]
    assert rows["org-a"]["address"] == "Hafenstraße 1, Dortmund"
    for hidden in ("org-b", "org-c", "org-d"):  # kind not served, no consent, outside the territory
        assert rows[hidden]["contact_name"] == rows[hidden]["contact_email"] == rows[hidden]["address"] == ""
    assert rows["org-b"]["employees"] == "30"  # the full profile otherwise


def test_planner_gets_visible_organisations_of_its_region_as_name_and_location(
    client: TestClient, auth: dict[str, dict[str, str]], seeded: dict[str, Organisation]
) -> None:
    response = client.get(EXPORT, headers=auth["planner_dortmund"])
    rows = _rows(response)
    assert sorted(rows) == ["org-a", "syn-e"]
    assert b"Beta" not in response.content
    row = rows["org-a"]
    shown = {column for column, value in row.items() if value}
    assert shown == {
        "id", "kind", "name", "estate", "lat", "lon", "synthetic", "location_precision", "address", *CONTACT_COLUMNS
    }  # fmt: skip
    assert row["location_precision"] == "coordinates"
    assert float(row["lat"]) == seeded["org-a"].location.lat
    assert row["contact_email"] == CONTACT["email"]  # consent, visible, in region
    nw = _export(client, auth["planner_nw"])
    assert sorted(nw) == ["org-a", "org-c", "syn-e"]
    assert nw["org-c"]["contact_email"] == nw["org-c"]["address"] == ""  # no consent
    assert nw["org-c"]["employees"] == nw["org-c"]["visible_to_peers"] == ""


def test_organisation_gets_only_itself_with_its_contact(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert list(_export(client, auth["org_a"])) == ["org-a"]
    rows = _export(client, auth["org_c"])
    assert list(rows) == ["org-c"]
    assert rows["org-c"]["contact_email"] == CONTACT["email"]  # its own, shared or not
    assert _export(client, auth["org_c"], q="alpha") == {}


def test_geojson_for_planners_keeps_the_synthetic_flag_and_hides_the_rest(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.get(EXPORT, params={"format": "geojson"}, headers=auth["planner_dortmund"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    features = {f["id"]: f for f in response.json()["features"]}
    assert sorted(features) == ["org-a", "syn-e"]
    synthetic = features["syn-e"]["properties"]
    assert synthetic["synthetic"] is True
    assert synthetic["name"] == "Epsilon Spedition (Demo)"
    assert synthetic["employees"] is None
    assert synthetic["issues"] is None
    assert synthetic["kreis_code"] == "05913"
    assert features["org-a"]["properties"]["synthetic"] is False
    assert features["org-a"]["geometry"]["type"] == "Point"


def test_export_applies_the_list_filters_within_the_scope(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert _seeded(_export(client, auth["admin"], kind="municipality")) == ["org-d"]
    assert _seeded(_export(client, auth["admin"], q="GAMMA")) == ["org-c"]
    assert _seeded(_export(client, auth["admin"], bbox="9.0,48.7,9.3,48.9")) == ["org-d"]
    assert _seeded(_export(client, auth["admin"], kreis="05913", issue="shift_work")) == ["org-a"]
    assert _export(client, auth["planner_nw"], state="DE-BW") == {}
    assert _export(client, auth["planner_dortmund"], q="beta") == {}  # a name search finds no hidden name
    body = _problem(client.get(EXPORT, params={"kreis": "5913"}, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["query", "kreis"]
    body = _problem(client.get(EXPORT, params={"format": "pdf"}, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["query", "format"]


def test_xlsx_export_is_a_workbook_with_the_import_columns(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get(EXPORT, params={"format": "xlsx"}, headers=auth["planner_dortmund"])
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    assert tuple(header) == EXPORT_COLUMNS
    assert sorted(str(row[0]) for row in rows) == ["org-a", "syn-e"]


# -- import: file variants -----------------------------------------------------------------------------


def test_semicolon_csv_with_bom_pipe_lists_and_empty_cells(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    data = _csv(
        "id;kind;name;sector;employees;lat;lon;postcode;issues;shift_work;contact_email;estate",
        f'imp-s1;company;"Müller; Söhne GmbH";H;120;{MUNICH};;parking_shortage|shift_work;ja;m@example.de;',
        "imp-s2;municipality;Gemeinde Ost;;40;;;80331;;;;",
        bom=True,
    )
    response = _post_csv(client, data, auth["admin"])
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == 2
    assert response.json()["created"] + response.json()["updated"] == 2
    first = _repository(client).get("imp-s1")
    assert first is not None
    assert first.name == "Müller; Söhne GmbH"
    assert [i.value for i in first.issues] == ["parking_shortage", "shift_work"]
    assert first.contact is not None
    assert first.contact.email == "m@example.de"
    assert (first.estate, first.postcode, first.visible_to_peers) == (None, None, False)
    second = _repository(client).get("imp-s2")
    assert second is not None
    assert (second.sector, second.lat, second.location.state) == (None, None, "DE-BY")


def test_comma_csv_as_multipart_upload(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    data = _csv("id,kind,name,sector,employees,postcode,measures_in_place", "imp-m1,company,Komma AG,G,7,80331,")
    response = client.post(IMPORT, files={"file": ("firmen.csv", data, "text/csv")}, headers=auth["admin"])
    assert response.status_code == 200, response.text
    stored = _repository(client).get("imp-m1")
    assert stored is not None
    assert stored.measures_in_place == []


@pytest.mark.parametrize("as_multipart", [False, True])
def test_xlsx_upload(client: TestClient, auth: dict[str, dict[str, str]], as_multipart: bool) -> None:
    organisation_id = f"imp-x{int(as_multipart)}"
    data = _xlsx(
        [
            ["id", "kind", "name", "sector", "employees", "lat", "lon", "postcode", "issues", "visible_to_peers"],
            [organisation_id, "craft_business", "Tischlerei", "C", 12, 48.1372, 11.5755, None, "congestion|", True],
        ]
    )
    if as_multipart:
        response = client.post(IMPORT, files={"file": ("betriebe.xlsx", data, XLSX)}, headers=auth["admin"])
    else:
        response = client.post(IMPORT, content=data, headers={**auth["admin"], "Content-Type": XLSX})
    assert response.status_code == 200, response.text
    stored = _repository(client).get(organisation_id)
    assert stored is not None
    assert (stored.employees, stored.visible_to_peers, [i.value for i in stored.issues]) == (12, True, ["congestion"])


def test_insert_refuses_stored_ids_naming_the_row_and_upsert_replaces(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    header = "id;kind;name;sector;employees;lat;lon"
    first = _post_csv(client, _csv(header, f"imp-u1;company;Erst GmbH;H;10;{MUNICH}"), auth["admin"], mode="insert")
    assert first.json()["created"] == 1
    both = _csv(header, f"imp-u2;company;Neu GmbH;H;20;{MUNICH}", f"imp-u1;company;Zweit GmbH;H;11;{MUNICH}")
    body = _problem(_post_csv(client, both, auth["admin"], mode="insert"), 422)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "id")]
    assert "imp-u1" in body["errors"][0]["message"]
    assert _repository(client).get("imp-u2") is None  # nothing stored
    upserted = _post_csv(client, both, auth["admin"], mode="upsert").json()
    assert (upserted["created"], upserted["updated"]) == (1, 1)
    replaced = _repository(client).get("imp-u1")
    assert replaced is not None
    assert (replaced.name, replaced.employees) == ("Zweit GmbH", 11)


def test_invalid_rows_are_all_reported_and_nothing_is_stored(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    data = _csv(
        "id;kind;name;sector;employees;lat;lon;postcode;contact_email",
        f"imp-v1;company;Gut GmbH;H;10;{MUNICH};;",
        f"imp-v2;spaceship;Raumschiff;H;10;{MUNICH};;",
        f"imp-v3;company;Zehn GmbH;H;zehn;{MUNICH};;",
        "imp-v4;company;Ortlos GmbH;H;10;;;;",
        f"imp-v5;company;Post GmbH;H;10;{MUNICH};;kein-mail",
    )
    before = _repository(client).count()
    body = _problem(_post_csv(client, data, auth["admin"]), 422)
    found = {(e["row"], e["field"]) for e in body["errors"]}
    assert {(3, "kind"), (4, "employees"), (6, "contact_email")} <= found
    assert any(row == 5 for row, _ in found)
    assert body["error_count"] == len(body["errors"])
    assert body["omitted"] == 0
    assert body["errors"][0]["loc"][0] == "body"
    assert all(e["message"] for e in body["errors"])
    assert "kein-mail" not in json.dumps(body)  # contact input is never echoed
    assert _repository(client).count() == before
    assert _repository(client).get("imp-v1") is None


@pytest.mark.parametrize(
    ("data", "content_type", "needle"),
    [
        (b"id;kind;name;employees;postcode\nx;company;M\xfcller \x81;5;80331\n", "text/csv", "Byte 0x81"),
        (b"", "text/csv", "leer"),
        (b"   \r\n", "text/csv", "leer"),
        (b'id,kind,name,employees,postcode\nx,company,"offen,5,80331\n', "text/csv", "Anführungszeichen"),
        (b"unbekannt,spalten\n1,2\n", "text/csv", "Pflichtspalte(n) fehlen"),
        (b"PK\x03\x04kaputt", XLSX, "XLSX"),
        (b"{kein json", "application/geo+json", "JSON"),
    ],
)
def test_unreadable_files_are_422_in_german(
    client: TestClient, auth: dict[str, dict[str, str]], data: bytes, content_type: str, needle: str
) -> None:
    response = client.post(IMPORT, content=data, headers={**auth["admin"], "Content-Type": content_type})
    body = _problem(response, 422)
    assert needle in " ".join(e["message"] for e in body["errors"])


def test_unsupported_uploads(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _problem(client.post(IMPORT, content=b"a", headers={**auth["admin"], "Content-Type": "image/png"}), 415)
    assert "text/csv" in body["detail"]
    body = _problem(client.post(IMPORT, files={"file": ("alt.xls", b"\xd0\xcf\x11\xe0")}, headers=auth["admin"]), 422)
    assert ".xls" in body["errors"][0]["message"]
    body = _problem(client.post(IMPORT, files={"datei": ("a.csv", b"x")}, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["body", "file"]
    _problem(client.post(IMPORT, params={"mode": "merge"}, content=b"", headers=auth["admin"]), 422)
    no_boundary = {**auth["admin"], "Content-Type": "multipart/form-data"}
    assert "multipart" in _problem(client.post(IMPORT, content=b"x", headers=no_boundary), 400)["detail"]


def test_one_import_at_a_time(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    data = _csv("id;kind;name;sector;employees;lat;lon", f"imp-l1;company;X GmbH;H;5;{MUNICH}")
    # Another process's import: the lock is a row in the shared database, taken here over a second engine.
    other = make_engine(str(client.app.state.repository.engine.url))  # type: ignore[attr-defined]
    with import_lock(other):
        body = _problem(_post_csv(client, data, auth["admin"]), 409)
        assert "läuft bereits ein Import" in body["detail"]
    other.dispose()
    assert _post_csv(client, data, auth["admin"]).status_code == 200


def test_bodies_above_the_import_limit_are_413(second: TestClient) -> None:
    admin = api_key_headers(second, Role.ADMIN)
    header = b"id;kind;name;sector;employees;lat;lon\r\n"
    data = header + b"".join(f"big-{n};company;Firma {n};H;5;{MUNICH}\r\n".encode() for n in range(SMALL_LIMIT // 30))
    assert len(data) > SMALL_LIMIT

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        for start in range(0, len(data), 4096):
            yield data[start : start + 4096]

    for response in (
        _post_csv(second, data, admin),
        second.post(IMPORT, content=chunks(), headers={**admin, "Content-Type": "text/csv"}),
        second.post(IMPORT, files={"file": ("big.csv", data)}, headers=admin),
    ):
        assert "65.536 Bytes" in _problem(response, 413)["detail"]
    assert _repository(second).count() == 0
    assert _post_csv(second, header + f"ok;company;Klein;H;5;{MUNICH}".encode(), admin).status_code == 200


def test_other_paths_keep_the_default_limit(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = b"{" + b" " * (11 * 1024 * 1024) + b"}"
    _problem(client.post(URL, content=body, headers={**auth["admin"], "Content-Type": "application/json"}), 413)


# -- round trips -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "csv-excel", "xlsx", "geojson"])
def test_export_then_import_into_an_empty_database_gives_the_same_data(
    client: TestClient, auth: dict[str, dict[str, str]], empty: TestClient, file_format: str
) -> None:
    exported = client.get(EXPORT, params={"format": file_format}, headers=auth["admin"])
    assert exported.status_code == 200
    filename = f"export{ExportFormat(file_format).suffix}"
    assert exported.headers["content-disposition"].endswith(f'{filename.removeprefix("export")}"')
    if file_format == "csv-excel":
        assert exported.content.startswith(b"\xef\xbb\xbfid;kind;name;")
        assert re.search(rb";\d{1,2},\d+;", exported.content)  # a coordinate with a decimal comma
    admin = api_key_headers(empty, Role.ADMIN)
    upload = {"file": (filename, exported.content)}
    response = empty.post(IMPORT, params={"mode": "insert"}, files=upload, headers=admin)
    assert response.status_code == 200, response.text
    source = {o.id: o for o in _repository(client).iter_all()}
    target = {o.id: o for o in _repository(empty).iter_all()}
    assert response.json()["created"] == len(source) == len(target)
    assert set(target) == set(source)
    for organisation_id, organisation in source.items():
        # the synthetic flag travels too: re-imported demo profiles stay flagged as synthetic
        assert target[organisation_id] == organisation, organisation_id


# -- large files ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_import_of_100k_rows_over_http(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "large.db")
    places = [(51.5136, 7.4653), (51.4434, 7.3526), (48.7758, 9.1829), (48.1372, 11.5755)]
    rng = random.Random(7)
    lines = ["id;kind;name;sector;employees;lat;lon;issues;visible_to_peers"]
    for n in range(100_000):
        lat, lon = places[n % len(places)]
        lat += rng.uniform(-0.005, 0.005)
        lon += rng.uniform(-0.005, 0.005)
        lines.append(f"big-{n:06d};company;Firma {n};H;{rng.randint(1, 5000)};{lat:.5f};{lon:.5f};congestion;ja")
    data = _csv(*lines)
    with TestClient(create_app(ServiceSettings(database_url=url))) as large:
        admin = api_key_headers(large, Role.ADMIN)
        response = large.post(IMPORT, files={"file": ("gross.csv", data)}, headers=admin)
        assert response.status_code == 200, response.text
        assert response.json()["created"] == 100_000
        exported = large.get(EXPORT, headers=admin)
        assert exported.status_code == 200
        assert exported.content.count(b"\n") == 100_001


def test_dry_run_reports_detection_and_mapping_and_stores_nothing(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    data = (
        "Betriebsnummer;Betrieb;PLZ;Ort;WZ-Code;GK;Farbe\r\n"
        "hwk-dry-1;Dachdecker Müller;44787;Bochum;43.91.0;10 bis 49;rot\r\n"
    ).encode("cp1252")
    headers = {**auth["admin"], "Content-Type": "text/csv"}
    before = _repository(client).count()
    response = client.post(IMPORT, params={"dry_run": "true", "kind": "craft_business"}, content=data, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True
    assert (body["rows"], body["created"], body["updated"]) == (1, 1, 0)
    assert body["encoding"].startswith("Windows-1252")
    assert body["delimiter"] == "Semikolon"
    assert body["mapping"] == {
        "Betriebsnummer": "id",
        "Betrieb": "name",
        "PLZ": "postcode",
        "Ort": "city",
        "WZ-Code": "sector",
        "GK": "size_class",
    }
    assert "„Farbe“" in body["warnings"][0]
    assert _repository(client).count() == before
    failed = client.post(IMPORT, params={"dry_run": "true"}, content=data, headers=headers)
    assert failed.status_code == 422
    assert "kind" in failed.json()["errors"][0]["message"]
    assert failed.json()["encoding"].startswith("Windows-1252")
