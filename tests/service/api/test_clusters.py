"""/api/v1/clusters: roles, consent (redacted members and hull), filters, GeoJSON, validation, cache."""

from __future__ import annotations

import math
from datetime import date
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from matcher.planning.clusters.models import (
    CLUSTER_ORDER_TEXT_DE,
    Cluster,
    ClusterAnswer,
    ClusterOrder,
    ClusterParameters,
    RegionFilter,
)
from service.api.cluster_cache import ClusterCache, ClusterKey
from service.api.cluster_schemas import CLUSTER_PAGE_SIZE, ClusterResult
from service.auth import Role
from tests.factories import api_key_headers, create_through_api

URL = "/api/v1/clusters"
ORGANISATIONS = "/api/v1/organisations"
PROBLEM = "application/problem+json"
GEOJSON = "application/geo+json"
AS_OF = "2026-11-23"

DORTMUND_HARBOUR = (51.5300, 7.4400)  # Kreis 05913
DORTMUND_EAST = (51.5150, 7.5200)  # Kreis 05913, about 6 km east of the harbour
STUTTGART_FEUERBACH = (48.8300, 9.1600)  # Kreis 08111, DE-BW
BOCHUM = (51.4800, 7.2200)  # Kreis 05911
CONTACT = {"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 123456"}

# Dortmund harbour: 8 firms within 300 m with parking shortage; half visible to peers.
HARBOUR = [f"do-{i}" for i in range(8)]
HARBOUR_VISIBLE = HARBOUR[:4]
# Dortmund east: 5 firms with poor transit access, all visible to peers.
EAST = [f"dx-{i}" for i in range(5)]
# Stuttgart-Feuerbach: 6 firms with parking shortage and shift work, all visible.
FEUERBACH = [f"st-{i}" for i in range(6)]
# Bochum: 4 firms with fleet costs, one short of a cluster (min_members 5); the write test adds the fifth.
BOCHUM_IDS = [f"bo-{i}" for i in range(4)]


def _at(origin: tuple[float, float], east_km: float, north_km: float) -> dict[str, float]:
    lat = origin[0] + north_km / 111.195
    return {"lat": lat, "lon": origin[1] + east_km / (111.195 * math.cos(math.radians(origin[0])))}


def _firm(name: str, point: dict[str, float], issues: list[str], visible: bool, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "company",
        "name": name,
        "sector": "C",
        "employees": 100,
        **point,
        "issues": issues,
        "visible_to_peers": visible,
        "contact_shareable": True,
        "contact": CONTACT,
        **fields,
    }


