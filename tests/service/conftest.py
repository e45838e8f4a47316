"""Fixtures for the service layer: a migrated temporary database and organisation factories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bmm-test.db'}"


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


@pytest.fixture
def repository(engine: Engine) -> SqlOrganisationRepository:
    return SqlOrganisationRepository(engine)


OrganisationFactory = Callable[..., Organisation]


@pytest.fixture
def make_organisation(builder: ProfileBuilder) -> OrganisationFactory:
    """Build a valid organisation; keyword arguments override profile fields (``id`` included)."""

    def factory(**overrides: Any) -> Organisation:
        organisation_id = overrides.pop("id", "org-1")
        fields: dict[str, Any] = {
            "kind": "company",
            "name": "Beispiel Spedition GmbH",
            "sector": "H",
            "employees": 120,
            "lat": 51.4434,
            "lon": 7.3526,
            "issues": ["parking_shortage", "shift_work"],
            "measures_in_place": ["carpool_matching"],
            "shift_work": True,
        }
        fields.update(overrides)
        return builder.build(OrganisationProfile.model_validate(fields), organisation_id)

    return factory
