"""Peers, advisors, measures, funding and brief of a stored organisation: roles, consent, freshness, logging."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from matcher.matching.peers import recommend_peers
from service import brief_html
from service.access import not_found_detail
from service.api.placing import peer_items, placed
from service.api.results import PeerItem, PeersResponse, peers_response
from service.auth import Principal, Role
from service.html_page import csp_hash
from service.recommendation_log import RecommendationLog
from service.storage.feedback import SqlFeedbackStore
from tests.factories import api_key_headers, create_through_api

URL = "/api/v1/organisations"
PROBLEM = "application/problem+json"
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}
HAFEN_LAT, HAFEN_LON = 51.5200, 7.4400  # Dortmund, territory of ihk_dortmund
HAFEN: dict[str, Any] = {"lat": HAFEN_LAT, "lon": HAFEN_LON, "estate": "Hafen Dortmund"}


def _near(d_lat: float, d_lon: float) -> dict[str, Any]:
    return {**HAFEN, "lat": HAFEN_LAT + d_lat, "lon": HAFEN_LON + d_lon}


SEED: dict[str, dict[str, Any]] = {
    "me": {
        "kind": "company", "name": "Meine Spedition GmbH", "sector": "H", "employees": 300, **HAFEN,
        "issues": ["parking_shortage", "shift_work"], "shift_work": True, "visible_to_peers": False,
        "contact_shareable": False, "contact": CONTACT, "address": "Hafenweg 1, Dortmund",
    },
    "peer-shared": {
        "kind": "company", "name": "Teilt Kontakt AG", "sector": "H", "employees": 200, **_near(0.001, 0.001),
        "issues": ["parking_shortage"], "measures_in_place": ["carpool_matching"], "visible_to_peers": True,
        "contact_shareable": True, "contact": CONTACT,
    },
    "peer-private": {
        "kind": "company", "name": "Ohne Kontakt GmbH", "sector": "C", "employees": 150, **_near(-0.001, 0.002),
        "issues": ["parking_shortage", "shift_work"], "visible_to_peers": True, "contact_shareable": False,
        "contact": CONTACT,
    },
    "peer-hidden": {
        "kind": "company", "name": "Unsichtbar KG", "sector": "C", "employees": 120, **_near(0.002, -0.001),
        "issues": ["parking_shortage"], "visible_to_peers": False, "contact_shareable": True, "contact": CONTACT,
    },
    "stuttgart": {
        "kind": "company", "name": "Schwaben Werk AG", "sector": "C", "employees": 500, "lat": 48.7758,
        "lon": 9.1829, "issues": ["parking_shortage"], "visible_to_peers": True,
    },
}  # fmt: skip
ENDPOINTS = ("peers", "advisors", "measures", "funding", "brief")


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "admin": api_key_headers(client, Role.ADMIN),
        "advisor": api_key_headers(client, Role.ADVISOR, "ihk_dortmund"),
        "advisor_bw": api_key_headers(client, Role.ADVISOR, "ihk_region_stuttgart"),
        "planner": api_key_headers(client, Role.PLANNER, "DE-NW"),
        "me": api_key_headers(client, Role.ORGANISATION, "me"),
        "other": api_key_headers(client, Role.ORGANISATION, "stuttgart"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    create_through_api(client, auth["admin"], SEED)


def _get(client: TestClient, auth: dict[str, dict[str, str]], who: str, path: str, **params: Any) -> Any:
    return client.get(f"{URL}/{path}", params=params, headers=auth[who])


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def _assert_explained(items: list[dict[str, Any]]) -> None:
    assert items
    for item in items:
        assert item["reasons"], item
        assert sum(r["weight"] for r in item["reasons"]) == pytest.approx(item["score"], abs=1e-6)
        assert all(r["code"] and r["text"] for r in item["reasons"])


# Roles ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("who", ["admin", "advisor", "me"])
def test_allowed_roles_get_an_explained_answer(
    client: TestClient, auth: dict[str, dict[str, str]], who: str, endpoint: str
) -> None:
    body = _ok(_get(client, auth, who, f"me/{endpoint}"))
    assert body["recommendation_id"].startswith("rec-")
    items = body["measures"] if endpoint == "brief" else body["items"]
    _assert_explained(items)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_key_is_401_and_planner_is_403(
    client: TestClient, auth: dict[str, dict[str, str]], endpoint: str
) -> None:
    _problem(_get(client, auth, "none", f"me/{endpoint}"), 401)
    _problem(_get(client, auth, "planner", f"me/{endpoint}"), 403)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_organisations_id_is_404_like_an_unknown_one(
    client: TestClient, auth: dict[str, dict[str, str]], endpoint: str
) -> None:
    other = _problem(_get(client, auth, "me", f"stuttgart/{endpoint}"), 404)
    unknown = _problem(_get(client, auth, "admin", f"nobody/{endpoint}"), 404)
    assert other["detail"] == not_found_detail("stuttgart")
    assert unknown["detail"] == not_found_detail("nobody")
    assert "Schwaben" not in str(other)


# Peers: visibility and consent ---------------------------------------------------------------------------


def _peers(client: TestClient, auth: dict[str, dict[str, str]], who: str, **params: Any) -> dict[str, Any]:
    return {item["id"]: item for item in _ok(_get(client, auth, who, "me/peers", **params))["items"]}


def test_organisation_sees_only_visible_peers_and_contacts_only_with_consent(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    peers = _peers(client, auth, "me")
    assert {"peer-shared", "peer-private"} <= set(peers)
    assert "peer-hidden" not in peers
    assert "me" not in peers
    assert "stuttgart" not in peers
    assert peers["peer-shared"]["contact"] == CONTACT
    assert peers["peer-private"]["contact"] is None
    assert peers["peer-shared"]["same_estate"] is True
    assert peers["peer-shared"]["solved_with"] == ["carpool_matching"]
    assert peers["peer-shared"]["lat"] == pytest.approx(SEED["peer-shared"]["lat"])


def test_advisor_sees_hidden_peers_with_consented_contacts(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    peers = _peers(client, auth, "advisor")
    assert {"peer-shared", "peer-private", "peer-hidden"} <= set(peers)
    assert peers["peer-hidden"]["contact"] == CONTACT  # consented and in the advisor's territory
    assert peers["peer-private"]["contact"] is None


def test_peer_parameters_are_validated(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert len(_peers(client, auth, "me", limit=1)) == 1
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"radius_km": 500}, "radius_km"),
        ({"radius_km": "x"}, "radius_km"),
    ):
        body = _problem(_get(client, auth, "me", "me/peers", **params), 422)
        assert body["errors"][0]["loc"] == ["query", field]


def test_writes_reach_the_peer_index_at_once(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    new = {**SEED["peer-shared"], "name": "Neu im Hafen GmbH", **_near(0.0005, 0.0)}
    assert client.post(URL, json={"id": "peer-new", **new}, headers=auth["admin"]).status_code == 201
    assert "peer-new" in _peers(client, auth, "me")
    hide = client.patch(f"{URL}/peer-new", json={"visible_to_peers": False}, headers=auth["admin"])
    assert hide.status_code == 200
    assert "peer-new" not in _peers(client, auth, "me")
    assert "peer-new" in _peers(client, auth, "advisor")
    assert client.delete(f"{URL}/peer-new", headers=auth["admin"]).status_code == 204
    assert "peer-new" not in _peers(client, auth, "advisor")


# Measures, funding, advisors, brief ---------------------------------------------------------------------


def test_measures_leave_out_those_in_place_and_respect_the_limit(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    body = _ok(_get(client, auth, "admin", "peer-shared/measures", limit=3))
    assert 1 <= len(body["items"]) <= 3
    assert "carpool_matching" not in [m["id"] for m in body["items"]]
    _problem(_get(client, auth, "admin", "peer-shared/measures", limit=0), 422)


def test_funding_depends_on_the_reference_date(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    today = _ok(_get(client, auth, "me", "me/funding", include_ineligible=True))
    past = _ok(_get(client, auth, "me", "me/funding", as_of="2015-01-01", include_ineligible=True))
    assert past["as_of"] == "2015-01-01"
    assert {i["id"] for i in today["items"]} != {i["id"] for i in past["items"]}
    assert past["ineligible"]
    assert all(i["ineligible_reasons"] and i["score"] == 0 for i in past["ineligible"])
    assert _ok(_get(client, auth, "me", "me/funding"))["ineligible"] == []
    body = _problem(_get(client, auth, "me", "me/funding", as_of="2025-13-01"), 422)
    assert body["errors"][0]["loc"] == ["query", "as_of"]


def test_advisors_are_the_responsible_chamber(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _ok(_get(client, auth, "me", "me/advisors"))
    assert body["covered"] is True
    assert "ihk_dortmund" in [a["id"] for a in body["items"]]


def test_brief_shows_contact_only_where_the_policy_allows(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    own = _ok(_get(client, auth, "me", "me/brief"))
    assert own["organisation"]["contact"] == CONTACT  # its own data
    advised = _ok(_get(client, auth, "advisor", "me/brief"))
    assert advised["organisation"]["contact"] is None
    assert advised["organisation"]["address"] is None
    assert "peer-hidden" not in [p["id"] for p in own["peers"]["items"]]
    assert "peer-hidden" in [p["id"] for p in advised["peers"]["items"]]
    assert own["summary"]


def test_brief_html_is_a_printable_german_page(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = _get(client, auth, "advisor", "me/brief", format="html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Meine Spedition GmbH" in response.text
    assert "<svg" in response.text
    assert "A4" in response.text
    assert CONTACT["email"] not in response.text  # not shared with the advisor
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert csp_hash(brief_html.CSS) in policy  # its own stylesheet applies, nothing else inline
    _problem(_get(client, auth, "advisor", "me/brief", format="pdf"), 422)


def test_every_answer_is_logged_without_contact_data(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    store: SqlFeedbackStore = client.app.state.feedback  # type: ignore[attr-defined]
    body = _ok(_get(client, auth, "me", "me/peers"))
    client.app.state.recommendation_log.flush()  # type: ignore[attr-defined]  # written in the background
    logged = store.logged(body["recommendation_id"])
    assert logged is not None
    assert logged["organisation_id"] == "me"
    assert logged["role"] == "organisation"
    assert logged["endpoint"] == "peers"
    assert [i["id"] for i in logged["items"]] == [i["id"] for i in body["items"]]
    assert logged["items"][0]["reasons"] == [r["code"] for r in body["items"][0]["reasons"]]
    assert CONTACT["email"] not in str(logged)


def test_an_answer_is_served_even_when_it_cannot_be_logged(
    client: TestClient, auth: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    writer: RecommendationLog = client.app.state.recommendation_log  # type: ignore[attr-defined]
    monkeypatch.setattr(writer, "queue_size", 0)  # the queue is full: the row is dropped, never waited for
    dropped = writer.dropped
    body = _ok(_get(client, auth, "me", "me/peers"))
    assert body["recommendation_id"] is None
    assert body["items"]
    assert writer.dropped == dropped + 1


@pytest.mark.parametrize(("role", "subject"), [(Role.ADMIN, None), (Role.ORGANISATION, "me")])
def test_peer_items_equal_their_validated_construction(client: TestClient, role: Role, subject: str | None) -> None:
    """peer_items assembles its PeerItems without validating again: they equal what the validating constructor
    makes of the same values (types included: a StrEnum equals its str), with and without a shared contact."""
    app: Any = client.app
    snapshot = app.state.live.current()
    policy, engine = app.state.access, snapshot.engine
    principal = Principal(key_id="test", role=role, subject=subject)
    answer = recommend_peers(
        snapshot.organisations["me"], snapshot.index, engine.vectoriser, engine.reference.catalog,
        engine.settings.peers, include_invisible=policy.include_invisible_peers(principal),
    )  # fmt: skip
    items = peer_items(policy, principal, snapshot, answer.items)
    shown = {i.id: i for i in items}
    assert shown["peer-shared"].contact is not None  # consented: the contact is validated into its model
    if role is Role.ORGANISATION:
        assert shown["peer-private"].contact is None  # not consented
    for item in items:
        values = {name: getattr(item, name) for name in PeerItem.model_fields}
        values["contact"] = item.contact.model_dump(mode="json") if item.contact is not None else None
        again = PeerItem(**values)
        assert item == again
        assert item.model_fields_set == again.model_fields_set == set(PeerItem.model_fields)
        assert item.model_dump_json() == again.model_dump_json()
        assert list(item.__dict__) == list(again.__dict__)
        for name in PeerItem.model_fields:
            assert type(getattr(item, name)) is type(getattr(again, name)), name
        if item.contact is not None:
            assert item.contact.model_fields_set == again.contact.model_fields_set  # type: ignore[union-attr]


@pytest.mark.parametrize("recommendation_id", ["rec-0123456789abcdef", None])
@pytest.mark.parametrize("radius_km", [None, 3])
def test_peers_response_equals_its_validated_construction(
    client: TestClient, recommendation_id: str | None, radius_km: int | None
) -> None:
    """peers_response assembles the answer without validating it again: it equals what the validating constructor
    makes of the same values (an int radius asked for included), field for field and serialised."""
    app: Any = client.app
    snapshot = app.state.live.current()
    policy, engine = app.state.access, snapshot.engine
    principal = Principal(key_id="test", role=Role.ORGANISATION, subject="me")
    answer = recommend_peers(
        snapshot.organisations["me"], snapshot.index, engine.vectoriser, engine.reference.catalog,
        engine.settings.peers, radius_km=radius_km,
    )  # fmt: skip
    items = peer_items(policy, principal, snapshot, answer.items)
    assert items
    made = peers_response("me", recommendation_id, answer, items)
    again = PeersResponse(
        organisation_id="me", recommendation_id=recommendation_id, radius_km=answer.radius_km,
        candidates=answer.candidates, items=[i.model_dump() for i in items],
    )  # fmt: skip
    assert made == again
    assert made.model_fields_set == again.model_fields_set == set(PeersResponse.model_fields)
    assert list(made.__dict__) == list(again.__dict__)
    for name in PeersResponse.model_fields:
        assert type(getattr(made, name)) is type(getattr(again, name)), name
    assert made.model_dump_json(by_alias=True) == again.model_dump_json(by_alias=True)


@pytest.mark.parametrize(
    ("role", "subject"),
    [
        (Role.ADMIN, None), (Role.ADVISOR, "ihk_dortmund"), (Role.ADVISOR, "ihk_region_stuttgart"),
        (Role.ORGANISATION, "me"), (Role.ORGANISATION, "peer-private"), (Role.PLANNER, "DE-NW"), (None, None),
    ],
)  # fmt: skip
def test_peer_items_place_and_share_as_the_policy_does_over_the_peers_profiles(
    client: TestClient, role: Role | None, subject: str | None
) -> None:
    """peer_items reads the peers' places from the snapshot's columns and builds a peer's profile only where the
    policy may show its contact data: the items are what placing each peer's profile gives (placed(), the
    policy's shared_contact and peer_visible), for every role, the peer's own organisation's key included."""
    app: Any = client.app
    snapshot = app.state.live.current()
    policy, engine = app.state.access, snapshot.engine
    principal = Principal(key_id="test", role=role, subject=subject) if role is not None else None
    answer = recommend_peers(
        snapshot.organisations["me"], snapshot.index, engine.vectoriser, engine.reference.catalog,
        engine.settings.peers, include_invisible=True,
    )  # fmt: skip
    assert {"peer-shared", "peer-private", "peer-hidden"} <= {i.id for i in answer.items}
    expected = [
        PeerItem(**{**item.model_dump(), **placed(policy, principal, snapshot.organisations[item.id])})
        for item in answer.items
        if policy.peer_visible(principal, snapshot.organisations[item.id])
    ]
    items = peer_items(policy, principal, snapshot, answer.items)
    assert [i.model_dump_json() for i in items] == [e.model_dump_json() for e in expected]
    rows = {item.id: snapshot.index.position[item.id] for item in answer.items}
    by_rows = peer_items(policy, principal, snapshot, answer.items, rows)  # placed by the rows the answer gave
    assert [i.model_dump_json() for i in by_rows] == [e.model_dump_json() for e in expected]
    assert items == expected
    shared = {i.id for i in items if i.contact is not None}
    assert shared == {i.id for i in expected if i.contact is not None}
    assert ("peer-private" in shared) == (role is Role.ADMIN or subject == "peer-private")
