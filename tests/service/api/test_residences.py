"""Residence endpoints (issue 14): upload formats, all or nothing, erase, consent in pooling, k in every answer.

The role × consent matrix of these routes is in test_role_matrix.py; here: what the answers hold.
"""

from __future__ import annotations

import io
import logging
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import openpyxl
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from tests.factories import api_key_headers, create_through_api, migrated_sqlite
from tests.service.pages import printed_counts

API = "/api/v1"
ORGANISATIONS = f"{API}/organisations"
POOLED = f"{API}/residences/analysis"
GEOJSON = "application/geo+json"
ESTATE = "Gewerbegebiet Testhafen"
HARBOUR = (51.5300, 7.4400)  # Dortmund, Kreis 05913
K = 5

# Postcodes of Dortmund and Bochum (all in data/geo/postcodes.csv).
NEAR = ["44135", "44137", "44139", "44141", "44143", "44145", "44147", "44149", "44225", "44227", "44229"]
BOCHUM = "44803"


def _at(east_km: float, north_km: float) -> dict[str, float]:
    lat = HARBOUR[0] + north_km / 111.195
    return {"lat": lat, "lon": HARBOUR[1] + east_km / (111.195 * math.cos(math.radians(HARBOUR[0])))}


def _firm(
    name: str, east_km: float, consent: bool, visible: bool = True, estate: str | None = ESTATE
) -> dict[str, Any]:
    return {
        "kind": "company", "name": name, "sector": "C", "employees": 200, **_at(east_km, 0.0), "estate": estate,
        "issues": ["parking_shortage"], "visible_to_peers": visible, "share_residence_aggregates": consent,
    }  # fmt: skip


FIRMS: dict[str, dict[str, Any]] = {
    "alpha": _firm("Alpha GmbH", 0.0, consent=True),
    "beta": _firm("Beta GmbH", 0.2, consent=True),
    "gamma": _firm("Gamma GmbH", 0.1, consent=False),  # in the estate, but no consent
    "delta": _firm("Delta GmbH", 0.3, consent=True, visible=False),  # consents, not visible to peers
    "epsilon": _firm("Epsilon GmbH", 0.25, consent=True),  # consents, never uploads
    "solo": _firm("Solo GmbH", 5.0, consent=True, estate=None),
    "zeta": _firm("Zeta GmbH", 5.3, consent=True, visible=False, estate="Verborgenes Gewerbegebiet"),
}


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    headers = api_key_headers(client, Role.ADMIN)
    create_through_api(client, headers, FIRMS)
    return headers


def _put_csv(client: TestClient, organisation_id: str, text: str | bytes, headers: dict[str, str]) -> Any:
    body = text.encode() if isinstance(text, str) else text
    return client.put(
        f"{ORGANISATIONS}/{organisation_id}/residences", content=body, headers={**headers, "Content-Type": "text/csv"}
    )


