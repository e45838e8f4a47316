"""Problem details speak German in ``detail`` and keep the English in ``detail_en`` (issue 13.8)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.testclient import TestClient

from service.access import AccessDenied, Denial, not_found_detail
from service.api.problems import install_problem_handlers

ENGLISH = re.compile(r"\b(invalid|input|not found|no such|path|unauthorized|forbidden|error|permitted)\b", re.I)


@pytest.fixture(scope="module")
def app_client() -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/count")
    def count(per_page: int) -> int:
        return per_page

    @app.get("/organisation")
    def organisation() -> None:
        raise AccessDenied(Denial.NOT_FOUND, not_found_detail("org-x"))

    @app.get("/forbidden")
    def forbidden() -> None:
        raise HTTPException(403, "Die Rolle 'organisation' darf das nicht. / Role 'organisation' is not permitted.")

    @app.get("/unauthorised")
    def unauthorised() -> None:
        raise HTTPException(401, "API-Schlüssel fehlt. / API key missing.")

    with TestClient(app) as client:
        yield client


def _problem(client: TestClient, path: str, status: int) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == status
    body: dict[str, str] = response.json()
    assert not ENGLISH.search(body["detail"]), body["detail"]
    assert " / " not in body["detail"]
    return body


def test_validation_error_names_the_field_in_german_and_english(app_client: TestClient) -> None:
    body = _problem(app_client, "/count?per_page=x", 422)
    assert body["detail"] == "Ungültige Eingabe in: per_page."
    assert body["detail_en"] == "Invalid input in: per_page."


def test_unknown_path_and_unknown_organisation(app_client: TestClient) -> None:
    path = _problem(app_client, "/nowhere", 404)
    assert path["detail"] == "Diese Adresse gibt es nicht."
    assert path["detail_en"] == "No such path."
    organisation = _problem(app_client, "/organisation", 404)
    assert organisation["detail"] == "Organisation 'org-x' nicht gefunden."
    assert organisation["detail_en"] == "Not Found."


def test_401_and_403_split_german_from_english(app_client: TestClient) -> None:
    unauthorised = _problem(app_client, "/unauthorised", 401)
    assert unauthorised["detail"] == "API-Schlüssel fehlt."
    assert unauthorised["detail_en"] == "API key missing."
    forbidden = _problem(app_client, "/forbidden", 403)
    assert forbidden["detail"] == "Die Rolle 'organisation' darf das nicht."
    assert forbidden["detail_en"] == "Role 'organisation' is not permitted."
