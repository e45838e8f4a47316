from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from matcher.reference import ReferenceData
from service.api import throttle as throttle_module
from service.api.security import OptionalPrincipalDep, PrincipalDep, require_roles
from service.api.throttle import FailedAuthThrottle
from service.auth import CachedApiKeys, Principal, Role, SqlApiKeyRepository, SubjectRules


@pytest.fixture
def keys(engine: Engine) -> SqlApiKeyRepository:
    return SqlApiKeyRepository(engine)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> FailedAuthThrottle:
    """Three wrong keys, then one more every 10 s (6 a minute)."""
    return FailedAuthThrottle(burst=3, per_minute=6, clock=clock)


@pytest.fixture
def app(keys: SqlApiKeyRepository, throttle: FailedAuthThrottle) -> FastAPI:
    """A tiny app with one route per dependency; the real app wires ``app.state`` the same way."""
    app = FastAPI()
    app.state.api_keys = CachedApiKeys(keys, ttl=0)  # every key asked from the store (the cache: test_key_cache)
    app.state.auth_throttle = throttle

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

    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
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


# Throttling of wrong keys -------------------------------------------------------------------------------

WRONG = {"X-API-Key": "bmm_" + "w" * 32}


def test_wrong_keys_are_throttled_per_address_with_retry_after(client: TestClient, app: FastAPI, clock: Clock) -> None:
    for _ in range(3):
        assert client.get("/any", headers=WRONG).status_code == 401
    throttled = client.get("/any", headers=WRONG)
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "10"
    assert "Zu viele ungültige API-Schlüssel" in throttled.json()["detail"]
    neighbour = TestClient(app, client=("192.0.2.7", 50000))  # another address has its own bucket
    assert neighbour.get("/any", headers=WRONG).status_code == 401
    clock.now += 10  # one token earned: one more try, then throttled again
    assert client.get("/any", headers=WRONG).status_code == 401
    assert client.get("/any", headers=WRONG).status_code == 429


def test_a_key_in_use_is_never_slowed(client: TestClient, keys: SqlApiKeyRepository, reference: ReferenceData) -> None:
    _, used = _create(keys, reference, Role.PLANNER, "DE-NW")
    _, unused = _create(keys, reference, Role.PLANNER, "DE-BW")
    assert client.get("/any", headers={"X-API-Key": used}).status_code == 200
    for _ in range(3):
        client.get("/any", headers=WRONG)
    assert client.get("/any", headers=WRONG).status_code == 429
    for _ in range(5):
        assert client.get("/any", headers={"X-API-Key": used}).status_code == 200
    # A key this process has not seen succeed is not even looked up while the address is throttled.
    assert client.get("/any", headers={"X-API-Key": unused}).status_code == 429


def test_successes_cost_nothing_and_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    monkeypatch.setattr(throttle_module, "MAX_ADDRESSES", 2)
    throttle = FailedAuthThrottle(burst=1, per_minute=1, clock=clock)
    for _ in range(100):
        throttle.succeeded("h")
    assert throttle.retry_after("198.51.100.1", "other") is None
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        throttle.failed(address)
    assert throttle.retry_after("198.51.100.3", "other") == 60
    assert throttle.retry_after("198.51.100.1", "other") is None  # dropped: least recently failed
