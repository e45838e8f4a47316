from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from matcher.errors import InputError
from service.api.limits import DEFAULT_MAX_BODY_BYTES, BodySizeLimitMiddleware
from service.api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers

PROBLEM_KEYS = {"type", "title", "status", "detail", "detail_en"}


def test_unknown_id_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/advisors/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["type"] == "urn:bmm-match:problem:not-found"
    assert body["title"] == "Nicht gefunden (Not Found)"
    assert body["status"] == 404


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    response = client.get("/api/v2/nothing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_wrong_method_is_a_405_problem(client: TestClient) -> None:
    response = client.delete("/api/v1/measures")
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "GET" in response.headers["allow"]


def test_bad_as_of_is_a_422_problem_naming_the_field(client: TestClient) -> None:
    response = client.get("/api/v1/funding-programmes", params={"as_of": "23.11.2026"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert set(body) == {*PROBLEM_KEYS, "errors"}
    assert body["type"] == "urn:bmm-match:problem:validation-error"
    (error,) = body["errors"]
    assert error["loc"] == ["query", "as_of"]
    assert "JJJJ-MM-TT" in error["message"]


@pytest.mark.parametrize(("per_page", "text"), [("0", "mindestens 1"), ("201", "höchstens 200"), ("x", "ganze Zahl")])
def test_bad_per_page_is_a_422_problem(client: TestClient, per_page: str, text: str) -> None:
    response = client.get("/api/v1/measures", params={"per_page": per_page})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["query", "per_page"]
    assert text in error["message"]


def test_bad_enum_value_lists_the_allowed_values(client: TestClient) -> None:
    response = client.get("/api/v1/funding-programmes", params={"kind": "bakery", "available": "maybe"})
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["message"] for e in response.json()["errors"]}
    assert "craft_business" in errors[("query", "kind")]
    assert "'bakery'" in errors[("query", "kind")]
    assert "true, false" in errors[("query", "available")]


def test_a_long_bad_value_is_quoted_short(client: TestClient) -> None:
    given = "bäckerei" * 20_000
    response = client.post("/api/v1/match", json={"kind": given, "name": "X", "employees": 5, "postcode": "44787"})
    assert response.status_code == 422
    assert len(response.content) < 4_000
    [message] = [e["message"] for e in response.json()["errors"] if e["loc"] == ["body", "kind"]]
    assert "'bäckereibäckereibäckereibäckereibäckerei…'" in message
    assert "craft_business" in message


# A tiny app for what the catalogue endpoints cannot trigger: bodies, library errors, crashes.


class Echo(BaseModel):
    text: str


@pytest.fixture(scope="module")
def tiny() -> Iterator[TestClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=1_000, per_path={"/imports": 5_000})

    @app.post("/echo")
    def echo(body: Echo) -> Echo:
        return body

    @app.post("/imports")
    def imports(body: Echo) -> Echo:
        return body

    @app.get("/input-error")
    def input_error() -> None:
        raise InputError("radius_km", "Muss zwischen 1 und 50 liegen.", "out_of_range")

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_oversize_body_is_a_413_problem(tiny: TestClient) -> None:
    assert tiny.post("/echo", json={"text": "ok"}).status_code == 200
    response = tiny.post("/echo", json={"text": "x" * 2_000})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == 413
    assert body["title"] == "Anfrage zu groß (Content Too Large)"
    assert "1.000 Bytes" in body["detail"]


def test_oversize_streamed_body_without_length_is_a_413_problem(tiny: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(5):
            yield b"x" * 500
        yield b'"}'

    response = tiny.post("/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_larger_limit_per_path(tiny: TestClient) -> None:
    assert tiny.post("/imports", json={"text": "x" * 2_000}).status_code == 200
    assert tiny.post("/imports", json={"text": "x" * 6_000}).status_code == 413


def test_default_limit_is_ten_megabytes() -> None:
    assert DEFAULT_MAX_BODY_BYTES == 10 * 1024 * 1024


def test_invalid_json_is_a_422_problem(tiny: TestClient) -> None:
    response = tiny.post("/echo", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_missing_field_is_a_422_problem(tiny: TestClient) -> None:
    response = tiny.post("/echo", json={})
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["loc"] == ["body", "text"]


def test_library_input_error_is_a_422_problem(tiny: TestClient) -> None:
    response = tiny.get("/input-error")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["radius_km"], "message": "Muss zwischen 1 und 50 liegen."}]


def test_crash_is_a_500_problem_without_internals(tiny: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="service.api.problems"):
        response = tiny.get("/crash")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert "secret" not in response.text
    assert "GET /crash" in caplog.text


@pytest.mark.parametrize(
    ("path", "where"),
    [("/api/v1/measures?q=a%00b", "query"), ("/api/v1/organisations/a%00b", "path"),
     ("/api/v1/clusters?estate=%1b", "query"), ("/api/v1/advisors/ihk%00", "path")],
)  # fmt: skip
def test_control_characters_in_path_or_query_are_422_before_anything_else(
    client: TestClient, path: str, where: str
) -> None:
    response = client.get(path)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["errors"] == [
        {"loc": [where], "message": pytest.approx(response.json()["errors"][0]["message"])}
    ]
    assert "Steuerzeichen" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("field", ["name", "address", "estate"])
def test_control_characters_in_a_profile_are_422_naming_the_field(client: TestClient, field: str) -> None:
    profile = {"kind": "company", "name": "Firma", "sector": "C", "employees": 5, "postcode": "44135"}
    response = client.post("/api/v1/match", json={**profile, field: "a\u0000b"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", field]


def test_an_unreachable_database_is_503_with_retry_after() -> None:
    from sqlalchemy import create_engine, text

    app = FastAPI()
    install_problem_handlers(app)
    engine = create_engine("sqlite:////nonexistent-folder/bmm.db")  # cannot be opened: OperationalError

    @app.get("/db")
    def db() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    response = TestClient(app).get("/db")
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["Retry-After"] == "5"
    assert "Datenbank" in response.json()["detail"]
    assert "nonexistent" not in response.text  # no driver message, no path
    engine.dispose()
