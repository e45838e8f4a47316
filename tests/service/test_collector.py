"""The collector kept off what lives as long as the app, and nothing kept alive by it."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from service.api.app import create_app
from service.collector import long_lived_frozen
from service.config import ServiceSettings
from tests.factories import migrated_sqlite


class _Node:
    """A reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me: Any = self


def _cycle() -> weakref.ref[_Node]:
    return weakref.ref(_Node())


def test_what_existed_before_is_kept_out_of_collections_and_freed_after() -> None:
    before = _Node()
    gone_before = weakref.ref(before)
    with long_lived_frozen():
        del before
        gc.collect()
        assert gone_before() is not None  # frozen: the collections leave it out
        made_inside = _cycle()
        gc.collect()
        assert made_inside() is None  # made while frozen: collected as usual
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gone_before() is None  # unfrozen: collected, nothing kept


def test_the_app_is_frozen_while_it_serves_and_its_snapshot_is_not(tmp_path: Path) -> None:
    url = migrated_sqlite(tmp_path / "bmm.db")
    app = create_app(ServiceSettings(database_url=url))
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 10_000  # the modules and the app
        tracked = {id(o) for o in gc.get_objects()}  # the generations the collector scans (not the frozen)
        assert id(app.state.live.current().index) in tracked
        assert id(app.state.engine) not in tracked
    assert gc.get_freeze_count() == 0
