"""format=html of the residence analyses through the API: the printable report of one organisation and of a
pooled estate, with the page headers (nothing loaded or run, no-store) and never a cell below k."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.auth import Role
from service.html_page import csp_hash
from service.residences_html import CSS
from tests.factories import api_key_headers, create_through_api
from tests.service.pages import printed_counts

ESTATE = "Hafen Report-Test"
# Two firms in one Dortmund estate, both consenting: 3 + 3 in 44139 become one visible origin of 6 (and 2 + 4
# in 44137); alone, report-a's 2 in 44137 stay below k.
PROFILES: dict[str, dict[str, Any]] = {
    "report-a": {"name": "Report <b>Alpha</b> GmbH", "lat": 51.5301, "lon": 7.4401, "synthetic": True},
    "report-b": {"name": "Report Beta GmbH", "lat": 51.5305, "lon": 7.4407},
}
COUNTS = {
    "report-a": {"44139": 3, "44135": 6, "44137": 2, "44803": 8},
    "report-b": {"44139": 3, "44135": 5, "44137": 4},
}


@pytest.fixture(scope="module")
def headers(client: TestClient) -> dict[str, dict[str, str]]:
    admin = api_key_headers(client, Role.ADMIN)
    profiles = {
        organisation_id: {
            "kind": "company", "sector": "C", "employees": 80, "estate": ESTATE, "issues": ["parking_shortage"],
            "share_residence_aggregates": True, **profile,
        }
        for organisation_id, profile in PROFILES.items()
    }  # fmt: skip
    create_through_api(client, admin, profiles)
    for organisation_id, counts in COUNTS.items():
        body = {"postcodes": [{"postcode": p, "count": c} for p, c in counts.items()]}
        response = client.put(f"/api/v1/organisations/{organisation_id}/residences", json=body, headers=admin)
        assert response.status_code == 200, response.text
    return {"admin": admin, "own": api_key_headers(client, Role.ORGANISATION, "report-a")}


def _assert_page(response: Any) -> str:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert f"style-src {csp_hash(CSS)};" in policy
    html: str = response.text
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html
    assert all(n == 0 or n >= 5 for n in printed_counts(html)), sorted(n for n in printed_counts(html) if 0 < n < 5)
    return html


def test_an_organisation_gets_its_report(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    path = "/api/v1/organisations/report-a/residences/analysis"
    html = _assert_page(client.get(path, params={"format": "html"}, headers=headers["own"]))
    analysis = client.get(path, headers=headers["own"]).json()
    assert "Report &lt;b&gt;Alpha&lt;/b&gt; GmbH" in html  # escaped
    assert "Demo-Profil – synthetische Daten" in html
    assert f"{analysis['total']} Beschäftigte mit Wohn-PLZ" in html
    assert "Standort der Organisation" in html  # the answer's site, on the map
    assert html.count('<circle class="home"') == len(analysis["origins"])
    assert "44137" not in html  # 2 people: neither listed nor placed
    assert "Umwegfaktor 1,3" in html


def test_a_pooled_estate_report_has_corridors_and_cross_firm_origins(
    client: TestClient, headers: dict[str, dict[str, str]]
) -> None:
    params = {"estate": ESTATE, "format": "html"}
    html = _assert_page(client.get("/api/v1/residences/analysis", params=params, headers=headers["admin"]))
    assert "zusammengefasst über 2 Organisationen mit Einwilligung" in html
    assert "Korridore – Shuttle- und Buskandidaten" in html
    cross = html.split("Betriebsübergreifende Wohnorte", 1)[1].split("</table>", 1)[0]
    assert re.search(r'<td>44139</td><td>Dortmund</td><td class="count">6</td><td class="num">2</td>', cross)
    assert "Demo-Profil – synthetische Daten" in html  # one pooled firm is synthetic


def test_the_report_obeys_the_same_rules_as_json(client: TestClient, headers: dict[str, dict[str, str]]) -> None:
    path = "/api/v1/organisations/report-b/residences/analysis"
    assert client.get(path, params={"format": "html"}, headers=headers["own"]).status_code == 404  # not its own
    assert client.get(path, params={"format": "html"}).status_code == 401
    refused = client.get(path, params={"format": "pdf"}, headers=headers["admin"])
    assert refused.status_code == 422
    assert "html" in refused.text