def _seed() -> dict[str, dict[str, Any]]:
    seed: dict[str, dict[str, Any]] = {}
    for i, organisation_id in enumerate(HARBOUR):
        point = _at(DORTMUND_HARBOUR, 0.1 * (i % 4), 0.1 * (i // 4))
        seed[organisation_id] = _firm(
            f"Hafenfirma {i}", point, ["parking_shortage"], organisation_id in HARBOUR_VISIBLE, employees=100 + 10 * i
        )
    for i, organisation_id in enumerate(EAST):
        seed[organisation_id] = _firm(
            f"Ostfirma {i}", _at(DORTMUND_EAST, 0.1 * i, 0.05 * i), ["poor_transit_access"], True
        )
    for i, organisation_id in enumerate(FEUERBACH):
        point = _at(STUTTGART_FEUERBACH, 0.1 * (i % 3), 0.1 * (i // 3))
        seed[organisation_id] = _firm(f"Feuerbach {i}", point, ["parking_shortage", "shift_work"], True)
    for i, organisation_id in enumerate(BOCHUM_IDS):
        seed[organisation_id] = _firm(f"Bochum {i}", _at(BOCHUM, 0.1 * i, 0.0), ["fleet_costs"], True)
    return seed


@pytest.fixture(scope="module")
def auth(client: TestClient) -> dict[str, dict[str, str]]:
    return {
        "none": {},
        "admin": api_key_headers(client, Role.ADMIN),
        "advisor": api_key_headers(client, Role.ADVISOR, "ihk_dortmund"),
        "planner_nw": api_key_headers(client, Role.PLANNER, "DE-NW"),
        "planner_dortmund": api_key_headers(client, Role.PLANNER, "05913"),
        "planner_bw": api_key_headers(client, Role.PLANNER, "DE-BW"),
        "organisation": api_key_headers(client, Role.ORGANISATION, "do-0"),
    }


@pytest.fixture(scope="module", autouse=True)
def seeded(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    create_through_api(client, auth["admin"], _seed())


def _get(client: TestClient, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(URL, params={"as_of": AS_OF, **params}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    # The route writes the redacted dicts as they are: they must be exactly the documented response model.
    assert ClusterResult.model_validate(body).model_dump(mode="json") == body
    return body


def _containing(body: dict[str, Any], organisation_id: str, count: int) -> dict[str, Any]:
    """The one cluster of ``member_count`` members that lists ``organisation_id``."""
    found: list[dict[str, Any]] = [
        c for c in body["clusters"] if organisation_id in c["members"] and c["member_count"] == count
    ]
    assert len(found) == 1, found
    return found[0]


def _assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["detail"]
    return body


# Roles --------------------------------------------------------------------------------------------


def test_anonymous_is_401(client: TestClient) -> None:
    response = client.get(URL)
    _assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "ApiKey"


def test_organisation_is_403(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _assert_problem(client.get(URL, headers=auth["organisation"]), 403)
    assert "clusters" in body["detail"]


def test_access_is_decided_before_validation(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    _assert_problem(client.get(URL, params={"eps_km": "-1"}), 401)
    _assert_problem(client.get(URL, params={"eps_km": "-1"}, headers=auth["organisation"]), 403)


def test_admin_sees_every_cluster_with_all_members_and_hulls(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    body = _get(client, auth["admin"])
    assert body["as_of"] == AS_OF
    assert body["parameters"]["eps_km"] == 0.5
    assert body["parameters"]["min_members"] == 5
    assert body["parameters"]["region"] is None
    harbour = _containing(body, "do-0", 8)
    assert harbour["members"] == HARBOUR
    assert harbour["size"] == 8
    assert harbour["hull"] is not None
    assert harbour["dominant_problems"][0]["code"] == "parking_shortage"
    assert _containing(body, "dx-0", 5)["members"] == EAST
    assert _containing(body, "st-0", 6)["members"] == FEUERBACH
    assert not [c for c in body["clusters"] if "bo-0" in c["members"]]  # four firms are no cluster
    assert body["clustered"] >= 19
    assert body["considered"] == body["clustered"] + body["noise"]
    assert "contact" not in str(body)  # clusters never carry contacts


def test_advisor_sees_all_members(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _get(client, auth["advisor"], kreis="05913")
    harbour = _containing(body, "do-0", 8)
    assert harbour["members"] == HARBOUR
    assert harbour["hull"] is not None


@pytest.mark.parametrize("planner", ["planner_nw", "planner_dortmund"])
def test_planner_sees_only_visible_members_and_no_hull(
    client: TestClient, auth: dict[str, dict[str, str]], planner: str
) -> None:
    body = _get(client, auth[planner])
    harbour = _containing(body, "do-0", 8)
    assert harbour["members"] == HARBOUR_VISIBLE
    assert harbour["member_count"] == harbour["size"] == 8
    assert harbour["hull"] is None  # its corners would locate hidden members
    # The answer says how many are not named and why (consent), and why the hull is missing.
    hidden = 8 - len(HARBOUR_VISIBLE)
    assert harbour["members_withheld"] == hidden
    assert harbour["withheld_reason"].startswith(f"{hidden} Betriebe werden ohne Einwilligung zur Sichtbarkeit")
    assert "Umrisslinie" in harbour["hull_withheld_reason"]
    assert harbour["employees"] == sum(100 + 10 * i for i in range(8))  # aggregates count everybody
    east = _containing(body, "dx-0", 5)
    assert east["members"] == EAST
    assert east["hull"] is not None  # every member shown
    assert (east["members_withheld"], east["withheld_reason"], east["hull_withheld_reason"]) == (0, None, None)
    assert not [c for c in body["clusters"] if "st-0" in c["members"] or c["member_count"] == 6]


def test_planner_region_is_narrowed(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    nrw = _get(client, auth["planner_nw"])
    assert nrw["parameters"]["region"] == {"kreis": None, "state": "DE-NW", "bbox": None}
    dortmund = _get(client, auth["planner_dortmund"], state="DE-NW")
    assert dortmund["parameters"]["region"] == {"kreis": "05913", "state": "DE-NW", "bbox": None}
    bw = _get(client, auth["planner_bw"])
    assert [c["member_count"] for c in bw["clusters"]] == [6]
    assert bw["clusters"][0]["members"] == FEUERBACH


@pytest.mark.parametrize(
    ("planner", "params"),
    [
        ("planner_bw", {"state": "DE-NW"}),
        ("planner_bw", {"kreis": "05913"}),
        ("planner_nw", {"kreis": "08111"}),
        ("planner_dortmund", {"kreis": "05911"}),
        ("planner_dortmund", {"state": "DE-BW"}),
    ],
)
def test_planner_outside_its_region_is_403(
    client: TestClient, auth: dict[str, dict[str, str]], planner: str, params: dict[str, str]
) -> None:
    body = _assert_problem(client.get(URL, params=params, headers=auth[planner]), 403)
    assert "Region" in body["detail"]


# Filters ------------------------------------------------------------------------------------------


def test_issue_filter(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    body = _get(client, auth["admin"], issue="poor_transit_access")
    assert body["parameters"]["problem"] == "poor_transit_access"
    assert body["parameters"]["problem_label"] == "schlechte ÖPNV-Anbindung"
    assert [c["members"] for c in body["clusters"]] == [EAST]
    assert body["considered"] == 5


def test_kreis_state_and_bbox_filters(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    bw = _get(client, auth["admin"], state="DE-BW")
    assert [c["members"] for c in bw["clusters"]] == [FEUERBACH]
    dortmund = _get(client, auth["admin"], kreis="05913", issue="parking_shortage")
    assert [c["members"] for c in dortmund["clusters"]] == [HARBOUR]
    box = _get(client, auth["admin"], bbox="7.43,51.52,7.46,51.54")  # the harbour only
    assert [c["members"] for c in box["clusters"]] == [HARBOUR]
    assert box["parameters"]["region"]["bbox"] == [7.43, 51.52, 7.46, 51.54]


def test_min_size_eps_and_limit(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    big = _get(client, auth["admin"], min_size=7)
    assert {c["member_count"] for c in big["clusters"]} == {8}
    assert big["parameters"]["min_members"] == 7
    small_eps = _get(client, auth["admin"], eps_km=0.05, kreis="05913")
    assert small_eps["clusters"] == []  # firms are 100 m apart
    assert small_eps["note"].startswith("Kein Cluster: ")  # why, and which size or neighbourhood would find one
    assert "Nachbarschaft (eps) von " in small_eps["note"]
    assert small_eps["parameters"]["region_label"] == "Stadt Dortmund (kreisfreie Stadt)"
    top = _get(client, auth["admin"], limit=1)
    full = _get(client, auth["admin"])
    assert top["clusters"] == full["clusters"][:1]
    assert full["note"] is None  # only an empty answer explains itself
    assert (top["considered"], top["clustered"], top["noise"]) == (full["considered"], full["clustered"], full["noise"])


def test_pages_default_to_50_and_say_where_they_are(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    full = _get(client, auth["admin"])
    assert (full["limit"], full["offset"], full["total"], full["returned"]) == (CLUSTER_PAGE_SIZE, 0, 3, 3)
    assert full["parameters"]["order"] == "score"
    assert full["parameters"]["order_text"].startswith("nach Relevanz absteigend")
    pages = [_get(client, auth["admin"], limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [page["returned"] for page in pages] == [2, 1, 0]
    assert {page["total"] for page in pages} == {3}
    assert [c["id"] for page in pages for c in page["clusters"]] == [c["id"] for c in full["clusters"]]


def test_order_by_size(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    # Harbour 8 firms (100–170 staff), Feuerbach 6 and Dortmund east 5 (100 staff each).
    by_score = _get(client, auth["admin"])
    by_size = _get(client, auth["admin"], order="size")
    assert [c["member_count"] for c in by_size["clusters"]] == [8, 6, 5]
    assert by_size["parameters"]["order"] == "size"
    assert by_size["parameters"]["order_text"].startswith("nach Zahl der Betriebe absteigend")
    assert sorted(c["id"] for c in by_size["clusters"]) == sorted(c["id"] for c in by_score["clusters"])
    affected = _get(client, auth["admin"], order="employees_affected")
    counts = [c["employees_affected"] for c in affected["clusters"]]
    assert counts == sorted(counts, reverse=True)


def test_as_of_defaults_to_today(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get(URL, params={"state": "DE-BW"}, headers=auth["admin"])
    assert response.status_code == 200
    assert response.json()["as_of"] == date.today().isoformat()


# GeoJSON ------------------------------------------------------------------------------------------


def test_geojson_for_admin_has_hulls_and_members(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get(
        URL,
        params={"format": "geojson", "kreis": "05913", "as_of": AS_OF, "issue": "parking_shortage"},
        headers=auth["admin"],
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == GEOJSON
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["as_of"] == AS_OF
    (feature,) = collection["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["members"] == HARBOUR
    assert feature["properties"]["member_count"] == 8
    assert feature["properties"]["rank"] == 1
    assert "hull" not in feature["properties"]
    assert (collection["total"], collection["returned"], collection["offset"], collection["limit"]) == (1, 1, 0, 50)


def test_geojson_is_paged_like_json(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    params = {"format": "geojson", "as_of": AS_OF, "limit": "1", "offset": "1"}
    collection = client.get(URL, params=params, headers=auth["admin"]).json()
    second = _get(client, auth["admin"], limit=1, offset=1)
    (feature,) = collection["features"]
    assert feature["id"] == second["clusters"][0]["id"]
    assert feature["properties"]["rank"] == 2  # counted over all pages
    assert (collection["total"], collection["returned"], collection["offset"], collection["limit"]) == (3, 1, 1, 1)


def test_geojson_for_planner_is_redacted(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    response = client.get(
        URL, params={"format": "geojson", "issue": "parking_shortage", "as_of": AS_OF}, headers=auth["planner_dortmund"]
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == GEOJSON
    (feature,) = response.json()["features"]
    assert feature["geometry"]["type"] == "Point"  # the hull is withheld: the centroid only
    assert feature["properties"]["members"] == HARBOUR_VISIBLE
    assert feature["properties"]["member_count"] == 8
    assert "hull" not in feature["properties"]


# Validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "hint"),
    [
        ({"issue": "potholes"}, "issue", "parking_shortage"),
        ({"kreis": "59"}, "kreis", "5 Ziffern"),
        ({"kreis": "99999"}, "kreis", "05913"),
        ({"kreis": "09162"}, "kreis", "Baden-Württemberg"),  # München: a Kreis, but outside NRW and BW
        ({"state": "DE-BY"}, "state", "DE-NW"),
        ({"bbox": "7,51"}, "bbox", "minlon,minlat,maxlon,maxlat"),
        ({"bbox": "7.5,51,7.4,52"}, "bbox", "min ≤ max"),
        ({"bbox": "7.4,51,7.4,52"}, "bbox", "min_lon < max_lon"),
        ({"kreis": "05913", "state": "DE-BW"}, "kreis", "DE-BW"),
        ({"eps_km": "0"}, "eps_km", "mindestens 0.01"),
        ({"eps_km": "25"}, "eps_km", "höchstens 20"),
        ({"eps_km": "abc"}, "eps_km", "number"),  # problems.py has no German text for float_parsing yet
        ({"min_size": "1"}, "min_size", "mindestens 2"),
        ({"min_size": "5000"}, "min_size", "höchstens 1000"),
        ({"limit": "0"}, "limit", "mindestens 1"),
        ({"limit": "1001"}, "limit", "höchstens 1000"),
        ({"offset": "-1"}, "offset", "mindestens 0"),
        ({"order": "name"}, "order", "employees_affected"),
        ({"format": "kml"}, "format", "geojson"),
        ({"as_of": "23.11.2026"}, "as_of", "JJJJ-MM-TT"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, auth: dict[str, dict[str, str]], params: dict[str, str], field: str, hint: str
) -> None:
    body = _assert_problem(client.get(URL, params=params, headers=auth["admin"]), 422)
    assert body["type"] == "urn:bmm-match:problem:validation-error"
    assert field in body["detail"]
    (error,) = body["errors"]
    assert error["loc"] == ["query", field]
    assert hint in error["message"]


def test_schema_declares_the_paging_and_the_order(client: TestClient) -> None:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"][URL]["get"]["parameters"]}
    assert (parameters["limit"]["default"], parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (
        CLUSTER_PAGE_SIZE,
        1,
        1000,
    )
    assert (parameters["offset"]["default"], parameters["offset"]["minimum"]) == (0, 0)
    order = schema["components"]["schemas"][parameters["order"]["$ref"].rsplit("/", 1)[-1]]
    assert order["enum"] == ["score", "size", "employees_affected"]
    result = schema["components"]["schemas"]["ClusterResult"]
    assert {"total", "returned", "offset", "limit"} <= set(result["required"])
    assert "parameters.order" in result["properties"]["clusters"]["description"]


# Cache --------------------------------------------------------------------------------------------


def test_cached_answer_is_redacted_per_caller(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    cache: ClusterCache = client.app.state.cluster_cache  # type: ignore[attr-defined]
    params = {"issue": "parking_shortage", "kreis": "05913", "eps_km": 0.4}
    admin = _get(client, auth["admin"], **params)
    hits = cache.hits
    planner = _get(client, auth["planner_nw"], **params)
    assert cache.hits == hits + 1  # same revision and parameters: not computed again
    assert admin["clusters"][0]["members"] == HARBOUR
    assert planner["clusters"][0]["members"] == HARBOUR_VISIBLE
    assert planner["clusters"][0]["hull"] is None
    assert _get(client, auth["admin"], **params)["clusters"][0]["members"] == HARBOUR


def test_a_write_invalidates_the_cache(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    params = {"issue": "fleet_costs", "kreis": "05911"}
    assert _get(client, auth["admin"], **params)["clusters"] == []
    assert _get(client, auth["admin"], **params)["clusters"] == []  # cached
    fifth = _firm("Bochum 4", _at(BOCHUM, 0.4, 0.0), ["fleet_costs"], False)
    response = client.post(ORGANISATIONS, json={"id": "bo-4", **fifth}, headers=auth["admin"])
    assert response.status_code == 201, response.text
    (cluster,) = _get(client, auth["admin"], **params)["clusters"]
    assert cluster["members"] == [*BOCHUM_IDS, "bo-4"]
    (redacted,) = _get(client, auth["planner_nw"], **params)["clusters"]
    assert redacted["members"] == BOCHUM_IDS  # the new firm is not visible to peers
    assert redacted["member_count"] == 5
    response = client.delete(f"{ORGANISATIONS}/bo-4", headers=auth["admin"])
    assert response.status_code == 204
    assert _get(client, auth["admin"], **params)["clusters"] == []


def _answer(considered: int) -> ClusterAnswer:
    parameters = ClusterParameters(
        eps_km=0.5,
        min_members=5,
        problem=None,
        problem_label=None,
        region=None,
        order=ClusterOrder.SCORE,
        order_text=CLUSTER_ORDER_TEXT_DE[ClusterOrder.SCORE],
        region_label="alle Standorte",
    )
    return ClusterAnswer(
        as_of=date(2026, 1, 1),
        parameters=parameters,
        considered=considered,
        clustered=0,
        noise=considered,
        total=0,
        offset=0,
        limit=None,
        returned=0,
        clusters=[],
    )


def _key(revision: int, limit: int | None = None, region: RegionFilter | None = None) -> ClusterKey:
    return ClusterKey(
        revision=revision,
        region=region,
        problem=None,
        eps_km=0.5,
        min_members=5,
        limit=limit,
        as_of=date(2026, 1, 1),
    )


def test_cache_is_an_lru_dropped_on_a_new_revision() -> None:
    cache = ClusterCache(size=2)
    calls: list[int] = []

    def compute(value: int) -> ClusterAnswer:
        calls.append(value)
        return _answer(value)

    assert cache.get(_key(1, 1), lambda: compute(1)).considered == 1
    assert cache.get(_key(1, 1), lambda: compute(99)).considered == 1  # hit
    assert cache.get(_key(1, region=RegionFilter(state="DE-NW")), lambda: compute(2)).considered == 2
    assert cache.get(_key(1, 3), lambda: compute(3)).considered == 3  # evicts the least recently used (limit 1)
    assert len(cache) == 2
    assert cache.get(_key(1, 1), lambda: compute(4)).considered == 4
    assert cache.get(_key(2, 1), lambda: compute(5)).considered == 5  # new revision: older entries dropped
    assert len(cache) == 1
    assert calls == [1, 2, 3, 4, 5]
    assert (cache.hits, cache.misses) == (1, 5)


def test_cache_keeps_at_most_max_clusters() -> None:
    cache = ClusterCache(size=10, max_clusters=5)

    def sized(clusters: int) -> ClusterAnswer:
        # Only the number of clusters matters to the cache; copies of a placeholder stand in for them.
        placeholder = cast(Cluster, object())
        return _answer(0).model_copy(update={"clusters": [placeholder] * clusters})

    cache.get(_key(1, 1), lambda: sized(3))
    cache.get(_key(1, 2), lambda: sized(2))
    assert len(cache) == 2
    cache.get(_key(1, 3), lambda: sized(2))  # 7 > 5: the least recently used goes
    assert len(cache) == 2
    assert cache.get(_key(1, 9), lambda: sized(6)).clusters  # too large to keep, still answered
    assert len(cache) == 2
    assert cache.misses == 4


def test_redacted_names_stay_unique(client: TestClient, auth: dict[str, dict[str, str]]) -> None:
    # Two estates in Hamm, each a cluster of 6 with the same problem, 2 members of each visible to peers. The admin
    # sees them by estate; the planner may not learn the estates of hidden members, so both fall back to the
    # town's name — which must not repeat within the answer (issue 11: „Cluster Bergkamen …“ twice).
    hamm = (51.6800, 7.8000)
    seed = {}
    for group, (east, estate) in enumerate(((0.0, "Gewerbegebiet Am Hafen"), (3.0, "Gewerbegebiet Rhynern"))):
        for i in range(6):
            seed[f"hm-{group}-{i}"] = _firm(
                f"Hammer Firma {group}-{i}",
                _at(hamm, east + 0.08 * i, 0.0),
                ["land_use_pressure"],
                i < 2,
                estate=estate,
            )
    create_through_api(client, auth["admin"], seed)
    try:
        params = {"issue": "land_use_pressure", "kreis": "05915"}
        admin = sorted(c["name"] for c in _get(client, auth["admin"], **params)["clusters"])
        assert [name.split(":")[0] for name in admin] == ["Cluster Am Hafen", "Cluster Rhynern"]
        planner = [c["name"] for c in _get(client, auth["planner_nw"], **params)["clusters"]]
        assert len(planner) == 2
        assert len(set(planner)) == 2
        first, second = planner
        assert first.startswith("Cluster Hamm: ")
        assert second == first.replace("Cluster Hamm:", "Cluster Hamm (2):")
        assert not any("Hafen" in name or "Rhynern" in name for name in planner)
    finally:
        for organisation_id in seed:
            assert client.delete(f"{ORGANISATIONS}/{organisation_id}", headers=auth["admin"]).status_code == 204
