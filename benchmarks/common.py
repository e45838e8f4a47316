"""Helpers shared by the benchmark scripts (run them with PYTHONPATH=. from the repository root)."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from matcher.vocabulary import OrganisationKind
from service.storage.database import make_engine
from service.storage.tables import organisations

EMPLOYERS = (OrganisationKind.COMPANY.value, OrganisationKind.CRAFT_BUSINESS.value)  # the askers of the benchmarks


def status_mb(key: str) -> float:
    """A memory figure of this process from /proc/self/status (Linux), in MB: VmRSS now, VmHWM peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def print_machine() -> None:
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")


def first_visible_ids(url: str, sample: int, kinds: tuple[str, ...] | None = None) -> list[str]:
    """The first ``sample`` ids (in id order) of organisations visible to peers in the store, of ``kinds`` if given."""
    query = select(organisations.c.id).where(organisations.c.visible_to_peers.is_(True))
    if kinds is not None:
        query = query.where(organisations.c.kind.in_(kinds))
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(query.order_by(organisations.c.id).limit(sample)).scalars())
    finally:
        engine.dispose()


@contextmanager
def postgres_database() -> Iterator[str]:
    """The URL of a new database on a throwaway PostgreSQL server (the tests' own), dropped afterwards."""
    from tests.service.postgres import postgres_server

    with postgres_server() as server:
        url = server.create_database()
        try:
            yield url
        finally:
            server.drop_database(url)
