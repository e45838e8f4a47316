"""A running app follows a GTFS import by another process: stored profiles, POST /match and the brief."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from matcher.reference import ReferenceData
from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.io.gtfs import ZipLimits
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository
from service.timetable import import_feed, remove_feed
from tests.factories import api_key_headers
from tests.factories_gtfs import GRAEVINGHOLZ, north_of, standard_feed

LIMITS = ZipLimits(entry_bytes=10_000_000, total_bytes=20_000_000)


def _wait_until_applied(client: TestClient, other_process: Engine) -> None:
    """Another process's write reaches the app through its revision watcher (service/freshness.py), off the
    request path and within the poll interval, rather than on the very next request."""
    revision = SqlOrganisationRepository(other_process).revision()
    assert client.app.state.watcher.wait_for(revision, timeout=10)  # type: ignore[attr-defined]


@pytest.mark.slow  # builds its own app (model and reference data)
def test_the_app_follows_an_import_and_a_removal_by_another_process(tmp_path: Path, reference: ReferenceData) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    upgrade(make_engine(url))
    lat, lon = north_of(GRAEVINGHOLZ[2], GRAEVINGHOLZ[3], 150)
    profile = {"kind": "company", "name": "Schichtwerk GmbH", "sector": "C", "employees": 400, "lat": lat, "lon": lon,
               "shift_work": True, "issues": ["shift_work", "high_car_share"]}  # fmt: skip
    with TestClient(create_app(ServiceSettings(database_url=url))) as client:
        admin = api_key_headers(client, Role.ADMIN)
        created = client.post("/api/v1/organisations", json={"id": "werk", **profile}, headers=admin)
        assert created.json()["features"]["transit_class"] == "B"
        other_process = make_engine(url)
        import_feed(other_process, reference, standard_feed().write(tmp_path / "feed.zip"), "vrr", LIMITS)
        _wait_until_applied(client, other_process)

        stored = client.get("/api/v1/organisations/werk", headers=admin).json()["features"]
        assert (stored["transit_class"], stored["transit_stop"]["departures_per_hour"]) == ("A", 12.0)
        matched = client.post("/api/v1/match", json=profile).json()["profile"]["features"]
        assert matched["transit_class"] == "A"  # an unstored profile uses the imported timetable too
        brief = client.get("/api/v1/organisations/werk/brief", headers=admin).json()
        assert "ÖPNV: ÖV-Güteklasse A (sehr gute Erschließung): Stadtbahn-Haltestelle Grävingholz, Dortmund, 150 m, " \
               "12 Abfahrten/h in der Morgenspitze" in brief["organisation"]["location_features"]  # fmt: skip

        remove_feed(other_process, reference, "vrr")
        _wait_until_applied(client, other_process)
        assert client.get("/api/v1/organisations/werk", headers=admin).json()["features"]["transit_class"] == "B"
        assert client.post("/api/v1/match", json=profile).json()["profile"]["features"]["transit_class"] == "B"
