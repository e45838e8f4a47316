from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from matcher.reference import ReferenceData
from service.api.security import OptionalPrincipalDep, PrincipalDep, require_roles
from service.auth import Principal, Role, SqlApiKeyRepository, SubjectRules


@pytest.fixture
def keys(engine: Engine) -> SqlApiKeyRepository:
    return SqlApiKeyRepository(engine)


@pytest.fixture
def client(keys: SqlApiKeyRepository) -> TestClient:
    """A tiny app with one route per dependency; the real app wires ``app.state.api_keys`` the same way."""
    app = FastAPI()
    app.state.api_keys = keys

    def _as_dict(principal: Principal | None) -> dict[str, str | None] | None:
        if principal is None:
            return None
        return {"key_id": principal.key_id, "role": principal.role.value, "subject": principal.subject}

    @app.get("/optional")
    def optional(principal: OptionalPrincipalDep) -> dict[str, str | None] | None:
        return _as_dict(principal)

    @app.get("/any")
    def any_role(principal: PrincipalDep) -> dict[str, str | None] | None:
        return _as_dict(principal)

    @app.get("/planning")
    def planning(principal: Annotated[Principal, Depends(require_roles(Role.PLANNER))]) -> dict[str, str | None] | None:
        return _as_dict(principal)

    return TestClient(app)


def _create(
    keys: SqlApiKeyRepository, reference: ReferenceData, role: Role, subject: str | None = None
) -> tuple[str, str]:
    return keys.create(role, subject, rules=SubjectRules.from_reference(reference))


def test_missing_key_is_none_where_optional_and_401_where_required(client: TestClient) -> None:
    assert client.get("/optional").json() is None
    for path in ("/any", "/planning"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "ApiKey"
        assert "X-API-Key" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/optional", "/any", "/planning"])
def test_a_wrong_key_is_401_everywhere(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"X-API-Key": "bmm_" + "x" * 32})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "ApiKey"
    assert "Ungültiger" in response.json()["detail"]
    assert "Invalid" in response.json()["detail"]


def test_a_revoked_key_is_401(client: TestClient, keys: SqlApiKeyRepository, reference: ReferenceData) -> None:
    key_id, secret = _create(keys, reference, Role.PLANNER, "DE-NW")
    assert client.get("/any", headers={"X-API-Key": secret}).status_code == 200
    keys.revoke(key_id)
    assert client.get("/any", headers={"X-API-Key": secret}).status_code == 401
    assert client.get("/optional", headers={"X-API-Key": secret}).status_code == 401


def test_the_principal_is_passed_through(
    client: TestClient, keys: SqlApiKeyRepository, reference: ReferenceData
) -> None:
    key_id, secret = _create(keys, reference, Role.PLANNER, "05913")
    expected = {"key_id": key_id, "role": "planner", "subject": "05913"}
    for path in ("/optional", "/any", "/planning"):
        response = client.get(path, headers={"X-API-Key": secret})
        assert response.status_code == 200, response.text
        assert response.json() == expected


def test_a_valid_key_of_another_role_is_403_without_data(
    client: TestClient, keys: SqlApiKeyRepository, reference: ReferenceData
) -> None:
    _, secret = _create(keys, reference, Role.ADVISOR, "ihk_dortmund")
    response = client.get("/planning", headers={"X-API-Key": secret})
    assert response.status_code == 403
    assert set(response.json()) == {"detail"}
    assert "advisor" in response.json()["detail"]


def test_admin_passes_every_role_check(client: TestClient, keys: SqlApiKeyRepository, reference: ReferenceData) -> None:
    _, secret = _create(keys, reference, Role.ADMIN)
    response = client.get("/planning", headers={"X-API-Key": secret})
    assert response.status_code == 200
    assert response.json()["role"] == "admin"


def test_the_key_header_is_documented_in_openapi(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["APIKeyHeader"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "API-Schlüssel, erzeugt mit 'bmm keys create' / API key created with 'bmm keys create'",
    }
