"""AskingRoute answers exactly as FastAPI's own route would: every route of the class is served a second time
by a plain ``APIRoute`` with the same endpoint, and both answer every request, good or bad, byte for byte alike."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Query
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.responses import Response

from service.api.app import create_app
from service.api.asking_route import AskingRoute
from service.api.deps import AskingDep
from service.api.routes.recommendations import router as recommendations_router
from service.auth import Role
from service.config import ServiceSettings
from tests.factories import api_key_headers, create_through_api, migrated_sqlite

PREFIX = "/api/v1/organisations"
REFERENCE = "/api/v1/fastapi-reference/organisations"  # under /api/v1: the same security headers
MASKED = re.compile(rb'"recommendation_id":"[^"]*"')
DIRECT = ("peers", "measures", "funding")
SEED = {
    "asker": {"kind": "company", "name": "Fragt GmbH", "sector": "H", "employees": 300, "lat": 51.52,
              "lon": 7.44, "issues": ["parking_shortage", "shift_work"], "shift_work": True},
    "nearby": {"kind": "company", "name": "Nebenan AG", "sector": "C", "employees": 120, "lat": 51.521,
               "lon": 7.441, "issues": ["parking_shortage"], "visible_to_peers": True},
}  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("asking") / "bmm.db")
    app = create_app(ServiceSettings(database_url=url, auth_failure_burst=1_000_000))
    for route in recommendations_router.routes:
        assert isinstance(route, APIRoute)
        if route.path.rsplit("/", 1)[1] in DIRECT:  # first, before the web app's catch-all
            reference = APIRoute(
                route.path.replace(PREFIX, REFERENCE), route.endpoint, methods=list(route.methods or ())
            )
            app.router.routes.insert(0, reference)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(client: TestClient) -> dict[str, dict[str, str]]:
    admin = api_key_headers(client, Role.ADMIN)
    create_through_api(client, admin, SEED)
    return {
        "admin": admin,
        "own": api_key_headers(client, Role.ORGANISATION, "asker"),
        "nobody": {},
        "wrong": {"X-API-Key": "not-a-key"},
        "empty": {"X-API-Key": ""},
    }


QUERIES = [
    "", "limit=3", "limit=0", "limit=101", "limit=-1", "limit=x", "limit=", "limit=1.5", "limit=2&limit=x",
    "limit=%20", "radius_km=5", "radius_km=0", "radius_km=-3", "radius_km=80", "radius_km=80.0001", "radius_km=abc",
    "radius_km=nan", "radius_km=inf", "radius_km=1e400", "limit=0&radius_km=0", "limit=x&radius_km=y&unknown=1",
    "as_of=2026-06-01", "as_of=2026-13-01", "as_of=0", "as_of=2026-6-1", "as_of=", "as_of=x" * 300,
    "include_ineligible=true", "include_ineligible=yes", "include_ineligible=maybe", "include_ineligible=",
    "as_of=bad&include_ineligible=bad", "limit=" + "9" * 40,
]  # fmt: skip
IDS = ["asker", "nearby", "no-such-id", "UPPER", "a" * 200, "bad%20id", "x.y"]


def _answer(client: TestClient, path: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    response = client.get(path, headers=headers)
    return (
        response.status_code,
        sorted(response.headers.items()),
        MASKED.sub(b'"recommendation_id":"*"', response.content),
    )


@pytest.mark.parametrize("endpoint", DIRECT)
@pytest.mark.parametrize("caller", ["admin", "own", "nobody", "wrong", "empty"])
def test_every_answer_is_fastapis_own_byte_for_byte(
    client: TestClient, keys: dict[str, dict[str, str]], endpoint: str, caller: str
) -> None:
    statuses = set()
    asked = [(i, "") for i in IDS] + [("asker", q) for q in QUERIES] + [(i, "limit=0&as_of=0") for i in IDS[2:5]]
    for organisation_id, query in asked:
        tail = f"{organisation_id}/{endpoint}?{query}"
        ours = _answer(client, f"{PREFIX}/{tail}", keys[caller])
        assert ours == _answer(client, f"{REFERENCE}/{tail}", keys[caller]), tail
        statuses.add(ours[0])
    assert statuses >= ({200, 404, 422} if caller in ("admin", "own") else {401})


def test_the_recommendation_routes_read_their_parameters_themselves() -> None:
    routes = [route for route in recommendations_router.routes if isinstance(route, APIRoute)]
    handled = {route.path.rsplit("/", 1)[1]: route for route in routes}
    for name in DIRECT:
        route = handled[name]
        assert isinstance(route, AskingRoute)
        assert route.get_route_handler().__qualname__.startswith("_direct_handler")
    # a plain function keeps FastAPI's handler (it runs in the thread pool anyway)
    assert not handled["brief"].get_route_handler().__qualname__.startswith("_direct_handler")


async def _with_request(request: Request, asking: AskingDep) -> Response:
    return Response()


async def _with_required_query(asking: AskingDep, limit: int) -> Response:
    return Response()


async def _with_list_query(asking: AskingDep, codes: Annotated[list[str] | None, Query()] = None) -> Response:
    return Response()


async def _without_response(asking: AskingDep) -> dict[str, Any]:
    return {}


@pytest.mark.parametrize("endpoint", [_with_request, _with_required_query, _with_list_query, _without_response])
def test_an_endpoint_it_cannot_serve_exactly_is_refused_when_the_route_is_made(endpoint: Any) -> None:
    router = APIRouter(route_class=AskingRoute)
    with pytest.raises(TypeError, match="AskingRoute"):
        router.add_api_route("/x", endpoint)


def test_a_throttled_address_is_429_before_any_parameter_is_checked(tmp_path_factory: pytest.TempPathFactory) -> None:
    url = migrated_sqlite(tmp_path_factory.mktemp("throttled") / "bmm.db")
    wrong = {"X-API-Key": "bmm_" + "q" * 32}
    with TestClient(create_app(ServiceSettings(database_url=url, auth_failure_burst=1))) as client:
        assert client.get(f"{PREFIX}/asker/peers?limit=0", headers=wrong).status_code == 401
        throttled = client.get(f"{PREFIX}/BAD ID/peers?limit=0&radius_km=x", headers=wrong)
    assert throttled.status_code == 429
    assert throttled.headers["content-type"] == "application/problem+json"
    assert int(throttled.headers["Retry-After"]) >= 1
