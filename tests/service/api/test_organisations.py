"""/api/v1/organisations: every role against list, read, create, replace, patch and delete."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.access import not_found_detail
from service.auth import Role
from service.storage.tables import organisation_issues, organisation_measures, organisations
from tests.factories import api_key_headers, create_through_api

URL = "/api/v1/organisations"
PROBLEM = "application/problem+json"

DORTMUND = {"lat": 51.5136, "lon": 7.4653}  # Kreis 05913, AGS 05913000, territory of ihk_dortmund
WITTEN = {"lat": 51.4434, "lon": 7.3526}  # Ennepe-Ruhr-Kreis 05954, AGS 05954036
STUTTGART = {"lat": 48.7758, "lon": 9.1829}  # Kreis 08111, DE-BW
MUNICH = {"lat": 48.1372, "lon": 11.5755}  # DE-BY: outside every planner region of these tests
AUGSBURG = {"lat": 48.3705, "lon": 10.8978}  # DE-BY
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}

SEED: dict[str, dict[str, Any]] = {
    "org-a": {
        "kind": "company",
        "name": "Alpha Logistik GmbH",
        "sector": "H",
        "employees": 250,
        **DORTMUND,
        "address": "Hafenstraße 1, Dortmund",
        "estate": "Hafen Dortmund",
        "issues": ["parking_shortage"],
        "visible_to_peers": True,
        "contact_shareable": True,
        "contact": CONTACT,
    },
    "org-b": {
        "kind": "craft_business",
        "name": "Beta Bäckerei",
        "sector": "C",
        "employees": 30,
        **DORTMUND,
        "issues": ["shift_work"],
        "visible_to_peers": False,
        "contact_shareable": True,
        "contact": CONTACT,
    },
    "org-c": {
        "kind": "company",
        "name": "Gamma Werk AG",
        "sector": "C",
        "employees": 800,
        **WITTEN,
        "issues": ["parking_shortage", "shift_work"],
        "visible_to_peers": True,
        "contact_shareable": False,
        "contact": CONTACT,
    },
    "org-d": {
        "kind": "municipality",
        "name": "Stadt Delta",
        "employees": 1200,
        **STUTTGART,
        "visible_to_peers": True,
        "contact_shareable": True,
        "contact": CONTACT,
    },
}


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "admin": api_key_headers(client, Role.ADMIN),
        "advisor": api_key_headers(client, Role.ADVISOR, "ihk_dortmund"),
        "planner_dortmund": api_key_headers(client, Role.PLANNER, "05913"),
        "planner_nw": api_key_headers(client, Role.PLANNER, "DE-NW"),
        "planner_bw": api_key_headers(client, Role.PLANNER, "DE-BW"),
        "org_a": api_key_headers(client, Role.ORGANISATION, "org-a"),
        "org_new": api_key_headers(client, Role.ORGANISATION, "org-new"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient, auth: dict[str, dict[str, str]]) -> dict[str, dict[str, Any]]:
    return create_through_api(client, auth["admin"], SEED)


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:bmm-match:problem:")
    assert body["title"]
    assert body["detail"]
    return body


def _profile(**overrides: Any) -> dict[str, Any]:
    """A profile outside the planners' regions, so the region tests do not depend on test order."""
    return {**SEED["org-a"], "name": "Neue Firma GmbH", **MUNICH, "visible_to_peers": False, **overrides}


# Create ----------------------------------------------------------------------------------------------


def test_created_organisation_has_derived_fields(seeded: dict[str, dict[str, Any]]) -> None:
    created = seeded["org-a"]
    assert created["view"] == "full"
    assert created["id"] == "org-a"
    assert created["location"] == {
        "lat": pytest.approx(51.5136),
        "lon": pytest.approx(7.4653),
        "precision": "coordinates",
        "municipality_ags": "05913000",
        "municipality_name": "Dortmund",
        "kreis_code": "05913",
        "kreis_name": "Dortmund",
        "state": "DE-NW",
    }
    assert set(created["features"]) >= {"station_distance_km", "nearest_station", "urbanisation"}
    assert created["contact"] == CONTACT
    assert seeded["org-c"]["location"]["kreis_code"] == "05954"
    assert seeded["org-d"]["location"]["state"] == "DE-BW"


