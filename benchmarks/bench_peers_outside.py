"""The peers request's own work outside ``recommend_peers``, in process, as a sequence of real requests would do it.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_peers_outside.py --db sqlite:////tmp/copy.db [--rounds 80]

Starts the app on the store, issues organisation keys for 32 visible employers (bench_scale's ``issue_keys``) and
asks each one's peers in turn, ``--rounds`` times: ``get_asking`` (key, throttle, snapshot) and the route function
``get_peers`` itself, called directly (no ASGI, no parameter parsing), with ``recommend_peers`` timed apart. So each
step runs after another organisation's answer, with the CPU caches as cold as in a server. Prints medians (the
first ten rounds left out): ``get_asking``, ``recommend_peers``, the body without it, and both outside it.

Writes API keys and log rows into the store given: use a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import defaultdict
from typing import Any

from fastapi.testclient import TestClient
from starlette.requests import Request

import service.api.routes.recommendations as routes
from benchmarks.bench_scale import keys_for_store
from benchmarks.common import print_machine
from service.api.app import create_app
from service.api.deps import get_asking
from service.config import ServiceSettings

WARM_ROUNDS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--rounds", type=int, default=80)
    arguments = parser.parse_args()
    print_machine()
    keys = keys_for_store(arguments.db)
    app = create_app(ServiceSettings(database_url=arguments.db))
    inner: list[float] = []
    names = vars(routes)  # the route module's globals: its recommend_peers is replaced by a timed one
    recommend = names["recommend_peers"]

    def timed(*args: Any, **options: Any) -> Any:
        started = time.perf_counter()
        answer = recommend(*args, **options)
        inner.append(time.perf_counter() - started)
        return answer

    names["recommend_peers"] = timed
    medians: dict[str, list[float]] = defaultdict(list)

    async def ask() -> None:
        for round_ in range(arguments.rounds):
            for viewer in keys.viewers:
                key = viewer.headers["X-API-Key"]
                scope = {
                    "type": "http", "app": app, "headers": [(b"x-api-key", key.encode())],
                    "client": ("127.0.0.1", 1), "path": "/", "method": "GET", "query_string": b"",
                }  # fmt: skip
                started = time.perf_counter()
                asking = await get_asking(Request(scope), key)
                asked = time.perf_counter()
                await routes.get_peers(viewer.organisation_id, asking, None, None)
                done = time.perf_counter()
                if round_ >= WARM_ROUNDS:
                    peers = inner[-1]
                    medians["get_asking"].append(asked - started)
                    medians["recommend_peers"].append(peers)
                    medians["body without recommend_peers"].append(done - asked - peers)
                    medians["outside recommend_peers"].append(done - started - peers)

    with TestClient(app):
        asyncio.run(ask())
    for name, values in medians.items():
        print(f"{name:30s} median {statistics.median(values) * 1e6:7.1f} µs")


if __name__ == "__main__":
    main()
