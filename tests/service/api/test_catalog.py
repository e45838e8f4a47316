from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from matcher.catalog import Catalog


def _get(client: TestClient, url: str, **params: Any) -> dict[str, Any]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# Measures


def test_measures_list_is_sorted_and_paginated(client: TestClient, catalog: Catalog) -> None:
    first = _get(client, "/api/v1/measures", per_page=10)
    assert (first["total"], first["page"], first["per_page"]) == (len(catalog.measures), 1, 10)
    second = _get(client, "/api/v1/measures", per_page=10, page=2)
    ids = [m["id"] for m in first["items"] + second["items"]]
    assert ids == sorted(catalog.measures)[:20]
    default = _get(client, "/api/v1/measures")
    assert default["per_page"] == 50
    assert len(default["items"]) == min(50, len(catalog.measures))
    beyond = _get(client, "/api/v1/measures", page=99)
    assert beyond["items"] == []
    assert beyond["total"] == len(catalog.measures)


def test_measures_filter_by_category_and_issue(client: TestClient, catalog: Catalog) -> None:
    cycling = _get(client, "/api/v1/measures", category="cycling", per_page=200)
    expected = sorted(m.id for m in catalog.measures.values() if m.category == "cycling")
    assert [m["id"] for m in cycling["items"]] == expected
    assert cycling["total"] == len(expected) > 0
    assert all(m["category_label"] == "Radverkehr" for m in cycling["items"])
    parking = _get(client, "/api/v1/measures", issue="parking_shortage", category="parking_management")
    assert parking["total"] > 0
    assert all("parking_shortage" in m["addresses"] for m in parking["items"])
    assert all(m["category"] == "parking_management" for m in parking["items"])


def test_measure_by_id_and_unknown_id(client: TestClient, catalog: Catalog) -> None:
    measure = _get(client, "/api/v1/measures/carpool_matching")
    assert measure["name_de"] == catalog.measures["carpool_matching"].name_de
    assert measure["category_label"]
    response = client.get("/api/v1/measures/teleportation")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "teleportation" in response.json()["detail"]


# Funding programmes


def _programme(client: TestClient, programme_id: str, as_of: str) -> dict[str, Any]:
    return _get(client, f"/api/v1/funding-programmes/{programme_id}", as_of=as_of)


def test_funding_availability_depends_on_as_of(client: TestClient) -> None:
    open_in_spring = _programme(client, "nrw_foeri_nah", "2026-03-01")
    assert open_in_spring["available"] is True
    assert open_in_spring["unavailable_reasons"] == []
    assert open_in_spring["as_of"] == "2026-03-01"
    assert open_in_spring["checked_on"] == "2026-11-23"
    closed_later = _programme(client, "nrw_foeri_nah", "2026-11-23")
    assert closed_later["available"] is False
    assert [r["code"] for r in closed_later["unavailable_reasons"]] == ["closed"]
    assert closed_later["unavailable_reasons"][0]["text"].startswith("geschlossen")


@pytest.mark.parametrize("as_of", ["2023-01-01", "2025-06-30", "2030-01-01"])
def test_exhausted_programme_is_never_available_after_2022(client: TestClient, as_of: str) -> None:
    programme = _programme(client, "kfw_441", as_of)
    assert programme["available"] is False
    assert programme["unavailable_reasons"]


def test_non_grant_is_labelled(client: TestClient) -> None:
    ticket = _programme(client, "deutschlandticket_job", "2026-03-01")
    assert ticket["is_grant"] is False
    assert ticket["instrument"] == "ticket_discount"
    assert ticket["instrument_label"].startswith("kein Zuschuss: ")
    grant = _programme(client, "nrw_foeri_nah", "2026-03-01")
    assert grant["is_grant"] is True
    assert grant["instrument_label"] == "Zuschuss"


def test_funding_list_defaults_to_today(client: TestClient, catalog: Catalog) -> None:
    from datetime import date

    body = _get(client, "/api/v1/funding-programmes")
    assert body["total"] == len(catalog.funding)
    assert {p["as_of"] for p in body["items"]} == {date.today().isoformat()}


