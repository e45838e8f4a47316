"""Nothing synchronous on the read path: the log is queued, /health and known keys ask no database per call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, event

from service.api import deps
from service.api.app import create_app
from service.api.results import FundingResponse, MeasuresResponse, PeersResponse
from service.auth import CachedApiKeys, Principal, Role, hash_secret
from service.config import ServiceSettings
from service.live import LiveIndex
from service.recommendation_log import RecommendationLog
from service.storage.feedback import SqlFeedbackStore
from service.storage.sql_repository import SqlOrganisationRepository
from tests.factories import api_key_headers
from tests.service.conftest import OrganisationFactory

ORGANISATION = "org-read-1"
# The log is written only by flush(), stop() or a full batch, the health check runs only at start and the
# revision watcher polls once a minute: a test sees exactly when rows reach the table and which queries a
# request sends.
QUIET: dict[str, Any] = {
    "recommendation_log_flush_ms": 60_000,
    "recommendation_log_batch_size": 10_000,
    "health_check_seconds": 300,
    "revision_poll_seconds": 60,
    "reader_heartbeat_seconds": 3600,
    "reader_stale_seconds": 7200,
}


class Statements:
    """Counts the SQL statements sent on an engine while it is attached."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[str] = []

    def _record(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        self.sent.append(statement)

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def client(
    database_url: str, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> Iterator[TestClient]:
    repository.add_many([make_organisation(id=ORGANISATION), make_organisation(id="org-read-2", synthetic=True)])
    with TestClient(create_app(ServiceSettings(database_url=database_url, **QUIET))) as test_client:
        yield test_client


def _state(client: TestClient, name: str) -> Any:
    return getattr(client.app.state, name)  # type: ignore[attr-defined]


def test_feedback_links_to_an_answer_still_in_the_queue(client: TestClient) -> None:
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    shown = client.get(f"/api/v1/organisations/{ORGANISATION}/measures", headers=key).json()
    store: SqlFeedbackStore = _state(client, "feedback")
    assert shown["recommendation_id"] is not None
    assert store.count_logged() == 0  # the race: the answer has not reached the table
    rating = {"organisation_id": ORGANISATION, "item_type": "measure", "item_id": shown["items"][0]["id"],
              "verdict": "accepted"}  # fmt: skip
    response = client.post("/api/v1/feedback", json=rating, headers=key)
    assert response.status_code == 201, response.text
    assert response.json()["recommendation_id"] == shown["recommendation_id"]


def test_the_queue_is_written_when_the_app_shuts_down(
    database_url: str, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id=ORGANISATION)])
    app = create_app(ServiceSettings(database_url=database_url, **QUIET))
    with TestClient(app) as client:
        key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
        ids = [client.get(f"/api/v1/organisations/{ORGANISATION}/measures", headers=key).json() for _ in range(3)]
        writer: RecommendationLog = _state(client, "recommendation_log")
        assert writer.depth == 3
    store = SqlFeedbackStore(repository.engine)
    assert [store.logged(answer["recommendation_id"]) is not None for answer in ids] == [True, True, True]


def test_health_answers_from_the_background_check_without_a_query(client: TestClient) -> None:
    engine: Engine = _state(client, "repository").engine
    with Statements(engine) as statements:
        answers = [client.get("/health") for _ in range(20)]
    assert statements.sent == []
    assert {(a.status_code, a.json()["organisations"], a.json()["synthetic_organisations"]) for a in answers} == {
        (200, 2, 1)
    }


def test_answers_ask_the_store_for_no_revision(client: TestClient) -> None:
    """The snapshot's freshness comes from the worker's revision watcher (service/freshness.py)."""
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    peers = f"/api/v1/organisations/{ORGANISATION}/peers"
    assert client.get(peers, headers=key).status_code == 200
    engine: Engine = _state(client, "repository").engine
    with Statements(engine) as statements:
        assert [client.get(peers, headers=key).status_code for _ in range(5)] == [200] * 5
    assert [s for s in statements.sent if "organisation_changes" in s] == []


def test_a_known_key_asks_no_query_within_its_cache_time(client: TestClient) -> None:
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    assert client.get("/api/v1/me", headers=key).status_code == 200  # verified once, then believed
    engine: Engine = _state(client, "repository").engine
    with Statements(engine) as statements:
        assert [client.get("/api/v1/me", headers=key).status_code for _ in range(5)] == [200] * 5
    assert [s for s in statements.sent if "api_keys" in s] == []


def test_the_key_cache_is_asked_by_the_throttles_hash_only_for_a_key_of_at_most_200_characters(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """get_principal looks a key up in the cache by the hash of its first 200 characters (the throttle's): a longer
    key, never valid, is not looked up there (its first 200 could be a valid key's) but asked from the store."""
    keys: CachedApiKeys = _state(client, "api_keys")
    asked: list[str] = []
    verified = keys.verified

    def noted(key_hash: str) -> Principal | None:
        asked.append(key_hash)
        return verified(key_hash)

    monkeypatch.setattr(keys, "verified", noted)
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    assert client.get("/api/v1/me", headers=key).status_code == 200
    assert client.get("/api/v1/me", headers=key).status_code == 200  # from the cache
    assert asked[-1] == hash_secret(key["X-API-Key"])
    long_key = key["X-API-Key"] + "x" * 200
    assert client.get("/api/v1/me", headers={"X-API-Key": long_key}).status_code == 401
    assert hash_secret(long_key[:200]) not in asked


def test_deleting_an_organisation_ends_its_cached_keys_at_once(client: TestClient) -> None:
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    admin = api_key_headers(client, Role.ADMIN)
    assert client.get("/api/v1/me", headers=key).status_code == 200
    assert client.delete(f"/api/v1/organisations/{ORGANISATION}", headers=admin).status_code == 204
    assert client.get("/api/v1/me", headers=key).status_code == 401


@pytest.mark.parametrize("route", ["peers", "measures", "funding"])
def test_answers_are_serialised_as_their_response_model(client: TestClient, route: str) -> None:
    """The routes send JSON serialised once by pydantic: byte for byte what FastAPI's ``response_model``
    serialisation gives, and valid against that model."""
    models: dict[str, type[BaseModel]] = {
        "peers": PeersResponse, "measures": MeasuresResponse, "funding": FundingResponse
    }  # fmt: skip
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    answer = client.get(f"/api/v1/organisations/{ORGANISATION}/{route}", headers=key)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    model = models[route].model_validate_json(answer.content)
    assert answer.content == model.model_dump_json(by_alias=True).encode()
    assert answer.json()["organisation_id"] == ORGANISATION


def test_a_current_snapshot_is_handed_out_without_a_thread_hop(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only when the snapshot is not known to be current (a watcher noted a newer revision) does the
    dependency go to the thread pool, where it may ask the store or wait for the refresh."""
    hops: list[object] = []

    async def counted(function: Any, *args: Any) -> Any:
        hops.append(function)
        return function(*args)

    monkeypatch.setattr(deps, "run_in_threadpool", counted)
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    peers = f"/api/v1/organisations/{ORGANISATION}/peers"
    assert [client.get(peers, headers=key).status_code for _ in range(3)] == [200] * 3
    assert hops == []
    live: LiveIndex = _state(client, "live")
    live.note_revision(live.revision + 1)  # as the watcher does when it sees a write of another worker
    assert client.get(peers, headers=key).status_code == 200
    assert hops == [live.current]
