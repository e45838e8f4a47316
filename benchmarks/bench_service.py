"""HTTP latency of the service on the demo data, through the ASGI stack in process (FastAPI's TestClient).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_service.py [--size 20000] [--repeat 30]

Seeds a temporary SQLite database like ``bmm demo`` does, then prints: start-up (app and index), the
median and 95th percentile of each recommendation endpoint with the key of the role that uses it, the
cluster endpoint cold and cached, and how long the first request after one write waits for the index.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from httpx2 import Response

from benchmarks.common import print_machine, status_mb
from matcher.reference import load_reference_data
from service.api.app import create_app
from service.auth import Role
from service.config import ServiceSettings
from service.seeding import seed_demo
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository
from tests.factories import api_key_headers

ORGANISATION = "demo-000284"  # the demo company of the README (Dortmund)
PROFILE = {"kind": "company", "name": "Was-wäre-wenn GmbH", "sector": "C", "employees": 80, "postcode": "44135",
           "issues": ["parking_shortage", "shift_work"]}  # fmt: skip


def timed(call: Callable[[], Response], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of ``repeat`` calls (after one warm-up call)."""
    assert call().status_code == 200
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        repository = SqlOrganisationRepository(engine)
        seed_demo(repository, load_reference_data(), size=args.size, seed=42)
        started = time.perf_counter()
        app = create_app(ServiceSettings(database_url=url))
        with TestClient(app) as client:
            startup = time.perf_counter() - started
            print(f"start-up, {args.size:,} organisations (app, model, index): {startup:.2f} s, "
                  f"RSS {status_mb('VmRSS'):.0f} MB")  # fmt: skip
            company = api_key_headers(client, Role.ORGANISATION, ORGANISATION)
            advisor = api_key_headers(client, Role.ADVISOR, "ihk_dortmund")
            planner = api_key_headers(client, Role.PLANNER, "DE-NW")
            base = f"/api/v1/organisations/{ORGANISATION}"
            calls: list[tuple[str, Callable[[], Response]]] = [
                ("peers (organisation key)", lambda: client.get(f"{base}/peers", headers=company)),
                ("measures", lambda: client.get(f"{base}/measures", headers=company)),
                ("funding", lambda: client.get(f"{base}/funding", headers=company)),
                ("advisors", lambda: client.get(f"{base}/advisors", headers=company)),
                ("brief JSON (advisor key)", lambda: client.get(f"{base}/brief", headers=advisor)),
                ("brief HTML", lambda: client.get(f"{base}/brief?format=html", headers=advisor)),
                ("match, anonymous", lambda: client.post("/api/v1/match", json=PROFILE)),
                ("match with peers", lambda: client.post("/api/v1/match", json=PROFILE, headers=company)),
                ("leads ihk_dortmund, 20", lambda: client.get("/api/v1/advisors/ihk_dortmund/leads", headers=advisor)),
                ("clusters Kreis 05913, cached", lambda: client.get("/api/v1/clusters?kreis=05913", headers=planner)),
                ("clusters DE-NW page of 50, cached", lambda: client.get("/api/v1/clusters", headers=planner)),
                ("clusters DE-NW all, cached", lambda: client.get("/api/v1/clusters?limit=1000", headers=planner)),
            ]
            for name, call in calls:
                median, p95 = timed(call, args.repeat)
                print(f"{name:32s} median {median:8.1f} ms   p95 {p95:8.1f} ms")
            for query in ("kreis=05913", "issue=parking_shortage", "", "offset=50", "limit=1000"):
                started = time.perf_counter()
                client.get(f"/api/v1/clusters?{query}&eps_km=0.45", headers=planner)  # a new parameter set: cold
                print(f"clusters {query or 'DE-NW'} cold: {(time.perf_counter() - started) * 1000:.0f} ms")
            for attempt in range(3):
                client.patch(base, json={"employees": 100 + attempt}, headers=company)
                started = time.perf_counter()
                client.get(f"{base}/peers", headers=company)
                print(f"peers right after one write (index brought up to date): "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
