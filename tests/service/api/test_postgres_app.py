"""The whole app on PostgreSQL: a smoke test per area. (The other API modules run on SQLite only; the
storage tests run on both backends, see tests/service/conftest.py.)

Ids mix case, '_', '.' and '-' on purpose: the test server's collation is ICU de-DE (where available),
which does not sort them the way Python does; lists and exports must still come in Python's order.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade
from service.storage.feedback import SqlFeedbackStore
from service.storage.repository import OrganisationRepository
from tests.factories import api_key_headers
from tests.service.postgres import PostgresServer

pytestmark = pytest.mark.postgresql

URL = "/api/v1/organisations"
AS_OF = "2026-11-23"
HARBOUR = (51.5300, 7.4400)  # Dortmund, Kreis 05913
WITTEN = {"lat": 51.4434, "lon": 7.3526}  # Ennepe-Ruhr-Kreis 05954
STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # Kreis 08111, DE-BW
MUNICH = "48,1372;11,5755"
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}

# Six firms within 300 m of Dortmund harbour with parking shortage: one cluster, and each other's peers.
HARBOUR_IDS = ["DO-1", "do-2", "do_3", "do.4", "do5", "Do_6"]


def _near(east_km: float, north_km: float) -> dict[str, float]:
    lat = HARBOUR[0] + north_km / 111.195
    return {"lat": lat, "lon": HARBOUR[1] + east_km / (111.195 * math.cos(math.radians(HARBOUR[0])))}


SEED: dict[str, dict[str, Any]] = {
    **{
        organisation_id: {
            "kind": "company",
            "name": f"Hafenfirma {i}",
            "sector": "H",
            "employees": 100 + 10 * i,
            **_near(0.1 * (i % 3), 0.1 * (i // 3)),
            "issues": ["parking_shortage"],
            "visible_to_peers": True,
            "contact_shareable": True,
            "contact": CONTACT,
        }
        for i, organisation_id in enumerate(HARBOUR_IDS)
    },
    "witten-b": {
        "kind": "craft_business",
        "name": "BÄCKEREI SCHÜTZ",
        "sector": "C",
        "employees": 30,
        **WITTEN,
        "estate": "Gewerbepark Östlich",
        "issues": ["shift_work"],
        "shift_work": True,
        "visible_to_peers": False,
    },
    "Stadt-S": {
        "kind": "municipality",
        "name": "Stadt Stuttgart 100% Öko_Strom",
        "employees": 1200,
        **STUTTGART,
        "visible_to_peers": True,
    },
}


@pytest.fixture(scope="module")
def client(postgres: PostgresServer) -> Iterator[TestClient]:
    url = postgres.create_database()
    try:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        with TestClient(create_app(ServiceSettings(database_url=url))) as test_client:
            yield test_client
    finally:
        postgres.drop_database(url)


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "admin": api_key_headers(client, Role.ADMIN),
        "planner": api_key_headers(client, Role.PLANNER, "05913"),
        "do2": api_key_headers(client, Role.ORGANISATION, "do-2"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    for organisation_id, profile in SEED.items():
        response = client.post(URL, json={"id": organisation_id, **profile}, headers=auth["admin"])
        assert response.status_code == 201, response.text


def _repository(client: TestClient) -> OrganisationRepository:
    repository: OrganisationRepository = client.app.state.repository  # type: ignore[attr-defined]
    return repository


def _ids(client: TestClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = client.get(URL, params={"per_page": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _csv(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _import(client: TestClient, data: bytes, headers: dict[str, str], mode: str = "upsert") -> Any:
    return client.post(
        f"{URL}/import", params={"mode": mode}, content=data, headers={**headers, "Content-Type": "text/csv"}
    )


def _export(client: TestClient, headers: dict[str, str], **params: str) -> list[dict[str, str]]:
    response = client.get(f"{URL}/export", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_health_reports_postgresql(client: TestClient) -> None:
    client.app.state.health.check()  # type: ignore[attr-defined]  # the background count (every 5 s), now
    health = client.get("/health").json()
    assert (health["status"], health["database"]) == ("ok", "postgresql")
    assert (health["organisations"], health["synthetic_organisations"]) == (len(SEED), 0)


def test_list_is_in_id_order_page_by_page(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    everything = _ids(client, auth["admin"])
    assert everything == sorted(SEED)  # Python's order, not the database collation's
    paged = [i for page in range(1, 5) for i in _ids(client, auth["admin"], per_page=2, page=page)]
    assert paged == everything


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "craft_business"}, ["witten-b"]),
        ({"kreis": "05913"}, sorted(HARBOUR_IDS)),
        ({"state": "DE-BW"}, ["Stadt-S"]),
        ({"issue": "shift_work"}, ["witten-b"]),
        ({"issue": "parking_shortage", "kreis": "05954"}, []),
        ({"bbox": "9.0,48.7,9.3,48.9"}, ["Stadt-S"]),
        ({"bbox": "7.3,51.4,7.4,51.5"}, ["witten-b"]),
        ({"estate": "GEWERBEPARK östlich"}, ["witten-b"]),
        ({"q": "bäckerei schütz"}, ["witten-b"]),
        ({"q": "HAFENFIRMA 3"}, ["do.4"]),
        ({"q": "100%"}, ["Stadt-S"]),
        ({"q": "ö_s"}, []),
        ({"q": "%"}, ["Stadt-S"]),
    ],
)
def test_list_filters(
    client: TestClient, auth: dict[str, dict[str, str]], params: dict[str, str], expected: list[str]
) -> None:
    assert [i for i in _ids(client, auth["admin"], **params) if i in SEED] == expected


def test_planner_sees_visible_firms_of_its_region_and_counts_the_hidden(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    body = client.get(URL, headers=auth["planner"]).json()
    assert [item["id"] for item in body["items"]] == sorted(HARBOUR_IDS)
    assert body["hidden_in_region"] == 0


def test_peers_follow_a_patch_and_a_delete(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    def peers() -> set[str]:
        response = client.get(f"{URL}/do-2/peers", params={"limit": 20}, headers=auth["do2"])
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    others = set(HARBOUR_IDS) - {"do-2"}
    assert others <= peers()
    hide = client.patch(f"{URL}/DO-1", json={"visible_to_peers": False}, headers=auth["admin"])
    assert hide.status_code == 200, hide.text
    assert "DO-1" not in peers()
    assert client.delete(f"{URL}/do5", headers=auth["admin"]).status_code == 204
    assert others - {"DO-1", "do5"} <= peers()
    assert not {"DO-1", "do5"} & peers()
    # Put both back for the other tests (re-created with their profile).
    assert client.patch(f"{URL}/DO-1", json={"visible_to_peers": True}, headers=auth["admin"]).status_code == 200
    assert client.post(URL, json={"id": "do5", **SEED["do5"]}, headers=auth["admin"]).status_code == 201
    assert others <= peers()


def test_clusters(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get(
        "/api/v1/clusters", params={"as_of": AS_OF, "issue": "parking_shortage"}, headers=auth["admin"]
    )
    assert response.status_code == 200, response.text
    clusters = response.json()["clusters"]
    assert [sorted(c["members"]) for c in clusters] == [sorted(HARBOUR_IDS)]


def test_import_is_all_or_nothing_and_the_export_round_trips(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    header = "id;kind;name;sector;employees;lat;lon;issues;visible_to_peers;shift_work"
    good = [
        f"Imp-1;company;Import Eins GmbH;H;10;{MUNICH};congestion|shift_work;ja;ja",
        f"imp_2;craft_business;Import Zwei;C;20;{MUNICH};;nein;nein",
    ]
    before = _repository(client).count()
    bad = _import(client, _csv(header, *good, f"imp-3;company;Kaputt GmbH;H;viele;{MUNICH};;;"), auth["admin"])
    assert bad.status_code == 422, bad.text
    assert [(e["row"], e["field"]) for e in bad.json()["errors"]] == [(4, "employees")]
    assert _repository(client).count() == before
    assert _repository(client).get("Imp-1") is None

    stored = _import(client, _csv(header, *good), auth["admin"], mode="insert")
    assert stored.status_code == 200, stored.text
    assert (stored.json()["created"], stored.json()["updated"]) == (2, 0)
    first = _repository(client).get("Imp-1")
    assert first is not None
    assert (first.visible_to_peers, first.shift_work, [i.value for i in first.issues]) == (
        True,
        True,
        ["congestion", "shift_work"],
    )

    exported = _export(client, auth["admin"])
    assert [row["id"] for row in exported] == sorted([*SEED, "Imp-1", "imp_2"])
    rows = {row["id"]: row for row in exported}
    assert (rows["imp_2"]["visible_to_peers"], rows["imp_2"]["employees"]) == ("false", "20")
    assert rows["witten-b"]["estate"] == "Gewerbepark Östlich"

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(exported[0]))
    writer.writeheader()
    writer.writerows(exported)
    again = _import(client, out.getvalue().encode("utf-8"), auth["admin"])
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["updated"]) == (0, len(exported))
    assert _export(client, auth["admin"]) == exported


def test_feedback_links_to_the_logged_recommendation(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    shown = client.get(f"{URL}/do-2/peers", headers=auth["do2"]).json()
    item = shown["items"][0]["id"]
    response = client.post(
        "/api/v1/feedback",
        json={"organisation_id": "do-2", "item_type": "peer", "item_id": item, "verdict": "contacted"},
        headers=auth["do2"],
    )
    assert response.status_code == 201, response.text
    assert response.json()["recommendation_id"] == shown["recommendation_id"]
    store: SqlFeedbackStore = client.app.state.feedback  # type: ignore[attr-defined]
    logged = store.logged(shown["recommendation_id"])
    assert logged is not None
    assert logged["served_at"].tzinfo is not None
    assert [i["id"] for i in logged["items"]] == [i["id"] for i in shown["items"]]
