"""Issue 14 through the API: road distances from a (stand-in) routing engine, and the peers' shared-homes reason.

The app is configured with ``BMM_ROUTING_ENGINE=osrm`` pointing at a stand-in OSRM on loopback that answers from
distances the test plants; nothing leaves the machine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth import Role
from service.config import RoutingEngine, ServiceSettings
from tests.factories import api_key_headers, create_through_api, migrated_sqlite
from tests.service.routing.standin import StandIn, key, refused_url, serve

API = "/api/v1"
ORGANISATIONS = f"{API}/organisations"
HARBOUR = (51.5300, 7.4400)  # Dortmund
DORTMUND, UNNA = "05913000", "05978036"
CENTROIDS = {"44135": (51.51390, 7.47727), "44139": (51.49707, 7.45824), "59423": (51.53047, 7.69587)}
ROUTED = {"44135": 4.1, "44139": 6.3}  # planted road km; 59423 (Unna) has no route in the stand-in


def _firm(name: str, east_km: float, consent: bool) -> dict[str, Any]:
    lon = HARBOUR[1] + east_km / (111.195 * math.cos(math.radians(HARBOUR[0])))
    return {
        "kind": "company", "name": name, "sector": "C", "employees": 200, "lat": HARBOUR[0], "lon": lon,
        "estate": "Gewerbegebiet Testhafen", "issues": ["parking_shortage"], "visible_to_peers": True,
        "share_residence_aggregates": consent,
    }  # fmt: skip


FIRMS = {
    "alpha": _firm("Alpha GmbH", 0.0, consent=True),
    "beta": _firm("Beta GmbH", 0.3, consent=True),
    "gamma": _firm("Gamma GmbH", 0.2, consent=False),
    "delta": _firm("Delta GmbH", 0.4, consent=True),
}


def _app(tmp_path: Path, **settings: Any) -> TestClient:
    url = migrated_sqlite(tmp_path / "bmm.db")
    return TestClient(create_app(ServiceSettings(database_url=url, **settings)))


@pytest.fixture(scope="module")
def osrm() -> Iterator[StandIn]:
    planted = {key(*CENTROIDS[p]): km for p, km in ROUTED.items()}
    with serve(StandIn("osrm", planted)) as standin:
        yield standin


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, osrm: StandIn) -> Iterator[TestClient]:
    with _app(tmp_path_factory.mktemp("roads"), routing_engine=RoutingEngine.OSRM, routing_url=osrm.url) as client:
        yield client


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    headers = api_key_headers(client, Role.ADMIN)
    create_through_api(client, headers, FIRMS)
    return headers


def _put(client: TestClient, organisation_id: str, counts: dict[str, int], headers: dict[str, str]) -> None:
    body = {"postcodes": [{"postcode": p, "count": c} for p, c in counts.items()]}
    response = client.put(f"{ORGANISATIONS}/{organisation_id}/residences", json=body, headers=headers)
    assert response.status_code == 200, response.text


def _get(client: TestClient, path: str, headers: dict[str, str], **params: str) -> Any:
    response = client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_analysis_uses_road_distances_where_the_engine_has_them(
    client: TestClient, admin: dict[str, str], osrm: StandIn
) -> None:
    _put(client, "alpha", {"44135": 6, "44139": 7, "59423": 8}, admin)
    answer = _get(client, f"{ORGANISATIONS}/alpha/residences/analysis", admin)
    distance = {o["postcode"]: o["distance_km"] for o in answer["origins"]}
    assert distance["44135"] == 4.1
    assert distance["44139"] == 6.3
    assert distance["59423"] == pytest.approx(1.3 * 17.7, abs=0.3)  # no route: 17.7 km straight × 1.3
    assert answer["assumptions"]["distance_method"] == (
        "Straßennetz (OSRM, 127.0.0.1); PLZ ohne Route oder weiter als 100 km Luftlinie: Luftlinie × 1,3"
    )
    assert answer["assumptions"]["distance_note"] is None
    assert all(len(r["sources"]) <= 40 for r in osrm.requests)


def test_the_pooled_analysis_uses_them_too(client: TestClient, admin: dict[str, str]) -> None:
    _put(client, "beta", {"44135": 5, "44139": 5}, admin)
    answer = _get(client, f"{API}/residences/analysis", admin, organisations="alpha,beta")
    assert answer["organisations"] == 2
    assert answer["assumptions"]["distance_method"].startswith("Straßennetz (OSRM, 127.0.0.1)")
    bands = {(b["from_km"], b["to_km"]): b["count"] for b in answer["bands"]}
    assert bands[(2.0, 5.0)] == 11  # 44135 at 4.1 road km (0.9 km straight)
    assert bands[(5.0, 10.0)] == 12  # 44139 at 6.3 road km


def test_an_unreachable_engine_leaves_the_estimate_and_says_why(tmp_path: Path) -> None:
    with _app(tmp_path, routing_engine=RoutingEngine.OSRM, routing_url=refused_url()) as client:
        admin = api_key_headers(client, Role.ADMIN)
        create_through_api(client, admin, {"alpha": FIRMS["alpha"]})
        _put(client, "alpha", {"44135": 6, "44139": 7}, admin)
        answer = _get(client, f"{ORGANISATIONS}/alpha/residences/analysis", admin)
    assumptions = answer["assumptions"]
    assert assumptions["distance_method"] == "Luftlinie × 1,3"
    assert assumptions["distance_note"].startswith("Routing-Dienst (OSRM, 127.0.0.1) nicht verwendet: Verbindung")


def _shared_homes(
    client: TestClient, organisation_id: str, headers: dict[str, str]
) -> dict[str, tuple[list[str], str] | None]:
    """Per peer shown: (shared_home_places, the reason's text), or None without the reason."""
    shown: dict[str, tuple[list[str], str] | None] = {}
    for peer in _get(client, f"{ORGANISATIONS}/{organisation_id}/peers", headers)["items"]:
        reason = next((r for r in peer["reasons"] if r["code"] == "shared_homes"), None)
        shown[peer["id"]] = None if reason is None else (peer["shared_home_places"], reason["text"])
    return shown


def test_peers_gain_the_shared_homes_reason_only_between_consenting_firms_at_k(
    client: TestClient, admin: dict[str, str]
) -> None:
    # alpha: Unna 8 (≥ k). beta: Unna 5 → shared. gamma: Unna 9 but no consent. delta: Unna 4 (below k).
    _put(client, "beta", {"59423": 5, "44135": 5}, admin)
    _put(client, "gamma", {"59423": 9}, admin)
    _put(client, "delta", {"59423": 4, "44135": 6}, admin)
    alpha = api_key_headers(client, Role.ORGANISATION, "alpha")
    shared = _shared_homes(client, "alpha", alpha)
    assert shared["beta"] == (
        [DORTMUND, UNNA],  # ordered by alpha's staff: Dortmund 13, Unna 8
        "Ihre Beschäftigten wohnen in denselben Orten (Dortmund und Unna): "
        "Fahrgemeinschaften über Betriebsgrenzen möglich",
    )
    assert shared["gamma"] is None  # no consent
    assert shared["delta"] is not None
    assert shared["delta"][0] == [DORTMUND]  # delta's 4 in Unna stay below k
    for peer in _get(client, f"{ORGANISATIONS}/alpha/peers", alpha)["items"]:
        assert sum(r["weight"] for r in peer["reasons"]) == pytest.approx(peer["score"], abs=1e-9)


def test_erasing_an_upload_or_withdrawing_consent_removes_the_reason(client: TestClient, admin: dict[str, str]) -> None:
    alpha = api_key_headers(client, Role.ORGANISATION, "alpha")
    assert _shared_homes(client, "alpha", alpha)["delta"] is not None
    assert client.delete(f"{ORGANISATIONS}/delta/residences", headers=admin).status_code in (200, 204)
    assert _shared_homes(client, "alpha", alpha)["delta"] is None
    response = client.patch(f"{ORGANISATIONS}/beta", json={"share_residence_aggregates": False}, headers=admin)
    assert response.status_code == 200, response.text
    assert _shared_homes(client, "alpha", alpha)["beta"] is None
    response = client.patch(f"{ORGANISATIONS}/alpha", json={"share_residence_aggregates": False}, headers=admin)
    assert response.status_code == 200, response.text
    response = client.patch(f"{ORGANISATIONS}/beta", json={"share_residence_aggregates": True}, headers=admin)
    assert response.status_code == 200, response.text
    assert _shared_homes(client, "alpha", alpha)["beta"] is None  # I withdrew: no part for me at all
