"""Test-data factories: valid objects with sensible defaults; override only what a test is about."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from fastapi.testclient import TestClient

from matcher.geo.reference import GeoReference
from matcher.models import Location, OrganisationProfile
from matcher.vocabulary import STATE_BY_LAND_CODE, LocationPrecision
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.storage.database import make_engine, upgrade

# A mid-sized manufacturer in Köln-Altstadt-Nord, located by postcode only.
DEFAULT_PROFILE: dict[str, Any] = {
    "kind": "company",
    "name": "Beispiel Maschinenbau GmbH",
    "sector": "C",
    "employees": 120,
    "postcode": "50667",
}


def profile_data(**overrides: Any) -> dict[str, Any]:
    """Raw profile input (as a client would send it) with ``overrides`` applied."""
    return {**DEFAULT_PROFILE, **overrides}


def make_profile(**overrides: Any) -> OrganisationProfile:
    """A validated :class:`OrganisationProfile`; pass ``field=None`` to drop a default."""
    return OrganisationProfile.model_validate(profile_data(**overrides))


def municipality_row(geo: GeoReference, ags: str) -> pd.Series:
    """The reference-table row of a municipality."""
    return geo.municipalities.iloc[geo.municipality_position[ags]]


def make_location(
    geo: GeoReference, ags: str, precision: LocationPrecision = LocationPrecision.COORDINATES, **overrides: Any
) -> Location:
    """The :class:`Location` of a municipality's centre, built from its reference-table row."""
    municipality = municipality_row(geo, ags)
    kreis = geo.kreise.loc[str(municipality["kreis_code"])]
    data: dict[str, Any] = {
        "lat": float(municipality["lat"]),
        "lon": float(municipality["lon"]),
        "precision": precision,
        "municipality_ags": ags,
        "municipality_name": str(municipality["short_name"]),
        "kreis_code": str(municipality["kreis_code"]),
        "kreis_name": str(kreis["short_name"]),
        "state": STATE_BY_LAND_CODE[str(municipality["land_code"])],
    }
    return Location(**{**data, **overrides})


def api_key_headers(client: TestClient, role: Role, subject: str | None = None) -> dict[str, str]:
    """Request headers with a fresh API key of ``role`` bound to ``subject``, stored in the app's key store."""
    keys: SqlApiKeyRepository = client.app.state.api_keys  # type: ignore[attr-defined]
    rules = SubjectRules.from_reference(client.app.state.engine.reference)  # type: ignore[attr-defined]
    return {"X-API-Key": keys.create(role, subject, rules=rules)[1]}


def create_through_api(
    client: TestClient, admin: dict[str, str], profiles: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """POST each profile under its id as admin (each must be created: 201); returns the stored answers."""
    created = {}
    for organisation_id, profile in profiles.items():
        response = client.post("/api/v1/organisations", json={"id": organisation_id, **profile}, headers=admin)
        assert response.status_code == 201, response.text
        created[organisation_id] = response.json()
    return created


def migrated_sqlite(path: Path) -> str:
    """The URL of a new SQLite database at ``path``, migrated to the head revision (no engine left open)."""
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url
