"""Fixtures for the service layer: a migrated temporary database and organisation factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from matcher.artefacts import describe
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from service.engine import MatchingEngine
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.postgres import PostgresServer, PostgresUnavailableError, postgres_server

# Storage tests run on both backends: ``pytestmark = BOTH_BACKENDS`` in their module (or the mark on one
# test). Everything else gets SQLite only. The PostgreSQL cases are skipped, naming the reason, when no
# server can be started (tests/service/postgres.py); ``-m "not postgresql"`` leaves them out.
BOTH_BACKENDS = pytest.mark.parametrize(
    "backend",
    [pytest.param("sqlite", id="sqlite"), pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql)],
    indirect=True,
)
POSTGRESQL_ONLY = pytest.mark.parametrize(
    "backend", [pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql)], indirect=True
)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (started on first use, stopped at the end), or a skip saying why not."""
    try:
        with postgres_server() as server:
            yield server
    except PostgresUnavailableError as error:
        pytest.skip(f"PostgreSQL unavailable: {error}")


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` unless the test is parametrised with :data:`BOTH_BACKENDS`."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty database of ``backend``: a SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'bmm-test.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    yield url
    server.drop_database(url)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def repository(engine: Engine) -> SqlOrganisationRepository:
    return SqlOrganisationRepository(engine)


OrganisationFactory = Callable[..., Organisation]

# Ids may mix case, digits, '.', '_' and '-'. Python sorts them by code point; a de_DE or ICU collation
# would not ('a_b' < 'A-1' < 'a-b' < 'a1'), so the stores must sort them by code point on every backend.
MIXED_IDS = ["a_b", "A-1", "a-b", "a.b", "a1", "ab", "aB", "Z", "z-9", "Z_0", "0-a", "_x", "-y", "ab-c", "abb"]


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


@pytest.fixture
def matching(
    reference: ReferenceData, settings: MatcherSettings, make_organisation: OrganisationFactory
) -> MatchingEngine:
    """A matching engine with a vectoriser fitted on 20 test profiles (fast to build)."""
    training = [make_organisation(id=f"t{i}", employees=10 + i) for i in range(20)]
    vectoriser = fit_vectoriser(training, settings.vectors)
    card = describe(vectoriser, settings.vectors, "test profiles", len(training), date(2026, 11, 23))
    return MatchingEngine(reference=reference, settings=settings, vectoriser=vectoriser, model_card=card)
