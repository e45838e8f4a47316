"""One app per test module: building it loads the reference data and the model (about a second)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import ServiceSettings
from tests.factories import migrated_sqlite


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = migrated_sqlite(tmp_path_factory.mktemp("api") / "bmm-api.db")
    # The role tests send many wrong keys from one address: throttling (tested in test_security) stays out of it.
    settings = ServiceSettings(database_url=url, auth_failure_burst=1_000_000)
    with TestClient(create_app(settings)) as test_client:
        yield test_client
