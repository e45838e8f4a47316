from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Match

from matcher import __version__
from service.api.app import create_app
from service.api.cluster_schemas import CLUSTER_PAGE_MAX
from service.config import ServiceSettings
from service.storage.database import DatabaseNotReadyError
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import OrganisationFactory


def test_health_reports_version_and_counts(
    database_url: str, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id="real-1"), make_organisation(id="demo-1", synthetic=True)])
    with TestClient(create_app(ServiceSettings(database_url=database_url))) as client:
        response = client.get("/health")
    assert response.status_code == 200
    health = response.json()
    model = health.pop("model")
    assert datetime.fromisoformat(health.pop("checked_at")) <= datetime.now(UTC)
    assert health == {
        "status": "ok",
        "version": __version__,
        "organisations": 2,
        "synthetic_organisations": 1,
        "database": "sqlite",
    }
    assert model["training_size"] > 0
    assert "synthetic" in model["training_data"]


def test_health_is_found_before_the_api_routers(database_url: str, repository: SqlOrganisationRepository) -> None:
    # FastAPI tries the route table's entries in order, each included router in turn: a probe's path should
    # not wait behind all of them (docs/benchmarks.md, ninth round), and peers comes first among them.
    routes = create_app(ServiceSettings(database_url=database_url)).router.routes

    def found_at(path: str) -> int:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": [], "query_string": b""}
        return next(i for i, route in enumerate(routes) if route.matches(scope)[0] == Match.FULL)

    peers, residences = found_at("/api/v1/organisations/o-1/peers"), found_at("/api/v1/organisations/o-1/residences")
    assert found_at("/health") < peers < residences


def test_app_refuses_a_database_without_migrations(database_url: str) -> None:
    with pytest.raises(DatabaseNotReadyError):
        create_app(ServiceSettings(database_url=database_url))


def test_operation_ids_are_readable(database_url: str, repository: SqlOrganisationRepository) -> None:
    schema = create_app(ServiceSettings(database_url=database_url)).openapi()
    assert schema["paths"]["/health"]["get"]["operationId"] == "system-health"


def test_limits_are_the_apps_settings(database_url: str, repository: SqlOrganisationRepository) -> None:
    settings = ServiceSettings(
        database_url=database_url, import_max_bytes=4096, residence_max_bytes=2048, residence_max_rows=7, residence_k=6
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/v1/limits")  # public: the web app asks before it signs in
    assert response.status_code == 200
    assert response.json() == {
        "max_body_bytes": settings.max_body_bytes,
        "import_max_bytes": 4096,
        "clusters_max_limit": CLUSTER_PAGE_MAX,
        "residence_max_bytes": 2048,
        "residence_max_rows": 7,
        "residence_k": 6,
    }
