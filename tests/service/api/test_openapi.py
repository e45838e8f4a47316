from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.api.openapi import OPENAPI_FILE, render_openapi

ROOT = Path(__file__).resolve().parents[3]
PUBLIC_PATHS = {
    "/health",
    "/api/v1/vocabulary",
    "/api/v1/measures",
    "/api/v1/measures/{measure_id}",
    "/api/v1/funding-programmes",
    "/api/v1/funding-programmes/{programme_id}",
    "/api/v1/advisors",
    "/api/v1/advisors/{advisor_id}",
}


def _operations(client: TestClient) -> list[dict[str, Any]]:
    schema: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    return [operation for path in schema["paths"].values() for operation in path.values()]


def test_committed_schema_is_up_to_date(client: TestClient) -> None:
    committed = (ROOT / OPENAPI_FILE).read_text(encoding="utf-8")
    fresh = render_openapi(client.app)  # type: ignore[arg-type]
    assert committed == fresh, "openapi.json is stale: run .venv/bin/python scripts/export_openapi.py"


def test_operation_ids_are_unique_and_readable(client: TestClient) -> None:
    ids = [operation["operationId"] for operation in _operations(client)]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*-[a-z_]+", operation_id), operation_id
        assert not re.search(r"_(get|post|put|patch|delete)$", operation_id), operation_id
    assert "measures-list_measures" in ids
    assert "measures-get_measure" in ids
    assert "funding-list_funding_programmes" in ids


def test_every_operation_is_described(client: TestClient) -> None:
    for operation in _operations(client):
        assert operation.get("summary") or operation.get("description"), operation["operationId"]


def test_contract_paths_exist_and_errors_are_problem_details(client: TestClient) -> None:
    schema: dict[str, Any] = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= PUBLIC_PATHS
    for path in PUBLIC_PATHS - {"/health"}:
        responses = schema["paths"][path]["get"]["responses"]
        for status, response in responses.items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], (path, status)
    assert "HTTPValidationError" not in schema["components"]["schemas"]


def test_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
