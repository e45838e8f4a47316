"""Concurrent writers on PostgreSQL: the advisory lock in ``log_changes`` keeps the change log in order.

PostgreSQL only: SQLite serialises writers by locking the whole file (and its busy wait backs off up to
100 ms per retry, so this test would take seconds there without telling anything new).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import event, select

from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import organisation_changes
from tests.service.conftest import POSTGRESQL_ONLY, OrganisationFactory

pytestmark = POSTGRESQL_ONLY


def test_concurrent_writers_log_every_change_and_a_follower_misses_none(
    repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    """Writers in threads, each slow to commit after logging; a follower polling ``changes_since`` (as
    ``LiveIndex`` does) must still see every id. On PostgreSQL this needs the advisory lock in
    ``log_changes``: without it a later revision can commit first, and the follower skips the earlier one."""
    writers, rounds = 4, 8
    template = make_organisation(id="template")

    def slow_commit(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO organisation_changes"):
            time.sleep(random.uniform(0.0, 0.01))

    def write(writer: int) -> set[str]:
        written: set[str] = set()
        start.wait()
        for round_ in range(rounds):
            batch = [template.model_copy(update={"id": f"w{writer}-{round_}-{k}"}) for k in range(3)]
            repository.add_many(batch)
            written.update(o.id for o in batch)
            if round_ % 3 == 2:
                assert repository.delete(batch[0].id)
        return written

    start = threading.Barrier(writers + 1)
    event.listen(repository.engine, "after_cursor_execute", slow_commit)
    seen: set[str] = set()
    revision = 0
    try:
        with ThreadPoolExecutor(writers) as pool:
            futures = [pool.submit(write, w) for w in range(writers)]
            start.wait()
            while not all(f.done() for f in futures):
                changes = repository.changes_since(revision)
                assert changes.ids is not None
                assert changes.revision >= revision
                seen.update(changes.ids)
                revision = changes.revision
            written = set().union(*(f.result() for f in futures))
    finally:
        event.remove(repository.engine, "after_cursor_execute", slow_commit)
    last = repository.changes_since(revision)
    assert last.ids is not None
    assert seen | set(last.ids) == written
    assert seen <= written
    deletes = writers * (rounds // 3)
    with repository.engine.connect() as connection:
        revisions = sorted(connection.execute(select(organisation_changes.c.revision)).scalars())
    assert revisions == list(range(1, len(written) + deletes + 1))  # one per logged id, no gaps
    assert repository.revision() == last.revision == revisions[-1]
    assert repository.count() == len(written) - deletes