def test_funding_filters(client: TestClient, catalog: Catalog) -> None:
    url = "/api/v1/funding-programmes"
    available = _get(client, url, as_of="2026-03-01", available=True, per_page=200)
    unavailable = _get(client, url, as_of="2026-03-01", available=False, per_page=200)
    assert available["total"] + unavailable["total"] == len(catalog.funding)
    assert "nrw_foeri_nah" in [p["id"] for p in available["items"]]
    assert "kfw_441" in [p["id"] for p in unavailable["items"]]
    assert all(p["available"] for p in available["items"])

    in_bw = _get(client, url, state="DE-BW", per_page=200)
    ids = {p["id"] for p in in_bw["items"]}
    assert "bw_b2mm" in ids
    assert "deutschlandticket_job" in ids  # federal programmes apply in every Land
    assert "nrw_foeri_nah" not in ids

    for_craft = _get(client, url, kind="craft_business", per_page=200)
    assert all("craft_business" in p["eligible_kinds"] for p in for_craft["items"])
    assert "nrw_foeri_nah" not in {p["id"] for p in for_craft["items"]}

    tickets = _get(client, url, instrument="ticket_discount")
    assert [p["id"] for p in tickets["items"]] == ["deutschlandticket_job"]


def test_unknown_programme_is_404(client: TestClient) -> None:
    response = client.get("/api/v1/funding-programmes/nope", params={"as_of": "2026-03-01"})
    assert response.status_code == 404
    assert response.json()["status"] == 404


# Advisors


def test_advisors_list_and_filters(client: TestClient, catalog: Catalog) -> None:
    url = "/api/v1/advisors"
    everything = _get(client, url, per_page=200)
    assert everything["total"] == len(catalog.advisors)
    assert [a["id"] for a in everything["items"]] == sorted(catalog.advisors)
    assert all(a["role"] and a["role_label"] for a in everything["items"])

    chambers = _get(client, url, type="ihk", state="DE-NW", per_page=200)
    assert chambers["total"] > 0
    assert all(a["organisation_type"] == "ihk" and a["state"] == "DE-NW" for a in chambers["items"])
    assert {a["role"] for a in chambers["items"]} <= {"responsible_chamber", "statewide_network"}

    crafts = _get(client, url, kind="craft_business", per_page=200)
    assert crafts["total"] > 0
    assert all("craft_business" in a["serves_kinds"] for a in crafts["items"])

    in_bw = _get(client, url, state="DE-BW", per_page=200)
    ids = {a["id"] for a in in_bw["items"]}
    assert "balm" in ids  # nationwide
    assert not any(a["state"] == "DE-NW" for a in in_bw["items"])


def test_advisor_by_id_and_unknown_id(client: TestClient) -> None:
    advisor = _get(client, "/api/v1/advisors/ihk_aachen")
    assert advisor["role"] == "responsible_chamber"
    assert advisor["role_label"] == "zuständige Kammer"
    assert client.get("/api/v1/advisors/ihk_atlantis").status_code == 404


def test_unknown_advisor_type_names_the_allowed_values(client: TestClient) -> None:
    response = client.get("/api/v1/advisors", params={"type": "bank"})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "type"]
    assert "ihk" in error["message"]
    assert "zukunftsnetz" in error["message"]


def test_funding_programme_carries_the_rate_and_cap_per_applicant_kind(client: TestClient) -> None:
    # The catalogue view shows these instead of the maximum over kinds (issue 11): cargo bikes 30 % for a
    # craft firm, 60 % for a municipality.
    applicants = _programme(client, "nrw_progres_cargo_bikes", "2026-03-01")["conditions"]["applicants"]
    by_kind = {a["kind"]: (a["role"], a["rate_percent"], a["cap_eur"]) for a in applicants}
    assert by_kind["craft_business"] == ("direct", 30, 2100)
    assert by_kind["municipality"] == ("direct", 60, 4200)