def test_create_without_id_generates_one(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.post(URL, json=_profile(), headers=auth["admin"])
    assert response.status_code == 201
    organisation_id = response.json()["id"]
    assert organisation_id.startswith("org-")
    assert len(organisation_id) == len("org-") + 16
    assert response.headers["Location"] == f"{URL}/{organisation_id}"
    assert client.get(f"{URL}/{organisation_id}", headers=auth["admin"]).json()["name"] == "Neue Firma GmbH"


def test_duplicate_id_is_409(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _assert_problem(client.post(URL, json=_profile(id="org-a"), headers=auth["admin"]), 409)
    assert body["type"] == "urn:bmm-match:problem:conflict"
    assert "org-a" in body["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": None}, "name"),
        ({"employees": -1}, "employees"),
        ({"kind": "spaceship"}, "kind"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"contact": {"email": "kein-mail"}}, "contact"),
    ],
)
def test_invalid_body_is_422_naming_the_field(
    client: TestClient, auth: dict[str, dict[str, str]], overrides: dict[str, Any], field: str
) -> None:
    body = _assert_problem(client.post(URL, json=_profile(**overrides), headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"][:2] == ["body", field]
    assert "kein-mail" not in str(body)  # contact input is never echoed


def test_location_and_catalogue_errors_are_422_naming_the_field(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    paris = _profile(lat=48.8566, lon=2.3522)
    body = _assert_problem(client.post(URL, json=paris, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"][0] == "body"
    assert body["errors"][0]["loc"][1] in {"lat", "lon", "postcode"}
    measure = _profile(measures_in_place=["no_such_measure"])
    body = _assert_problem(client.post(URL, json=measure, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["body", "measures_in_place"]


def test_broken_json_is_422_not_500(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    headers = {**auth["admin"], "Content-Type": "application/json"}
    _assert_problem(client.post(URL, content=b"{not json", headers=headers), 422)
    _assert_problem(client.post(URL, json=[1, 2], headers=auth["admin"]), 422)


def test_organisation_key_creates_only_its_own_id(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    other = client.post(URL, json=_profile(id="org-someone-else"), headers=auth["org_new"])
    assert _assert_problem(other, 404)["detail"] == not_found_detail("org-someone-else")
    taken = client.post(URL, json=_profile(id="org-b"), headers=auth["org_new"])
    assert _assert_problem(taken, 404)["detail"] == not_found_detail("org-b")  # no leak: not 409
    own = client.post(URL, json=_profile(), headers=auth["org_new"])
    assert own.status_code == 201
    assert own.json()["id"] == "org-new"
    assert client.get(f"{URL}/org-new", headers=auth["org_new"]).status_code == 200
    assert client.delete(f"{URL}/org-new", headers=auth["org_new"]).status_code == 204
    _assert_problem(client.get(f"{URL}/org-new", headers=auth["admin"]), 404)
    # The delete revoked the organisation's key (issue 17.2): it opens nothing, not even a re-created org-new.
    _assert_problem(client.get(f"{URL}/org-new", headers=auth["org_new"]), 401)
    assert client.post(URL, json=_profile(id="org-new"), headers=auth["admin"]).status_code == 201
    _assert_problem(client.get(f"{URL}/org-new", headers=auth["org_new"]), 401)
    _assert_problem(client.put(f"{URL}/org-new", json=_profile(), headers=auth["org_new"]), 401)
    assert client.delete(f"{URL}/org-new", headers=auth["admin"]).status_code == 204


@pytest.mark.parametrize("role", ["advisor", "planner_dortmund"])
def test_advisors_and_planners_may_not_write(client: TestClient, auth: dict[str, dict[str, str]], role: str) -> None:
    headers = auth[role]
    _assert_problem(client.post(URL, json=_profile(), headers=headers), 403)
    _assert_problem(client.put(f"{URL}/org-a", json=_profile(), headers=headers), 403)
    _assert_problem(client.patch(f"{URL}/org-a", json={"employees": 1}, headers=headers), 403)
    _assert_problem(client.delete(f"{URL}/org-a", headers=headers), 403)
    # decided before any lookup: unknown ids answer alike
    _assert_problem(client.delete(f"{URL}/no-such-org", headers=headers), 403)


def test_no_key_is_401_everywhere(client: TestClient) -> None:
    for response in (
        client.get(URL),
        client.get(f"{URL}/org-a"),
        client.post(URL, json=_profile()),
        client.put(f"{URL}/org-a", json=_profile()),
        client.patch(f"{URL}/org-a", json={"employees": 1}),
        client.delete(f"{URL}/org-a"),
        client.post(URL, json={"broken": True}),  # 401 before the body is looked at
    ):
        _assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_wrong_key_is_401(client: TestClient) -> None:
    _assert_problem(client.get(URL, headers={"X-API-Key": "bmm_wrong"}), 401)


# Read ------------------------------------------------------------------------------------------------


def test_admin_lists_everything_with_contacts(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = client.get(URL, params={"q": "a", "per_page": 200}, headers=auth["admin"]).json()
    by_id = {item["id"]: item for item in body["items"]}
    assert {"org-a", "org-b", "org-c", "org-d"} <= set(by_id)
    assert all(by_id[i]["contact"] == CONTACT for i in SEED)
    assert body["hidden_in_region"] is None


def test_advisor_sees_all_profiles_but_contacts_only_with_consent_in_territory(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.get(URL, params={"per_page": 200}, headers=auth["advisor"])
    by_id = {item["id"]: item for item in response.json()["items"]}
    assert set(SEED) <= set(by_id)
    assert all(by_id[i]["view"] == "full" for i in SEED)
    assert by_id["org-a"]["contact"] == CONTACT  # consent, territory, kind served
    assert by_id["org-a"]["address"] == "Hafenstraße 1, Dortmund"
    assert by_id["org-b"]["contact"] is None  # craft business: not a kind ihk_dortmund serves
    assert by_id["org-c"]["contact"] is None  # no consent
    assert by_id["org-d"]["contact"] is None  # outside the territory
    assert response.json()["hidden_in_region"] is None
    single = client.get(f"{URL}/org-c", headers=auth["advisor"]).json()
    assert single["employees"] == 800
    assert single["contact"] is None


def test_planner_sees_visible_organisations_of_its_region_as_name_and_location(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    body = client.get(URL, headers=auth["planner_dortmund"]).json()
    assert [item["id"] for item in body["items"]] == ["org-a"]
    assert body["total"] == 1
    assert body["hidden_in_region"] == 1  # org-b
    item = body["items"][0]
    assert item["view"] == "public"
    assert set(item) == {"view", "id", "name", "kind", "estate", "location", "synthetic", "contact", "address"}
    assert item["contact"] == CONTACT  # consent, visible, in region
    nw = client.get(URL, headers=auth["planner_nw"]).json()
    assert [item["id"] for item in nw["items"]] == ["org-a", "org-c"]
    assert nw["items"][1]["contact"] is None  # org-c: no consent
    assert nw["hidden_in_region"] == 1
    bw = client.get(URL, headers=auth["planner_bw"]).json()
    assert [item["id"] for item in bw["items"]] == ["org-d"]
    assert bw["hidden_in_region"] == 0


def test_planner_hidden_count_ignores_filters(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = client.get(URL, params={"q": "beta"}, headers=auth["planner_dortmund"]).json()
    assert body["items"] == []
    assert body["hidden_in_region"] == 1  # a name search must not reveal hidden names


def test_planner_reads_one_profile_only_in_region_and_visible(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    response = client.get(f"{URL}/org-a", headers=auth["planner_dortmund"])
    assert response.json()["view"] == "public"
    assert "employees" not in response.json()
    for organisation_id in ("org-b", "org-c", "org-d", "no-such-org"):
        response = client.get(f"{URL}/{organisation_id}", headers=auth["planner_dortmund"])
        assert _assert_problem(response, 404)["detail"] == not_found_detail(organisation_id)


def test_organisation_sees_only_itself(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = client.get(URL, params={"per_page": 200}, headers=auth["org_a"]).json()
    assert [item["id"] for item in body["items"]] == ["org-a"]
    assert body["total"] == 1
    assert body["hidden_in_region"] is None
    assert _ids(client.get(URL, params={"q": "beta"}, headers=auth["org_a"])) == []
    own = client.get(f"{URL}/org-a", headers=auth["org_a"]).json()
    assert own["contact"] == CONTACT
    assert own["view"] == "full"


@pytest.mark.parametrize("organisation_id", ["org-b", "org-c", "no-such-org"])
def test_other_organisations_are_404_like_unknown_ids(
    client: TestClient, auth: dict[str, dict[str, str]], organisation_id: str
) -> None:
    path = f"{URL}/{organisation_id}"
    headers = auth["org_a"]
    for response in (
        client.get(path, headers=headers),
        client.put(path, json=_profile(), headers=headers),
        client.patch(path, json={"employees": 1}, headers=headers),
        client.delete(path, headers=headers),
    ):
        assert _assert_problem(response, 404)["detail"] == not_found_detail(organisation_id)
    assert client.get(path, headers=auth["admin"]).status_code == (404 if organisation_id == "no-such-org" else 200)


def test_unknown_id_is_404_for_admin(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    for response in (
        client.get(f"{URL}/no-such-org", headers=auth["admin"]),
        client.put(f"{URL}/no-such-org", json=_profile(), headers=auth["admin"]),
        client.patch(f"{URL}/no-such-org", json={"employees": 1}, headers=auth["admin"]),
        client.delete(f"{URL}/no-such-org", headers=auth["admin"]),
    ):
        body = _assert_problem(response, 404)
        assert body["type"] == "urn:bmm-match:problem:not-found"
        assert body["detail"] == not_found_detail("no-such-org")


# Filters and pagination --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "craft_business"}, ["org-b"]),
        ({"kind": "municipality"}, ["org-d"]),
        ({"kreis": "05954"}, ["org-c"]),
        ({"ags": "05913000"}, ["org-a", "org-b"]),
        ({"state": "DE-BW"}, ["org-d"]),
        ({"issue": "shift_work"}, ["org-b", "org-c"]),
        ({"issue": "parking_shortage", "kreis": "05913"}, ["org-a"]),
        ({"estate": "hafen dortmund"}, ["org-a"]),
        ({"bbox": "9.0,48.7,9.3,48.9"}, ["org-d"]),
        ({"bbox": "7.3,51.4,7.4,51.5"}, ["org-c"]),
        ({"q": "BÄCKEREI"}, ["org-b"]),
        ({"q": "gamma"}, ["org-c"]),
        ({"q": "%"}, []),
        ({"q": "_"}, []),
    ],
)
def test_filters(
    client: TestClient, auth: dict[str, dict[str, str]], params: dict[str, str], expected: list[str]
) -> None:
    found = _ids(client.get(URL, params={**params, "per_page": 200}, headers=auth["admin"]))
    assert [i for i in found if i in SEED] == expected


def test_filters_apply_within_the_planners_scope(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert _ids(client.get(URL, params={"state": "DE-BW"}, headers=auth["planner_nw"])) == []
    assert _ids(client.get(URL, params={"kreis": "05954"}, headers=auth["planner_nw"])) == ["org-c"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "9.3,48.7,9.0,48.9"}, "bbox"),
        ({"bbox": "9,48,200,49"}, "bbox"),
        ({"kind": "spaceship"}, "kind"),
        ({"kreis": "5913"}, "kreis"),
        ({"ags": "x"}, "ags"),
        ({"state": "DE-XX"}, "state"),
        ({"issue": "boredom"}, "issue"),
        ({"q": ""}, "q"),
        ({"page": 0}, "page"),
        ({"per_page": 201}, "per_page"),
    ],
)
def test_bad_filters_are_422(
    client: TestClient, auth: dict[str, dict[str, str]], params: dict[str, Any], field: str
) -> None:
    body = _assert_problem(client.get(URL, params=params, headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["query", field]


def test_pagination(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    params: dict[str, Any] = {"state": "DE-NW", "per_page": 2}
    first = client.get(URL, params={**params, "page": 1}, headers=auth["admin"]).json()
    total = first["total"]
    assert total >= 3
    assert first["page"] == 1
    assert first["per_page"] == 2
    assert len(first["items"]) == 2
    pages = [first] + [
        client.get(URL, params={**params, "page": page}, headers=auth["admin"]).json()
        for page in range(2, (total + 1) // 2 + 1)
    ]
    ids = [item["id"] for page in pages for item in page["items"]]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids)) == total
    beyond = client.get(URL, params={**params, "page": 99}, headers=auth["admin"]).json()
    assert beyond["items"] == []
    assert beyond["total"] == total


# Replace, patch, delete --------------------------------------------------------------------------------


def _created_at(client: TestClient, organisation_id: str) -> Any:
    engine = client.app.state.repository.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        query = select(organisations.c.created_at).where(organisations.c.id == organisation_id)
        return connection.execute(query).scalar_one()


def test_put_replaces_the_profile_and_keeps_created_at(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert client.post(URL, json=_profile(id="org-put"), headers=auth["admin"]).status_code == 201
    created_at = _created_at(client, "org-put")
    replaced = client.put(
        f"{URL}/org-put",
        json={"kind": "municipality", "name": "Stadt Augsburg", "employees": 900, **AUGSBURG},
        headers=auth["admin"],
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert body["name"] == "Stadt Augsburg"
    assert body["location"]["municipality_name"] == "Augsburg"
    assert body["issues"] == []
    assert body["contact"] is None
    assert _created_at(client, "org-put") == created_at
    assert client.get(f"{URL}/org-put", headers=auth["admin"]).json()["name"] == "Stadt Augsburg"


def test_put_rejects_another_id_in_the_body(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _assert_problem(client.put(f"{URL}/org-a", json=_profile(id="org-x"), headers=auth["admin"]), 422)
    assert body["errors"][0]["loc"] == ["body", "id"]


def test_organisation_replaces_and_patches_its_own_profile(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    replaced = client.put(f"{URL}/org-a", json={"id": "org-a", **SEED["org-a"]}, headers=auth["org_a"])
    assert replaced.status_code == 200, replaced.text
    patched = client.patch(f"{URL}/org-a", json={"employees": 260}, headers=auth["org_a"])
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["employees"] == 260
    assert body["name"] == SEED["org-a"]["name"]
    assert body["contact"] == CONTACT
    assert body["location"]["kreis_code"] == "05913"


def test_patch_merges_and_revalidates(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    assert client.post(URL, json=_profile(id="org-patch"), headers=auth["admin"]).status_code == 201
    moved = client.patch(f"{URL}/org-patch", json=AUGSBURG, headers=auth["admin"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["location"]["municipality_name"] == "Augsburg"
    assert moved.json()["estate"] == SEED["org-a"]["estate"]
    for changes, loc in (
        ({"employees": -5}, ["body", "employees"]),
        ({"sector": "Z"}, ["body", "sector"]),
        ({"nonsense": 1}, ["body", "nonsense"]),
        ({"id": "org-other"}, ["body", "id"]),
        ({"measures_in_place": ["no_such_measure"]}, ["body", "measures_in_place"]),
    ):
        body = _assert_problem(client.patch(f"{URL}/org-patch", json=changes, headers=auth["admin"]), 422)
        assert body["errors"][0]["loc"] == loc, changes
    _assert_problem(client.patch(f"{URL}/org-patch", json=[1], headers=auth["admin"]), 422)
    assert client.get(f"{URL}/org-patch", headers=auth["admin"]).json()["employees"] == SEED["org-a"]["employees"]


def test_a_business_without_a_sector_round_trips(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    admin = auth["admin"]
    profile = {key: value for key, value in _profile(id="org-nosector").items() if key != "sector"}
    created = client.post(URL, json=profile, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["sector"] is None
    assert client.get(f"{URL}/org-nosector", headers=admin).json()["sector"] is None
    patched = client.patch(f"{URL}/org-nosector", json={"sector": "C"}, headers=admin)
    assert (patched.status_code, patched.json()["sector"]) == (200, "C")
    cleared = client.patch(f"{URL}/org-nosector", json={"sector": None}, headers=admin)
    assert (cleared.status_code, cleared.json()["sector"]) == (200, None)
    craft = {**profile, "kind": "craft_business", "sector": None}
    replaced = client.put(f"{URL}/org-nosector", json=craft, headers=admin)
    assert (replaced.status_code, replaced.json()["kind"], replaced.json()["sector"]) == (200, "craft_business", None)


def test_delete_erases_the_profile_everywhere(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    profile = _profile(id="org-gone", issues=["shift_work"], measures_in_place=["carpool_matching"])
    assert client.post(URL, json=profile, headers=auth["admin"]).status_code == 201
    response = client.delete(f"{URL}/org-gone", headers=auth["admin"])
    assert response.status_code == 204
    assert response.content == b""
    _assert_problem(client.get(f"{URL}/org-gone", headers=auth["admin"]), 404)
    _assert_problem(client.delete(f"{URL}/org-gone", headers=auth["admin"]), 404)
    assert "org-gone" not in _ids(client.get(URL, params={"per_page": 200}, headers=auth["admin"]))
    engine = client.app.state.repository.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        for table in (organisation_issues, organisation_measures):
            rows = connection.execute(select(table).where(table.c.organisation_id == "org-gone")).all()
            assert rows == []
        assert connection.execute(select(organisations).where(organisations.c.id == "org-gone")).all() == []
