"""Geocoding through the API: the import's dry run and answer, location.precision on profiles, a profile write
that keeps a geocoded point, the export column and the vocabulary (stand-in Nominatim on loopback)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth import Role
from service.config import GeocoderKind, ServiceSettings
from tests.factories import api_key_headers, migrated_sqlite
from tests.service.geocoding.stand_in import StandIn, stand_in_server

URL = "/api/v1/organisations"
MEMBER_LIST = (
    "Mitgliedsnummer;Firma;Straße;PLZ;Beschäftigte;WZ 2008\n"
    "G1;Alpha GmbH;Hauptstraße 12;44787;50;25.62\n"
    "G2;Beta GmbH;Unbekannter Weg 1;44787;20;C\n"
).encode()
NEAR_44787 = (51.4820, 7.2190)


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    with stand_in_server() as server:
        server.plant_nominatim("Hauptstraße 12", *NEAR_44787)
        yield server


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, stand_in: StandIn) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("geo") / "bmm-geo.db")
    settings = ServiceSettings(
        database_url=url, geocoder=GeocoderKind.NOMINATIM, geocoder_url=stand_in.url, geocoder_rate=100
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    return api_key_headers(client, Role.ADMIN)


def _import(client: TestClient, admin: dict[str, str], **params: str) -> dict[str, object]:
    response = client.post(
        f"{URL}/import", params={"kind": "company", **params}, content=MEMBER_LIST,
        headers={**admin, "Content-Type": "text/csv"},
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_import_dry_run_then_import_then_a_profile_write(
    client: TestClient, admin: dict[str, str], stand_in: StandIn
) -> None:
    dry = _import(client, admin, dry_run="true")
    assert dry["geocoding"] == {"addresses": 2, "cached": 0, "to_query": 2, "queried": 0, "located": 0}
    assert stand_in.requests == []
    assert client.get(f"{URL}/G1", headers=admin).status_code == 404

    done = _import(client, admin)
    assert done["geocoding"] == {"addresses": 2, "cached": 0, "to_query": 0, "queried": 2, "located": 1}
    alpha = client.get(f"{URL}/G1", headers=admin).json()
    assert alpha["location"]["precision"] == "address"
    assert (alpha["location"]["lat"], alpha["location"]["lon"]) == NEAR_44787
    assert (alpha["lat"], alpha["lon"]) == (None, None)
    assert client.get(f"{URL}/G2", headers=admin).json()["location"]["precision"] == "postcode"

    asked = len(stand_in.requests)
    patched = client.patch(f"{URL}/G1", json={"employees": 55}, headers=admin)
    assert patched.status_code == 200, patched.text
    assert patched.json()["location"]["precision"] == "address"  # from the cache
    moved = client.patch(f"{URL}/G1", json={"address": "Ganz Neue Straße 1"}, headers=admin)
    assert moved.json()["location"]["precision"] == "postcode"  # a request never asks the geocoder
    assert len(stand_in.requests) == asked

    again = _import(client, admin, dry_run="true")
    assert again["geocoding"] == {"addresses": 2, "cached": 2, "to_query": 0, "queried": 0, "located": 0}

    exported = client.get(f"{URL}/export", headers=admin)
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))}
    assert rows["G2"]["location_precision"] == "postcode"
    assert rows["G2"]["lat"] == ""  # the import columns stay what was given


def test_the_vocabulary_labels_the_precisions_in_german(client: TestClient) -> None:
    entries = client.get("/api/v1/vocabulary").json()["location_precisions"]
    assert entries == [
        {"code": "coordinates", "label": "Koordinaten"},
        {"code": "address", "label": "Adresse"},
        {"code": "postcode", "label": "Postleitzahl"},
        {"code": "municipality", "label": "Gemeinde"},
    ]


@pytest.mark.slow  # builds a second app (~3 s)
def test_without_a_geocoder_the_answer_says_so(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = migrated_sqlite(tmp_path_factory.mktemp("nogeo") / "bmm.db")
    with TestClient(create_app(ServiceSettings(database_url=url))) as plain:
        body = _import(plain, api_key_headers(plain, Role.ADMIN), dry_run="true")
    assert body["geocoding"] is None
