"""Shared fixtures. The reference data is loaded once per test session (about one second)."""

from __future__ import annotations

import pytest

from matcher.geo.resolver import LocationResolver
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