def _put_counts(client: TestClient, organisation_id: str, counts: dict[str, int], headers: dict[str, str]) -> Any:
    body = {"postcodes": [{"postcode": p, "count": c} for p, c in counts.items()]}
    response = client.put(f"{ORGANISATIONS}/{organisation_id}/residences", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _analysis(client: TestClient, organisation_id: str, headers: dict[str, str], **params: str) -> Any:
    response = client.get(f"{ORGANISATIONS}/{organisation_id}/residences/analysis", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _xlsx(rows: list[list[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# -- upload ----------------------------------------------------------------------------------------------


def test_csv_body_one_row_per_employee_in_windows_1252_is_counted_per_postcode(
    client: TestClient, admin: dict[str, str]
) -> None:
    header = "Wohnort-PLZ;Verkehrsmittel;Schicht;Ort"
    rows = [header, *["44139;Auto;Früh;Dortmund"] * 6, *["44137;Rad;Spät;Dortmund"] * 5, "44135;Bus;Spät;Dortmund"]
    result = _put_csv(client, "solo", "\r\n".join(rows).encode("cp1252"), admin)
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["total"], body["postcodes"], body["format"]) == (12, 3, "csv")
    assert body["encoding"].startswith("Windows-1252")
    assert body["mapping"] == {"Wohnort-PLZ": "postcode", "Verkehrsmittel": "mode", "Schicht": "shift", "Ort": "city"}
    analysis = _analysis(client, "solo", admin)
    assert analysis["total"] == 12
    # 44135's one person is below k; "other" would show 1, so the smallest listed origin (44137, 5) joins it.
    assert [(o["postcode"], o["count"]) for o in analysis["origins"]] == [("44139", 6)]
    assert analysis["other_origins"] == {"count": 6, "suppressed": False, "share": 0.5}


def test_multipart_csv_xlsx_and_json_give_the_same_counts(client: TestClient, admin: dict[str, str]) -> None:
    counts = {"44135": 7, "44139": 12, "01067": 5}
    csv_text = "postcode,count\n" + "".join(f"{p},{c}\n" for p, c in counts.items())
    url = f"{ORGANISATIONS}/solo/residences"
    answers = [
        client.put(url, files={"file": ("wohnorte.csv", csv_text.encode(), "text/csv")}, headers=admin),
        # A spreadsheet keeps postcodes as numbers: 1067 is 01067 without its leading zero.
        client.put(
            url,
            files={"file": ("wohnorte.xlsx", _xlsx([["PLZ", "Anzahl"], [44135, 7], [44139, 12], [1067, 5]]), "x")},
            headers=admin,
        ),
        client.put(url, json={"postcodes": [{"postcode": p, "count": c} for p, c in counts.items()]}, headers=admin),
    ]
    for response, file_format in zip(answers, ("csv", "xlsx", "json"), strict=True):
        assert response.status_code == 200, response.text
        assert response.json()["format"] == file_format
        assert (response.json()["total"], response.json()["postcodes"]) == (24, 3)
        stored = client.app.state.residences.get("solo")  # type: ignore[attr-defined]
        assert stored.counts.as_dict() == counts


def test_a_bad_postcode_refuses_the_whole_upload_and_keeps_the_previous_one(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = _put_counts(client, "solo", {"44139": 9}, admin)
    response = _put_csv(client, "solo", "PLZ;Anzahl\n44135;4\n99999;3\n4413;2\n44137;zwei\n", admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["error_count"] == 3
    assert [(e["row"], e["field"], e["value"]) for e in body["errors"]] == [
        (3, "postcode", "99999"),
        (4, "postcode", "4413"),
        (5, "count", "zwei"),
    ]
    assert "unbekannte Postleitzahl „99999“" in body["errors"][0]["message"]
    assert body["errors"][0]["loc"] == ["body", 3, "postcode"]
    assert "nichts gespeichert" in body["detail"]
    after = client.get(f"{ORGANISATIONS}/solo/residences", headers=admin).json()
    assert after == {k: before[k] for k in ("organisation", "uploaded_at", "total", "postcodes")}


def test_a_bad_json_entry_names_its_place_in_the_list(client: TestClient, admin: dict[str, str]) -> None:
    body = {"postcodes": [{"postcode": "44139", "count": 3}, {"postcode": "12", "count": 2}]}
    response = client.put(f"{ORGANISATIONS}/solo/residences", json=body, headers=admin)
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["loc"], error["value"]) == (["body", "postcodes", 1, "postcode"], "12")
    response = client.put(
        f"{ORGANISATIONS}/solo/residences", json={"postcodes": [{"postcode": "44139", "count": 0}]}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "postcodes", 0, "count"]


def test_unsupported_bodies_are_refused_with_what_is_allowed(client: TestClient, admin: dict[str, str]) -> None:
    url = f"{ORGANISATIONS}/solo/residences"
    response = client.put(url, content=b"44139", headers={**admin, "Content-Type": "text/plain"})
    assert response.status_code == 415
    assert "text/csv" in response.json()["detail"]
    geojson = b'{"type": "FeatureCollection", "features": []}'
    response = client.put(url, files={"file": ("wohnorte.geojson", geojson, "application/geo+json")}, headers=admin)
    assert response.status_code == 422
    assert "CSV oder XLSX" in response.json()["errors"][0]["message"]
    response = _put_csv(client, "solo", "Name;Anzahl\nA;3\n", admin)
    assert response.status_code == 422
    assert "postcode" in response.json()["errors"][0]["message"]
    # What reading detected comes along, so a wrong header or delimiter shows itself.
    assert (response.json()["format"], response.json()["delimiter"]) == ("csv", "Semikolon")
    assert response.json()["mapping"] == {"Anzahl": "count"}


def test_delete_erases_the_upload(client: TestClient, admin: dict[str, str]) -> None:
    _put_counts(client, "solo", {"44139": 9}, admin)
    assert client.delete(f"{ORGANISATIONS}/solo/residences", headers=admin).status_code == 204
    assert client.app.state.residences.get("solo") is None  # type: ignore[attr-defined]
    response = client.get(f"{ORGANISATIONS}/solo/residences/analysis", headers=admin)
    assert response.status_code == 404
    assert "keine Wohnorte" in response.json()["detail"]
    assert client.delete(f"{ORGANISATIONS}/solo/residences", headers=admin).status_code == 404


def test_a_profile_update_keeps_the_upload_and_the_consent_defaults_to_false(
    client: TestClient, admin: dict[str, str]
) -> None:
    _put_counts(client, "solo", {"44139": 9}, admin)
    response = client.patch(f"{ORGANISATIONS}/solo", json={"employees": 250}, headers=admin)
    assert response.status_code == 200
    assert response.json()["share_residence_aggregates"] is True
    assert client.app.state.residences.get("solo").counts.total == 9  # type: ignore[attr-defined]
    without = {k: v for k, v in FIRMS["solo"].items() if k != "share_residence_aggregates"}
    created = client.post(ORGANISATIONS, json={**without, "id": "fresh"}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["share_residence_aggregates"] is False
    _put_counts(client, "fresh", {"44139": 9}, admin)
    assert client.delete(f"{ORGANISATIONS}/fresh", headers=admin).status_code == 204
    assert client.app.state.residences.get("fresh") is None  # type: ignore[attr-defined]


# -- analyses --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def estate_uploads(client: TestClient, admin: dict[str, str]) -> None:
    """3 + 3 in Bochum from alpha and beta; gamma (no consent) and delta (hidden) with many."""
    _put_counts(client, "alpha", {BOCHUM: 3, "44139": 10, "44135": 6}, admin)
    _put_counts(client, "beta", {BOCHUM: 3, "44139": 5, "44137": 8}, admin)
    _put_counts(client, "gamma", {BOCHUM: 40, "44139": 40}, admin)
    _put_counts(client, "delta", {"44141": 7}, admin)


@pytest.mark.usefixtures("estate_uploads")
def test_three_and_three_from_two_firms_become_one_visible_origin_of_six(
    client: TestClient, admin: dict[str, str]
) -> None:
    for firm in ("alpha", "beta"):
        assert BOCHUM not in {o["postcode"] for o in _analysis(client, firm, admin)["origins"]}
    response = client.get(POOLED, params={"estate": ESTATE.upper()}, headers=admin)
    assert response.status_code == 200, response.text
    pooled = response.json()
    assert pooled["estate"] == ESTATE
    assert pooled["organisations"] == 3  # alpha, beta, delta
    assert pooled["total"] == 19 + 16 + 7
    (bochum,) = [c for c in pooled["cross_firm"] if c["postcode"] == BOCHUM]
    assert (bochum["count"], bochum["organisations"]) == (6, 2)
    assert {o["postcode"]: o["count"] for o in pooled["origins"]}[BOCHUM] == 6
    corridor = next(c for c in pooled["corridors"] if c["from"] == "Bochum")
    assert (corridor["count"], corridor["to"], corridor["by_organisation"]) == (6, ESTATE, None)


@pytest.mark.usefixtures("estate_uploads")
def test_pooling_leaves_out_firms_without_consent_or_upload_and_counts_them(
    client: TestClient, admin: dict[str, str]
) -> None:
    pooled = client.get(POOLED, params={"estate": ESTATE}, headers=admin).json()
    assert pooled["left_out"] == {"total": 2, "without_consent": 1, "without_upload": 1}
    assert "gamma" not in str(pooled)  # gamma's 40 in Bochum are not pooled, nor named
    assert "epsilon" not in str(pooled)
    site = pooled["site"]
    lats = [FIRMS[f]["lat"] for f in ("alpha", "beta", "delta")]
    assert site["lat"] == pytest.approx(sum(lats) / 3, abs=1e-5)
    assert site["description"].startswith("Mittelpunkt")


@pytest.mark.usefixtures("estate_uploads")
def test_a_planner_gets_no_split_by_hidden_firm_and_a_rounded_site(client: TestClient, admin: dict[str, str]) -> None:
    planner = api_key_headers(client, Role.PLANNER, "05913")
    for_admin = client.get(POOLED, params={"estate": ESTATE}, headers=admin).json()
    for_planner = client.get(POOLED, params={"estate": ESTATE}, headers=planner).json()
    dortmund = next(c for c in for_admin["corridors"] if c["from"] == "Dortmund")
    assert {p["organisation"] for p in dortmund["by_organisation"]} == {"alpha", "beta", "delta"}
    assert next(c for c in for_planner["corridors"] if c["from"] == "Dortmund")["by_organisation"] is None
    assert "delta" not in str(for_planner)
    assert for_planner["site"]["lat"] == round(for_admin["site"]["lat"], 2)
    assert for_planner["total"] == for_admin["total"]
    response = client.get(POOLED, params={"organisations": "alpha,delta"}, headers=planner)
    assert response.status_code == 404  # delta is hidden from planners: like an unknown id
    # An estate whose only member is hidden reads like an unknown one (admins see it).
    _put_counts(client, "zeta", {"44139": 9}, admin)
    hidden_estate = {"estate": "Verborgenes Gewerbegebiet"}
    assert client.get(POOLED, params=hidden_estate, headers=admin).status_code == 200
    hidden = client.get(POOLED, params=hidden_estate, headers=planner)
    unknown = client.get(POOLED, params={"estate": "Gibt es nicht"}, headers=planner)
    assert (hidden.status_code, hidden.json()) == (404, unknown.json())


@pytest.mark.usefixtures("estate_uploads")
def test_pooling_by_cluster_uses_the_ids_of_get_clusters(client: TestClient, admin: dict[str, str]) -> None:
    answer = client.get(f"{API}/clusters", params={"kreis": "05913", "min_size": "5"}, headers=admin).json()
    cluster = next(c for c in answer["clusters"] if {"alpha", "beta", "gamma"} <= set(c["members"]))
    pooled = client.get(POOLED, params={"cluster": cluster["id"]}, headers=admin).json()
    assert pooled["cluster"] == cluster["id"]
    assert pooled["organisations"] == 3
    assert {c["to"] for c in pooled["corridors"]} == {cluster["name"]}
    client.app.state.cluster_cache._entries.clear()  # type: ignore[attr-defined]  # e.g. after a restart
    again = client.get(POOLED, params={"cluster": cluster["id"]}, headers=admin)
    assert again.status_code == 200
    assert again.json()["total"] == pooled["total"]
    unknown = client.get(POOLED, params={"cluster": "cl-000000000000"}, headers=admin)
    assert unknown.status_code == 404
    assert "GET /api/v1/clusters" in unknown.json()["detail"]
    assert client.get(POOLED, params={"cluster": "x"}, headers=admin).status_code == 422


def test_exactly_one_selector(client: TestClient, admin: dict[str, str]) -> None:
    for params in ({}, {"estate": ESTATE, "organisations": "alpha"}, {"estate": " "}):
        response = client.get(POOLED, params=params, headers=admin)
        assert response.status_code == 422, params
        assert "Genau eine Auswahl" in response.json()["errors"][0]["message"]


@pytest.mark.usefixtures("estate_uploads")
def test_geojson_has_the_listed_origins_as_points_and_the_rest_without_geometry(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get(f"{ORGANISATIONS}/alpha/residences/analysis", params={"format": "geojson"}, headers=admin)
    assert response.headers["content-type"] == GEOJSON
    collection = response.json()
    assert collection["type"] == "FeatureCollection"
    assert collection["total"] == 19
    points = [f for f in collection["features"] if f["geometry"] is not None]
    # Bochum's 3 are below k, so the smallest listed origin (44135, 6) joins them in "other": exactly as in JSON.
    assert {f["properties"]["postcode"]: f["properties"]["count"] for f in points} == {"44139": 10}
    for feature in points:
        lon, lat = feature["geometry"]["coordinates"]
        assert 51.3 < lat < 51.7
        assert 7.2 < lon < 7.7
    (rest,) = [f for f in collection["features"] if f["geometry"] is None]
    assert (rest["properties"]["count"], rest["properties"]["suppressed"]) == (9, False)
    as_json = _analysis(client, "alpha", admin)
    assert as_json["other_origins"]["count"] == 9
    assert [o["postcode"] for o in as_json["origins"]] == ["44139"]


# -- k everywhere ------------------------------------------------------------------------------------------


def shown_counts(value: Any) -> Iterator[int | None]:
    """Every ``count`` in an answer (JSON or GeoJSON), at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "count":
                yield item
            else:
                yield from shown_counts(item)
    elif isinstance(value, list):
        for item in value:
            yield from shown_counts(item)


@pytest.fixture(scope="module")
def sweep_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("sweep") / "sweep.db")
    with TestClient(create_app(ServiceSettings(database_url=url, residence_k=6))) as test_client:
        yield test_client


@pytest.mark.parametrize("seed", range(12))
def test_no_endpoint_or_format_shows_a_cell_of_one_to_k_minus_one(sweep_client: TestClient, seed: int) -> None:
    client, k = sweep_client, 6  # a raised k applies everywhere
    rng = np.random.default_rng(seed)
    admin = api_key_headers(client, Role.ADMIN)
    planner = api_key_headers(client, Role.PLANNER, "DE-NW")
    estate = f"Sweep {seed}"
    firms = [f"s{seed}-{i}" for i in range(int(rng.integers(2, 6)))]
    profiles = {f: _firm(f, float(rng.uniform(0, 0.5)), consent=bool(rng.random() < 0.8), estate=estate) for f in firms}
    create_through_api(client, admin, profiles)
    for firm in firms:
        chosen = rng.choice([*NEAR, BOCHUM, "45127", "58095"], size=int(rng.integers(1, 9)), replace=False)
        _put_counts(client, firm, {str(p): int(rng.integers(1, 8)) for p in chosen}, admin)
    answers = []
    for response_format in ("json", "geojson"):
        for firm in firms:
            answers.append(_analysis(client, firm, admin, format=response_format))
        for headers in (admin, planner):
            for params in ({"estate": estate}, {"organisations": ",".join(firms)}):
                response = client.get(POOLED, params={**params, "format": response_format}, headers=headers)
                assert response.status_code == 200, response.text
                answers.append(response.json())
    assert len(answers) == 2 * (len(firms) + 4)
    suppressed = 0
    for answer in answers:
        assert answer["k"] == k
        shown = list(shown_counts(answer))
        assert shown, answer
        assert all(c is None or c == 0 or c >= k for c in shown), shown
        suppressed += shown.count(None)
    assert suppressed > 0  # the uploads did have cells below k: the sweep is not vacuous
    # The printable report (format=html) of every one of these answers prints no count below k either.
    pages = [client.get(f"{ORGANISATIONS}/{firm}/residences/analysis", params={"format": "html"}, headers=admin)
             for firm in firms]  # fmt: skip
    for headers in (admin, planner):
        for params in ({"estate": estate}, {"organisations": ",".join(firms)}):
            pages.append(client.get(POOLED, params={**params, "format": "html"}, headers=headers))
    for page in pages:
        assert page.status_code == 200, page.text
        printed = printed_counts(page.text)
        assert printed
        assert all(c == 0 or c >= k for c in printed), printed


def test_k_below_five_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="residence_k"):
        ServiceSettings(residence_k=4)


# -- limits and logs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("small") / "small.db")
    settings = ServiceSettings(database_url=url, residence_max_rows=3, residence_max_bytes=200)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_row_and_byte_limits_are_enforced_while_reading(small_client: TestClient) -> None:
    client = small_client
    admin = api_key_headers(client, Role.ADMIN)
    create_through_api(client, admin, {"solo": FIRMS["solo"]})
    assert _put_csv(client, "solo", "PLZ\n44139\n44139\n44137\n", admin).status_code == 200
    too_many = _put_csv(client, "solo", "PLZ\n44139\n44139\n44137\n44135\n", admin)
    assert too_many.status_code == 413
    assert "3 Datenzeilen" in too_many.json()["detail"]
    rows = [{"postcode": "44139", "count": 1}] * 4
    assert client.put(f"{ORGANISATIONS}/solo/residences", json={"postcodes": rows}, headers=admin).status_code == 413
    big = "PLZ;Anzahl;Kommentar\n" + "44139;1;" + "x" * 300 + "\n"
    too_large = _put_csv(client, "solo", big, admin)
    assert too_large.status_code == 413
    assert "200 Bytes" in too_large.json()["detail"]
    multipart = client.put(
        f"{ORGANISATIONS}/solo/residences", files={"file": ("w.csv", big.encode(), "text/csv")}, headers=admin
    )
    assert multipart.status_code == 413
    assert client.app.state.residences.get("solo").counts.total == 3  # type: ignore[attr-defined]
    limits = client.get(f"{API}/limits").json()
    assert (limits["residence_max_rows"], limits["residence_max_bytes"], limits["residence_k"]) == (3, 200, 5)


@pytest.mark.usefixtures("estate_uploads")
def test_the_log_holds_no_postcode(client: TestClient, admin: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    counts = {"44227": 5, "44229": 2, "45127": 4}
    with caplog.at_level(logging.DEBUG):
        _put_counts(client, "alpha", counts, admin)
        _put_csv(client, "alpha", "PLZ\n44227\n98765\n", admin)  # refused: the bad value is not logged either
        _analysis(client, "alpha", admin)
        client.get(POOLED, params={"estate": ESTATE, "format": "geojson"}, headers=admin)
        client.delete(f"{ORGANISATIONS}/alpha/residences", headers=admin)
    assert caplog.records, "the routes log (without content)"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for postcode in [*counts, "98765"]:
        assert postcode not in logged
    _put_counts(client, "alpha", {BOCHUM: 3, "44139": 10, "44135": 6}, admin)  # as estate_uploads left it
