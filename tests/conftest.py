"""Shared fixtures. The reference data is loaded once per test session (about one second)."""

from __future__ import annotations

import pytest

from matcher.catalog import Catalog
from matcher.geo.reference import GeoReference
from matcher.geo.resolver import LocationResolver
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData, load_reference_data
from matcher.settings import MatcherSettings


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    """The real reference data shipped in ``data/`` (geography and catalogue)."""
    return load_reference_data()


@pytest.fixture(scope="session")
def settings() -> MatcherSettings:
    """Default settings."""
    return MatcherSettings()


@pytest.fixture(scope="session")
def resolver(reference: ReferenceData, settings: MatcherSettings) -> LocationResolver:
    """A location resolver on the real geography with default settings."""
    return LocationResolver(reference.geo, settings.geography)


@pytest.fixture(scope="session")
def geo(reference: ReferenceData) -> GeoReference:
    return reference.geo


@pytest.fixture(scope="session")
def catalog(reference: ReferenceData) -> Catalog:
    return reference.catalog


@pytest.fixture(scope="session")
def builder(reference: ReferenceData, settings: MatcherSettings) -> ProfileBuilder:
    """Builds organisations (validated, located, with features) from profiles."""
    return ProfileBuilder(reference, settings)
