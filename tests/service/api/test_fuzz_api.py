"""Schemathesis over the OpenAPI schema with every role: no generated request is a server error (issue 17).

Deterministic (``derandomize``) and small (a few examples per operation, each sent as every caller), so it
fits CI; marked slow. The app runs on a seeded SQLite database with one organisation per role's subject.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok

from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.storage.database import make_engine, upgrade
from tests.factories import api_key_headers

pytestmark = pytest.mark.slow

CALLERS: dict[str, tuple[Role, str | None] | None] = {
    "anonymous": None,
    "admin": (Role.ADMIN, None),
    "advisor": (Role.ADVISOR, "ihk_dortmund"),
    "planner": (Role.PLANNER, "DE-NW"),
    "organisation": (Role.ORGANISATION, "fuzz-own"),
}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, dict[str, dict[str, str]]]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'bmm.db'}"
    upgrade(make_engine(url))
    app = create_app(ServiceSettings(database_url=url, auth_failure_burst=1_000_000))
    with TestClient(app) as client:
        headers = {label: api_key_headers(client, *caller) if caller else {} for label, caller in CALLERS.items()}
        profile = {"id": "fuzz-own", "kind": "company", "name": "Fuzz GmbH", "employees": 40, "lat": 51.51, "lon": 7.46}
        assert client.post("/api/v1/organisations", json=profile, headers=headers["admin"]).status_code == 201
        yield app, headers


def test_no_request_is_a_server_error(fuzz_app: tuple[FastAPI, dict[str, dict[str, str]]]) -> None:
    app, headers = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: list[int] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    assert len(operations) >= 30  # the whole API (32 operations), not an empty schema

    for operation in operations:

        @settings(
            max_examples=4,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            for label, caller_headers in headers.items():
                response = case.call(headers={**dict(case.headers or {}), **caller_headers})
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{label}: {case.method} {case.formatted_path} {response.status_code}")

        run()
    assert failures == []
    assert len(statuses) >= len(operations) * len(headers)  # every operation was sent as every caller
    assert {200, 401, 403, 422} <= set(statuses)  # the callers and the generated values made a difference
