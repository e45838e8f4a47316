"""The import lock lives in the database: another process holding it refuses an import; an expired lock is
taken over; a finished import releases it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from service.storage.database import make_engine
from service.storage.locks import LockBusyError, import_lock
from service.storage.tables import import_locks
from tests.service.conftest import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS


def _holders(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [str(owner) for owner in connection.execute(select(import_locks.c.owner)).scalars()]


def test_a_second_taker_is_refused_until_the_first_releases(engine: Engine, database_url: str) -> None:
    other = make_engine(database_url)  # a second connection pool, as another process would have
    with import_lock(engine) as first:
        assert _holders(engine) == [first.owner]
        with pytest.raises(LockBusyError) as busy, import_lock(other):
            pass
        assert busy.value.owner == first.owner
    assert _holders(engine) == []
    with import_lock(other):
        pass
    other.dispose()


def test_an_expired_lock_of_a_dead_process_is_taken_over(engine: Engine) -> None:
    with import_lock(engine, ttl=timedelta(seconds=-1)) as dead:  # as if its process had died long ago
        with import_lock(engine) as taker:
            assert _holders(engine) == [taker.owner]
        assert dead.owner not in _holders(engine)


def test_refresh_pushes_the_expiry_on(engine: Engine) -> None:
    with import_lock(engine, ttl=timedelta(seconds=-1)) as lock:
        lock.ttl = timedelta(minutes=5)
        lock.refresh()
        with pytest.raises(LockBusyError), import_lock(engine):
            pass


@pytest.mark.slow
def test_another_process_holding_the_lock_refuses_this_one(engine: Engine, database_url: str) -> None:
    url = database_url
    holder = textwrap.dedent(
        f"""
        import sys
        from service.storage.database import make_engine
        from service.storage.locks import import_lock
        with import_lock(make_engine({url!r})):
            print("held", flush=True)
            sys.stdin.readline()
        """
    )
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "PYTHONPATH": str(root)}
    with subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment
    ) as process:
        assert process.stdin is not None
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "held"
        try:
            with pytest.raises(LockBusyError), import_lock(engine):
                pass
        finally:
            process.stdin.write("\n")
            process.stdin.flush()
        assert process.wait(timeout=30) == 0
    with import_lock(engine):
        pass
