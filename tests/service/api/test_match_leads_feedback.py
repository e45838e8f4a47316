"""POST /match, advisor leads, feedback and /me: every role, validation and what is logged."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.auth import Role
from service.recommendation_log import RecommendationLog
from service.storage.feedback import SqlFeedbackStore
from tests.factories import api_key_headers, create_through_api

URL = "/api/v1/organisations"
PROBLEM = "application/problem+json"
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}
DORTMUND = {"lat": 51.5136, "lon": 7.4653}

SEED: dict[str, dict[str, Any]] = {
    "firm-big": {
        "kind": "company", "name": "Großwerk Dortmund AG", "sector": "C", "employees": 900, **DORTMUND,
        "issues": ["parking_shortage", "shift_work", "long_commutes"], "shift_work": True,
        "visible_to_peers": False, "contact_shareable": True, "contact": CONTACT,
    },
    "firm-small": {
        "kind": "company", "name": "Klein GmbH", "sector": "G", "employees": 8, "lat": 51.5150, "lon": 7.4700,
        "issues": ["parking_shortage"], "visible_to_peers": True, "contact_shareable": False, "contact": CONTACT,
    },
    "firm-peer": {
        "kind": "company", "name": "Nachbar Logistik GmbH", "sector": "H", "employees": 150, "lat": 51.5140,
        "lon": 7.4660, "issues": ["parking_shortage"], "measures_in_place": ["carpool_matching"],
        "visible_to_peers": True,
    },
}  # fmt: skip
PROFILE = {"kind": "company", "name": "Was-wäre-wenn GmbH", "sector": "C", "employees": 80, "postcode": "44135",
           "issues": ["parking_shortage"]}  # fmt: skip


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "admin": api_key_headers(client, Role.ADMIN),
        "advisor": api_key_headers(client, Role.ADVISOR, "ihk_dortmund"),
        "advisor_other": api_key_headers(client, Role.ADVISOR, "ihk_aachen"),
        "planner": api_key_headers(client, Role.PLANNER, "05913"),
        "big": api_key_headers(client, Role.ORGANISATION, "firm-big"),
        "small": api_key_headers(client, Role.ORGANISATION, "firm-small"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    create_through_api(client, auth["admin"], SEED)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    return body


# POST /match -----------------------------------------------------------------------------------------


def test_match_without_key_has_no_peers_and_stores_nothing(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    before = client.get(URL, headers=auth["admin"]).json()["total"]
    response = client.post("/api/v1/match", json=PROFILE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["peers"] is None
    assert body["profile"]["location"]["municipality_ags"] == "05913000"
    assert body["profile"]["location"]["precision"] == "postcode"
    assert body["profile"]["features"]["nearest_station"]
    assert body["measures"]
    assert body["advisors"]["items"]
    for item in body["measures"]:
        assert sum(r["weight"] for r in item["reasons"]) == pytest.approx(item["score"], abs=1e-6)
    assert client.get(URL, headers=auth["admin"]).json()["total"] == before


@pytest.mark.parametrize(("who", "has_peers"), [("admin", True), ("advisor", True), ("big", True), ("planner", False)])
def test_match_shows_peers_only_to_keys_allowed_to_see_them(
    client: TestClient, auth: dict[str, dict[str, str]], who: str, has_peers: bool
) -> None:
    body = client.post("/api/v1/match", json=PROFILE, headers=auth[who]).json()
    assert (body["peers"] is not None) is has_peers
    if has_peers:
        ids = [p["id"] for p in body["peers"]["items"]]
        assert "firm-peer" in ids
        assert ("firm-big" in ids) is (who in ("admin", "advisor"))  # not visible to peers; never itself


def test_match_uses_the_reference_date(client: TestClient) -> None:
    today = client.post("/api/v1/match", json=PROFILE).json()["funding"]
    past = client.post("/api/v1/match", params={"as_of": "2015-01-01"}, json=PROFILE).json()["funding"]
    assert past["as_of"] == "2015-01-01"
    assert today["as_of"] != past["as_of"]
    assert {i["id"] for i in today["items"]} != {i["id"] for i in past["items"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [({"postcode": "00000"}, "postcode"), ({"employees": -5}, "employees"), ({"issues": ["traffic_jam"]}, "issues"),
     ({"postcode": None, "lat": 40.4, "lon": -3.7}, "lat"), ({"kind": "spaceship"}, "kind")],
)  # fmt: skip
def test_match_names_the_bad_field(client: TestClient, change: dict[str, Any], field: str) -> None:
    body = _problem(client.post("/api/v1/match", json={**PROFILE, **change}), 422)
    assert field in str(body["errors"][0]["loc"]) or field in body["detail"]
    assert body["errors"][0]["message"]


@pytest.mark.parametrize("sector", ["missing", None], ids=["missing", "null"])
def test_match_accepts_an_unknown_sector_and_says_what_it_left_out(
    client: TestClient, auth: dict[str, dict[str, str]], sector: str | None
) -> None:
    profile = {key: value for key, value in PROFILE.items() if key != "sector"}
    if sector is None:
        profile["sector"] = None
    response = client.post("/api/v1/match", json=profile, headers=auth["admin"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["profile"]["sector"] is None
    assert body["measures"]
    assert body["peers"]["items"]
    for peer in body["peers"]["items"]:
        assert sum(r["weight"] for r in peer["reasons"]) == pytest.approx(peer["score"], abs=1e-6)
        note = peer["reasons"][-1]
        assert (note["code"], note["weight"]) == ("sector_unknown", 0.0)
        assert note["text"].startswith("Branche unbekannt (Ihre)")


def test_match_with_a_wrong_key_is_401(client: TestClient) -> None:
    _problem(client.post("/api/v1/match", json=PROFILE, headers={"X-API-Key": "bmm_wrong"}), 401)


# Leads -------------------------------------------------------------------------------------------------


def test_advisor_gets_ranked_leads_of_its_territory(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get("/api/v1/advisors/ihk_dortmund/leads", headers=auth["advisor"])
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [lead["id"] for lead in body["items"]]
    assert ids.index("firm-big") < ids.index("firm-small")
    big = body["items"][ids.index("firm-big")]
    assert len(big["talking_points"]) == 3
    assert big["lat"] == pytest.approx(DORTMUND["lat"])
    assert big["contact"] == CONTACT  # consented, in the advisor's territory
    assert body["items"][ids.index("firm-small")]["contact"] is None  # no consent
    assert body["recommendation_id"].startswith("rec-")
    filtered = client.get(
        "/api/v1/advisors/ihk_dortmund/leads", params={"min_employees": 100, "limit": 5}, headers=auth["advisor"]
    ).json()
    assert "firm-small" not in [lead["id"] for lead in filtered["items"]]


@pytest.mark.parametrize(("who", "status"), [("none", 401), ("planner", 403), ("big", 403), ("advisor_other", 403)])
def test_leads_of_another_advisor_are_refused(
    client: TestClient, auth: dict[str, dict[str, str]], who: str, status: int
) -> None:
    _problem(client.get("/api/v1/advisors/ihk_dortmund/leads", headers=auth[who]), status)


def test_leads_validation_and_unknown_advisor(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    _problem(client.get("/api/v1/advisors/nobody/leads", headers=auth["admin"]), 404)
    body = _problem(client.get("/api/v1/advisors/ihk_dortmund/leads?kreis=59", headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["query", "kreis"]
    _problem(client.get("/api/v1/advisors/ihk_dortmund/leads?problem=x", headers=auth["admin"]), 422)


# Feedback ------------------------------------------------------------------------------------------------


def _feedback(**overrides: Any) -> dict[str, Any]:
    return {"organisation_id": "firm-big", "item_type": "peer", "item_id": "firm-peer", "verdict": "contacted",
            "comment": "Erstes Treffen vereinbart", **overrides}  # fmt: skip


def test_feedback_links_to_the_recommendation_that_showed_the_item(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    shown = client.get(f"{URL}/firm-big/peers", headers=auth["big"]).json()
    assert "firm-peer" in [p["id"] for p in shown["items"]]
    response = client.post("/api/v1/feedback", json=_feedback(), headers=auth["big"])
    assert response.status_code == 201, response.text
    assert response.json()["recommendation_id"] == shown["recommendation_id"]
    measure = client.get(f"{URL}/firm-big/measures", headers=auth["advisor"]).json()["items"][0]["id"]
    by_advisor = client.post(
        "/api/v1/feedback", json=_feedback(item_type="measure", item_id=measure, verdict="accepted"),
        headers=auth["advisor"],
    )  # fmt: skip
    assert by_advisor.status_code == 201
    assert by_advisor.json()["recommendation_id"] is not None


@pytest.mark.parametrize(("who", "status"), [("none", 401), ("planner", 403), ("small", 404)])
def test_feedback_for_another_organisation_is_refused(
    client: TestClient, auth: dict[str, dict[str, str]], who: str, status: int
) -> None:
    _problem(client.post("/api/v1/feedback", json=_feedback(), headers=auth[who]), status)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"item_type": "measure", "item_id": "teleportation"}, "item_id"), ({"item_id": "firm-big"}, "item_id"),
     ({"verdict": "maybe"}, "verdict"), ({"item_type": "car"}, "item_type"), ({"comment": "x" * 2001}, "comment"),
     ({"extra": 1}, "extra")],
)  # fmt: skip
def test_feedback_names_the_bad_field(
    client: TestClient, auth: dict[str, dict[str, str]], change: dict[str, Any], field: str
) -> None:
    body = _problem(client.post("/api/v1/feedback", json=_feedback(**change), headers=auth["big"]), 422)
    assert body["errors"][0]["loc"][-1] == field


def test_a_hidden_peer_is_unknown_to_other_organisations(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    hidden = _feedback(organisation_id="firm-small", item_id="firm-big")  # firm-big is not visible to peers
    body = _problem(client.post("/api/v1/feedback", json=hidden, headers=auth["small"]), 422)
    assert "firm-big" in body["errors"][0]["message"]  # same answer as for an id that does not exist
    assert "Großwerk" not in str(body)


def test_deleting_an_organisation_erases_its_log_and_feedback(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    store: SqlFeedbackStore = client.app.state.feedback  # type: ignore[attr-defined]
    profile = {**SEED["firm-small"], "name": "Kurzlebig GmbH"}
    assert client.post(URL, json={"id": "short-lived", **profile}, headers=auth["admin"]).status_code == 201
    writer: RecommendationLog = client.app.state.recommendation_log  # type: ignore[attr-defined]
    client.get(f"{URL}/short-lived/measures", headers=auth["admin"])
    writer.flush()
    assert store.count_logged(organisation_id="short-lived") == 1
    client.get(f"{URL}/short-lived/peers", headers=auth["admin"])  # still queued when it is deleted
    assert client.delete(f"{URL}/short-lived", headers=auth["admin"]).status_code == 204
    writer.flush()
    assert store.count_logged(organisation_id="short-lived") == 0


# /me ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "role", "subject"),
    [("admin", "admin", None), ("advisor", "advisor", "ihk_dortmund"), ("planner", "planner", "05913"),
     ("big", "organisation", "firm-big")],
)  # fmt: skip
def test_me_tells_role_subject_and_capabilities(
    client: TestClient, auth: dict[str, dict[str, str]], who: str, role: str, subject: str | None
) -> None:
    body = client.get("/api/v1/me", headers=auth[who]).json()
    assert (body["role"], body["subject"]) == (role, subject)
    assert ("clusters" in body["capabilities"]) is (who in ("admin", "advisor", "planner"))
    assert ("peers" in body["capabilities"]) is (who != "planner")
    _problem(client.get("/api/v1/me"), 401)
