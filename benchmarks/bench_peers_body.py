"""In-process cost of the peers route's body around ``recommend_peers``, and of writing its log rows.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_peers_body.py --db sqlite:////tmp/copy.db [--sample 32]
        [--rounds 7] [--batch 100] [--log-rows 1000] [--postgres]

Starts the app on the store (so the snapshot is the one the service serves), answers the peers of ``--sample``
visible employers once (``recommend_peers`` and the learned adjustment, as the route does) with each one's own
organisation key as the caller, then times what the route does with such an answer: placing the peers
(``peer_items``), queueing the log entry (``Asking.log``; queued into a list here, no thread) and serialising
the answer (``PeersResponse`` and ``json_answer``). Then the log writer's work for ``--log-rows`` such answers
(the sampled ones again and again): encoding the rows (``log_row``) and writing them in batches of ``--batch``
(``write_log_rows``, deleted organisations left out), into the store itself or, with ``--postgres``, into a
fresh database on a throwaway PostgreSQL server (the tests' own) holding the asking organisations. Prints per
answer the median wall time and the best round's CPU time of this thread; the writer's best CPU time per
logged answer (SQLite's work in the thread included, a PostgreSQL server's not).

Writes log rows into the store given: use a copy.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from fastapi.testclient import TestClient

from benchmarks.common import EMPLOYERS, first_visible_ids, postgres_database, print_machine
from matcher.matching.peers import recommend_peers
from service.api.app import create_app
from service.api.deps import Asking
from service.api.placing import peer_items
from service.api.results import PeersResponse
from service.api.routes.recommendations import json_answer
from service.auth import Principal, Role
from service.config import ServiceSettings
from service.recommendation_log import RecommendationLog
from service.storage.database import make_engine, upgrade
from service.storage.feedback import Served, SqlFeedbackStore, log_row, new_log_id
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import recommendation_log


class _Queue:
    """Stands in for the RecommendationLog: keeps what was served, as ``submit`` would queue it."""

    def __init__(self) -> None:
        self.entries: list[tuple[Served, str, datetime]] = []

    def submit(self, served: Served) -> str | None:
        entry = (served, new_log_id(), datetime.now(UTC))
        self.entries.append(entry)
        return entry[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sample", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--log-rows", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    arguments = parser.parse_args()
    print_machine()
    ids = first_visible_ids(arguments.db, arguments.sample, EMPLOYERS)
    app = create_app(ServiceSettings(database_url=arguments.db))
    with TestClient(app):
        state = app.state
        snapshot = state.live.current()
        for thread in threading.enumerate():
            if thread.name == "bmm-pending-trees":
                thread.join()  # the trees built after a load would compete for the GIL with the timing
        engine = snapshot.engine
        queue = _Queue()
        asked = []
        for organisation_id in ids:
            principal = Principal(key_id="bench", role=Role.ORGANISATION, subject=organisation_id)
            asking = Asking(
                principal, state.access, snapshot, engine, state.feedback, cast(RecommendationLog, queue),
                state.learned.current(),
            )  # fmt: skip
            organisation = snapshot.organisations[organisation_id]
            answer = recommend_peers(
                organisation, snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings.peers,
                include_invisible=False, home_places=snapshot.home_places,
            )  # fmt: skip
            asked.append((asking, organisation_id, answer, asking.adjusted(answer.items, "peer", organisation)))

        def body() -> None:
            for asking, organisation_id, answer, adjusted in asked:
                items = peer_items(asking.policy, asking.principal, asking.snapshot, adjusted)
                parameters = {"limit": None, "radius_km": None}
                recommendation_id = asking.log("peers", "peer", organisation_id, parameters, items)
                json_answer(PeersResponse(
                    organisation_id=organisation_id, recommendation_id=recommendation_id, radius_km=answer.radius_km,
                    candidates=answer.candidates, items=items,
                ))  # fmt: skip

        placed = [peer_items(a.policy, a.principal, a.snapshot, adjusted) for a, _, _, adjusted in asked]
        shown = list(zip(asked, placed, strict=True))

        def place() -> None:
            for asking, _, _, adjusted in asked:
                peer_items(asking.policy, asking.principal, asking.snapshot, adjusted)

        def log() -> None:
            for (asking, organisation_id, _, _), items in shown:
                asking.log("peers", "peer", organisation_id, {"limit": None, "radius_km": None}, items)

        def serialise() -> None:
            for (_, organisation_id, answer, _), items in shown:
                json_answer(PeersResponse(
                    organisation_id=organisation_id, recommendation_id="rec-0123456789abcdef",
                    radius_km=answer.radius_km, candidates=answer.candidates, items=items,
                ))  # fmt: skip

        parts = {"route body": body, "peer_items": place, "Asking.log": log, "json_answer": serialise}
        for name, work in parts.items():
            wall, cpu = _timed(work, arguments.rounds, len(asked))
            print(f"{name:12s} median {wall * 1e6:7.1f} µs  best CPU {cpu * 1e6:7.1f} µs per answer")

        served = [entry[0] for entry in queue.entries[: len(asked)]] * -(-arguments.log_rows // len(asked))
        served = served[: arguments.log_rows]
        # Each round writes new rows: the answers' entries again with new ids (made when an answer is, not timed).
        fresh = iter([[(s, new_log_id(), datetime.now(UTC)) for s in served] for _ in range(2 * arguments.rounds + 2)])
        with _log_store(arguments.postgres, [snapshot.organisations[i] for i in ids], arguments.db) as store:

            def write() -> None:
                entries = next(fresh)
                for start in range(0, len(entries), arguments.batch):
                    batch = entries[start : start + arguments.batch]
                    store.write_log_rows([log_row(*entry) for entry in batch], stored_only=True)

            _, cpu = _timed(write, arguments.rounds, len(served))
            where = "PostgreSQL" if arguments.postgres else "the store"
            print(f"log writer   {cpu * 1e6:7.1f} µs CPU per logged answer (batches of {arguments.batch}, {where})")
            # The floor: the driver alone, given rows already encoded and converted, in transactions of a batch.
            dialect = store.engine.dialect
            compiled = recommendation_log.insert().compile(dialect=dialect)
            keys = list(compiled.positiontup or ()) if dialect.positional else None
            processors = {c.key: c.type.dialect_impl(dialect).bind_processor(dialect) for c in recommendation_log.c}

            def converted(row: dict[str, Any]) -> Any:
                values = {k: processor(v) if (processor := processors[k]) else v for k, v in row.items()}
                return tuple(values[k] for k in keys) if keys is not None else values

            ready = iter([[converted(log_row(*entry)) for entry in next(fresh)] for _ in range(arguments.rounds + 1)])

            def insert() -> None:
                rows = next(ready)
                for start in range(0, len(rows), arguments.batch):
                    with store.engine.begin() as connection:
                        connection.exec_driver_sql(compiled.string, rows[start : start + arguments.batch])

            _, cpu = _timed(insert, arguments.rounds, len(served))
            print(f"driver alone {cpu * 1e6:7.1f} µs CPU per logged answer (executemany and commit)")
            print(f"             {store.count_logged()} rows in the log")


def _timed(work: Callable[[], Any], rounds: int, count: int) -> tuple[float, float]:
    """Median wall time and best CPU time per item over ``rounds`` runs of ``work`` (after one to warm up)."""
    work()
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.thread_time()
        work()
        cpus.append((time.thread_time() - cpu) / count)
        walls.append((time.perf_counter() - wall) / count)
    return statistics.median(walls), min(cpus)


@contextmanager
def _log_store(postgres: bool, stored: list[Any], url: str) -> Iterator[SqlFeedbackStore]:
    if not postgres:
        engine = make_engine(url)
        yield SqlFeedbackStore(engine)
        engine.dispose()
        return
    with postgres_database() as database:
        engine = make_engine(database)
        upgrade(engine)
        SqlOrganisationRepository(engine).add_many(stored)
        yield SqlFeedbackStore(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
