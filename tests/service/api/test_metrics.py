"""/metrics (service/metrics.py, service/api/observing.py) and the JSON access log: content, no personal data."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.api.app import create_app
from service.api.observing import ACCESS_LOGGER
from service.auth import Role
from service.config import AccessLog, ServiceSettings
from service.storage.sql_repository import SqlOrganisationRepository
from tests.factories import api_key_headers
from tests.service.conftest import OrganisationFactory

ORGANISATION = "org-metrics-7"
PEERS = "/api/v1/organisations/{organisation_id}/peers"


@pytest.fixture
def stored(repository: SqlOrganisationRepository, make_organisation: OrganisationFactory) -> None:
    repository.add_many(
        [
            make_organisation(id=ORGANISATION, visible_to_peers=True),
            make_organisation(id="org-peer-1", lat=51.4450, lon=7.3550, visible_to_peers=True),
        ]
    )


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def client(database_url: str, stored: None) -> Iterator[TestClient]:
    with TestClient(create_app(ServiceSettings(database_url=database_url))) as test_client:
        yield test_client


def test_metrics_count_requests_by_route_template_and_status_class(client: TestClient) -> None:
    key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
    for _ in range(2):
        assert client.get(f"/api/v1/organisations/{ORGANISATION}/peers?limit=3", headers=key).status_code == 200
    assert client.get("/api/v1/organisations/org-unknown-9/peers", headers=key).status_code == 404
    assert client.get("/no/such/path/org-metrics-7").status_code == 404
    client.app.state.recommendation_log.flush()  # type: ignore[attr-defined]

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)

    def count(route: str, status: str) -> float:
        labels = (("method", "GET"), ("route", route), ("status", status))
        return samples[("bmm_http_request_duration_seconds_count", labels)]

    assert count(PEERS, "2xx") == 2
    assert count(PEERS, "4xx") == 1
    assert count("unmatched", "4xx") == 1
    live = client.app.state.live  # type: ignore[attr-defined]
    assert samples[("bmm_snapshot_revision", ())] == live.revision >= 0
    assert samples[("bmm_delta_rows", ())] == live.delta_size
    assert samples[("bmm_recommendation_log_queue_depth", ())] == 0
    assert samples[("bmm_recommendation_log_rows_total", (("outcome", "flushed"),))] == 2
    assert samples[("bmm_recommendation_log_rows_total", (("outcome", "dropped"),))] == 0
    # No ids, keys or query strings: only templates are labels.
    for private in (ORGANISATION, "org-unknown-9", "org-peer-1", key["X-API-Key"], "limit=3", "testclient"):
        assert private not in response.text


def test_metrics_can_be_switched_off(database_url: str, stored: None) -> None:
    with TestClient(create_app(ServiceSettings(database_url=database_url, metrics_enabled=False))) as client:
        assert client.get("/metrics").status_code == 404


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def test_the_json_access_log_has_one_line_per_request_without_personal_data(database_url: str, stored: None) -> None:
    lines = Lines()
    logging.getLogger(ACCESS_LOGGER).addHandler(lines)
    try:
        settings = ServiceSettings(database_url=database_url, access_log=AccessLog.JSON)
        with TestClient(create_app(settings)) as client:
            key = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
            client.get(f"/api/v1/organisations/{ORGANISATION}/peers?limit=3&radius_km=12", headers=key)
            client.get(f"/api/v1/organisations/{ORGANISATION}", headers={"X-API-Key": "bmm_wrong-key-secret"})
            client.get("/health")
    finally:
        logging.getLogger(ACCESS_LOGGER).removeHandler(lines)
    entries: list[dict[str, Any]] = [json.loads(line) for line in lines.lines]
    assert [(e["method"], e["route"], e["status"]) for e in entries] == [
        ("GET", PEERS, 200),
        ("GET", "/api/v1/organisations/{organisation_id}", 401),
        ("GET", "/health", 200),
    ]
    assert all(set(e) == {"time", "method", "route", "status", "duration_ms"} for e in entries)
    assert all(e["duration_ms"] > 0 for e in entries)
    text = "\n".join(lines.lines)
    for private in (ORGANISATION, key["X-API-Key"], "bmm_wrong-key-secret", "limit", "radius_km", "testclient"):
        assert private not in text


def test_without_the_setting_nothing_is_logged_per_request(client: TestClient) -> None:
    lines = Lines()
    logging.getLogger(ACCESS_LOGGER).addHandler(lines)
    try:
        client.get("/health")
    finally:
        logging.getLogger(ACCESS_LOGGER).removeHandler(lines)
    assert lines.lines == []
