"""Issue 17 through the HTTP API: admin-only fields per role, security headers and no-store, offline docs,
throttled wrong keys as problem details, hostile uploads answered 422 with short bodies (never 500)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.headers import DOCS_ASSETS, SecurityHeadersMiddleware
from service.auth import Role
from service.config import ServiceSettings
from service.html_page import csp_hash
from tests.factories import api_key_headers, migrated_sqlite

URL = "/api/v1/organisations"
PROBLEM = "application/problem+json"
WITTEN = {"lat": 51.4434, "lon": 7.3526}


def profile(**overrides: Any) -> dict[str, Any]:
    return {"kind": "company", "name": "Härtetest GmbH", "sector": "H", "employees": 40, **WITTEN, **overrides}


@pytest.fixture(scope="module")
def admin(client: TestClient) -> dict[str, str]:
    return api_key_headers(client, Role.ADMIN)


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


# -- admin-only fields ----------------------------------------------------------------------------------


def test_an_organisation_key_may_not_make_itself_synthetic(client: TestClient, admin: dict[str, str]) -> None:
    own = api_key_headers(client, Role.ORGANISATION, "hard-own")
    refused = client.post(URL, json=profile(id="hard-own", synthetic=True), headers=own)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert "'synthetic'" in refused.json()["detail"]
    assert "admin" in refused.json()["detail"]
    assert client.get(f"{URL}/hard-own", headers=admin).status_code == 404  # nothing stored

    created = client.post(URL, json=profile(id="hard-own"), headers=own)
    assert created.status_code == 201
    assert created.json()["synthetic"] is False
    for change in (
        client.patch(f"{URL}/hard-own", json={"synthetic": True}, headers=own),
        client.put(f"{URL}/hard-own", json=profile(synthetic=True), headers=own),
    ):
        assert change.status_code == 403
        assert "'synthetic'" in change.json()["detail"]
    # The stored value sent back (a read-edit-write round trip) is no change and passes.
    stored = client.get(f"{URL}/hard-own", headers=own).json()
    assert (
        client.patch(
            f"{URL}/hard-own", json={"employees": 41, "synthetic": stored["synthetic"]}, headers=own
        ).status_code
        == 200
    )
    assert client.get(f"{URL}/hard-own", headers=admin).json()["synthetic"] is False
    assert client.delete(f"{URL}/hard-own", headers=admin).status_code == 204


def test_an_admin_may_set_and_clear_synthetic(client: TestClient, admin: dict[str, str]) -> None:
    created = client.post(URL, json=profile(id="hard-demo", synthetic=True), headers=admin)
    assert created.status_code == 201
    assert created.json()["synthetic"] is True
    own = api_key_headers(client, Role.ORGANISATION, "hard-demo")
    assert client.patch(f"{URL}/hard-demo", json={"employees": 5}, headers=own).status_code == 200  # kept: true
    assert client.patch(f"{URL}/hard-demo", json={"synthetic": False}, headers=own).status_code == 403
    assert client.patch(f"{URL}/hard-demo", json={"synthetic": False}, headers=admin).json()["synthetic"] is False
    assert client.delete(f"{URL}/hard-demo", headers=admin).status_code == 204


@pytest.mark.parametrize(("role", "subject"), [(Role.ADVISOR, "ihk_dortmund"), (Role.PLANNER, "DE-NW")])
def test_roles_without_write_access_stay_403(client: TestClient, role: Role, subject: str) -> None:
    response = client.post(URL, json=profile(synthetic=True), headers=api_key_headers(client, role, subject))
    assert response.status_code == 403


# -- keys bound to the organisation's lifetime ---------------------------------------------------------


def test_a_key_does_not_outlive_its_organisation(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=profile(id="hard-gone"), headers=admin).status_code == 201
    old = api_key_headers(client, Role.ORGANISATION, "hard-gone")
    assert client.get(f"{URL}/hard-gone", headers=old).status_code == 200
    assert client.delete(f"{URL}/hard-gone", headers=admin).status_code == 204
    assert (
        client.post(URL, json=profile(id="hard-gone", name="Neuer Eigentümer GmbH"), headers=admin).status_code == 201
    )
    for response in (
        client.get(f"{URL}/hard-gone", headers=old),
        client.patch(f"{URL}/hard-gone", json={"employees": 1}, headers=old),
    ):
        assert response.status_code == 401
    new = api_key_headers(client, Role.ORGANISATION, "hard-gone")
    assert client.get(f"{URL}/hard-gone", headers=new).json()["name"] == "Neuer Eigentümer GmbH"
    assert client.delete(f"{URL}/hard-gone", headers=admin).status_code == 204


# -- outside NRW and Baden-Württemberg ---------------------------------------------------------------------


def test_a_profile_outside_nrw_and_bw_is_stored_with_a_note(client: TestClient, admin: dict[str, str]) -> None:
    munich = client.post(URL, json=profile(id="hard-munich", lat=48.1372, lon=11.5755), headers=admin)
    assert munich.status_code == 201
    assert "Bayern" in munich.json()["coverage_note"]
    assert "Bayern" in client.get(f"{URL}/hard-munich", headers=admin).json()["coverage_note"]
    witten = client.post(URL, json=profile(id="hard-witten"), headers=admin)
    assert witten.json()["coverage_note"] is None
    matched = client.post("/api/v1/match", json=profile(lat=48.1372, lon=11.5755))
    assert matched.status_code == 200
    assert "Bayern" in matched.json()["profile"]["coverage_note"]
    for organisation_id in ("hard-munich", "hard-witten"):
        assert client.delete(f"{URL}/{organisation_id}", headers=admin).status_code == 204


# -- headers -----------------------------------------------------------------------------------------------


def test_every_answer_has_nosniff_and_no_referrer(client: TestClient, admin: dict[str, str]) -> None:
    for response in (client.get("/health"), client.get(f"{URL}/nope", headers=admin), client.get("/openapi.json")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_personal_data_is_not_stored_by_caches(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=profile(id="hard-cache"), headers=admin).status_code == 201
    for path in (f"{URL}/hard-cache", URL, f"{URL}/export", f"{URL}/hard-cache/brief"):
        response = client.get(path, headers=admin)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert client.delete(f"{URL}/hard-cache", headers=admin).status_code == 204


def test_the_html_brief_has_a_strict_policy(client: TestClient, admin: dict[str, str]) -> None:
    assert client.post(URL, json=profile(id="hard-brief"), headers=admin).status_code == 201
    response = client.get(f"{URL}/hard-brief/brief", params={"format": "html"}, headers=admin)
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] in (["'none'"], ["'self'"])  # no other site may frame it
    assert "script-src" not in policy  # falls back to 'none'
    [stylesheet] = re.findall(r"<style>(.*?)</style>", response.text, re.DOTALL)
    assert csp_hash(stylesheet) in policy["style-src"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert client.delete(f"{URL}/hard-brief", headers=admin).status_code == 204


def test_an_html_answer_without_its_own_policy_gets_the_strict_one() -> None:
    app = FastAPI()
    app.add_middleware(SecurityHeadersMiddleware)

    @app.get("/api/v1/page")
    def page() -> HTMLResponse:
        return HTMLResponse("<p>x</p>")

    response = TestClient(app).get("/api/v1/page")
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_elsewhere_and_have_a_policy(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert "cdn.jsdelivr.net" not in response.text
    assert "fonts.googleapis" not in response.text
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    for script in re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL):
        assert csp_hash(script) in policy["script-src"]  # Swagger UI's start script runs, no other inline
    assert "'unsafe-inline'" not in policy["script-src"]
    for asset in re.findall(rf'(?:src|href)="({DOCS_ASSETS}/[^"]+)"', response.text):
        assert client.get(asset).status_code == 200, asset
        assert not asset.startswith("http")


# -- throttling, through the real app ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("strict") / "bmm.db")
    with TestClient(create_app(ServiceSettings(database_url=url, auth_failure_burst=2))) as test_client:
        yield test_client


def test_throttled_wrong_keys_get_429_problem_details_with_retry_after(strict: TestClient) -> None:
    valid = api_key_headers(strict, Role.ADMIN)
    assert strict.get(URL, headers=valid).status_code == 200
    wrong = {"X-API-Key": "bmm_" + "q" * 32}
    assert [strict.get(URL, headers=wrong).status_code for _ in range(2)] == [401, 401]
    throttled = strict.get(URL, headers=wrong)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == PROBLEM
    assert int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["title"].startswith("Zu viele Anfragen")
    assert strict.get(URL, headers=valid).status_code == 200  # the key in use is not held up


# -- hostile uploads through the API ---------------------------------------------------------------------


def _xlsx_with_giant_shared_strings() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["id", "kind", "name", "employees", "lat", "lon"])
    original = io.BytesIO()
    workbook.save(original)
    result = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b"<sst><si><t>")
            for _ in range(40):
                part.write(b"A" * 1024 * 1024)
            part.write(b"</t></si></sst>")
    return result.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("kopf.csv", ("K" * 140_000 + ",kind,name,employees,lat,lon\nx,company,A,1,51.4,7.3\n").encode()),
        ("zelle.csv", ("id,kind,name,employees,lat,lon\nx,company," + "N" * 140_000 + ",1,51.4,7.3\n").encode()),
        ("tief.geojson", b'{"type": "FeatureCollection", "features": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"),
        ("nur-kopf.csv", b"id,kind,name,employees,lat,lon\n"),
        ("bombe.xlsx", _xlsx_with_giant_shared_strings()),
    ],
)
def test_hostile_uploads_are_422_with_a_short_answer(
    client: TestClient, admin: dict[str, str], name: str, data: bytes
) -> None:
    response = client.post(f"{URL}/import", files={"file": (name, data)}, headers=admin)
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    assert len(response.content) < 4_000  # no echo of the input
    [error] = response.json()["errors"]
    assert re.search(r"10\.000 Zeichen|32 Ebenen|keine Datenzeilen|33\.554\.432 Bytes", error["message"]), error
