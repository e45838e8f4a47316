"""The serving core: start-up, memory and the cost of a write for the columnar live index.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_snapshot.py [--size 100000] [--database PATH] [--writes 20]

Seeds a SQLite database like ``bmm demo`` does (kept when ``--database`` names an existing file), then, in a
fresh process so that seeding does not count: the app's start-up until its index is built (the lifespan,
as ``bmm serve`` does it before ``/health`` answers), the resident memory after it, the time to apply one
write to the index (``PATCH visible_to_peers`` through the API, then the next peers request), the time of
a compaction, and peers over the in-process ASGI stack.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_machine, status_mb

ORGANISATION = "demo-000284"


def seed(path: Path, size: int) -> None:
    from matcher.reference import load_reference_data
    from service.seeding import seed_demo
    from service.storage.database import make_engine, upgrade
    from service.storage.sql_repository import SqlOrganisationRepository

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    started = time.perf_counter()
    seed_demo(SqlOrganisationRepository(engine), load_reference_data(), size=size, seed=42)
    print(f"seeded {size:,} demo organisations in {time.perf_counter() - started:.0f} s (not part of the figures)")


def measure(path: Path, writes: int) -> None:
    from fastapi.testclient import TestClient

    from service.api.app import create_app
    from service.auth import Role
    from service.config import ServiceSettings
    from tests.factories import api_key_headers

    started, cpu, child_cpu = time.perf_counter(), time.process_time(), _children_cpu()
    app = create_app(ServiceSettings(database_url=f"sqlite:///{path}"))
    with TestClient(app) as client:
        start, start_cpu = time.perf_counter() - started, time.process_time() - cpu
        start_child_cpu = _children_cpu() - child_cpu
        assert client.get("/health").status_code == 200
        live = app.state.live
        count = live.current().index.count
        print(f"start until /health answers, {count:,} organisations: {start:.1f} s (CPU of this process "
              f"{start_cpu:.1f} s, of its child processes {start_child_cpu:.1f} s: on a shared machine the wall "
              f"time includes waiting for a core; load average {os.getloadavg()[0]:.2f}); "
              f"RSS after start {status_mb('VmRSS'):.0f} MB (peak {status_mb('VmHWM'):.0f} MB)")  # fmt: skip
        company = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
        base = f"/api/v1/organisations/{ORGANISATION}"
        peers = []
        for _ in range(20):
            begun = time.perf_counter()
            assert client.get(f"{base}/peers", headers=company).status_code == 200
            peers.append((time.perf_counter() - begun) * 1000)
        print(f"peers over the ASGI stack (in process): median {statistics.median(peers):.1f} ms")
        applied, visible = [], []
        for attempt in range(writes):
            flag = attempt % 2 == 0
            response = client.patch(base, json={"visible_to_peers": flag}, headers=company)
            assert response.status_code == 200, response.text
            begun = time.perf_counter()
            live.current()  # the delta: the changed row dead, the new one appended
            applied.append((time.perf_counter() - begun) * 1000)
            begun = time.perf_counter()
            assert client.get(f"{base}/peers", headers=company).status_code == 200
            visible.append((time.perf_counter() - begun) * 1000)
        print(f"apply one write to the index (store query + delta): median {statistics.median(applied):.1f} ms, "
              f"max {max(applied):.1f} ms; next peers answer median {statistics.median(visible):.1f} ms; "
              f"delta {live.delta_size} rows")  # fmt: skip
        begun = time.perf_counter()
        compacted = live.current().index.compacted()
        print(f"compaction ({compacted.count:,} rows, base and k-d trees; in a background thread when serving): "
              f"{time.perf_counter() - begun:.1f} s; RSS now {status_mb('VmRSS'):.0f} MB")  # fmt: skip


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the full load reads SQLite in one)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--database", type=Path, default=None, help="SQLite file to reuse (seeded when missing)")
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--measure", type=Path, default=None, help=argparse.SUPPRESS)  # the fresh process
    args = parser.parse_args()
    if args.measure is not None:
        measure(args.measure, args.writes)
        return
    print_machine()
    with tempfile.TemporaryDirectory() as folder:
        path = args.database or Path(folder) / "bench.db"
        if not path.exists():
            seed(path, args.size)
        command = [sys.executable, __file__, "--measure", str(path), "--writes", str(args.writes)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
