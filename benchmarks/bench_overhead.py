"""Per-request overhead over HTTP: the product on a real uvicorn (loopback, one worker) against an empty
FastAPI endpoint on the same uvicorn, in the same run.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_overhead.py [--size 20000] [--rounds 40] [--per-round 25]
        [--db sqlite:////tmp/copy.db]

Seeds a temporary SQLite database like ``bmm demo`` does, starts ``bmm serve --workers 1`` on it and, as the
reference, a FastAPI app with one empty endpoint on uvicorn with the same defaults and no access log (the
cheapest reference). ``--db`` uses a database seeded before instead (``bmm demo``, or a copy of one; it gets an
API key and recommendation-log rows). One client, one kept-alive connection, one request at a time; the
targets are asked in interleaved rounds so that load from other jobs on the machine falls on all of them
alike. Prints p50 and p99 in ms per target and each target's p50 divided by the empty endpoint's:

* ``empty FastAPI``: the reference;
* ``/api/v1/limits``: the product's middlewares, routing and a tiny JSON answer (no key, no database);
* ``/api/v1/me``: the same plus API-key verification;
* ``/health``; peers, measures and funding of the README's demo company with its own key.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_machine
from matcher.reference import load_reference_data
from service.auth import Role, SqlApiKeyRepository, SubjectRules
from service.seeding import seed_demo
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository

ORGANISATION = "demo-000284"  # the demo company of the README (Dortmund)
EMPTY_APP = """
import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/empty")
def empty() -> dict[str, bool]:
    return {"ok": True}


uvicorn.run(app, host="127.0.0.1", port={port}, workers=1, access_log=False, log_level="warning")
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_up(port: int, path: str, process: subprocess.Popen[bytes], timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} ended with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer {path} within {timeout:.0f} s")


class Target:
    def __init__(self, name: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.name, self.path, self.headers = name, path, headers
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.times: list[float] = []

    def ask(self) -> float:
        started = time.perf_counter()
        self.connection.request("GET", self.path, headers=self.headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"{self.name}: HTTP {response.status}")
        return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="demo organisations (default 20,000)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--per-round", type=int, default=25, help="requests per target and round")
    parser.add_argument("--db", help="an existing database with the demo company (seeded before; it gets a key)")
    args = parser.parse_args()
    print_machine()
    root = Path(__file__).resolve().parent.parent
    environment = {**os.environ, "PYTHONPATH": str(root)}
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        reference = load_reference_data()
        if not args.db:
            seed_demo(SqlOrganisationRepository(engine), reference, size=args.size, seed=42)
        size, backend = SqlOrganisationRepository(engine).count(), engine.dialect.name
        rules = SubjectRules.from_reference(reference)
        key = {"X-API-Key": SqlApiKeyRepository(engine).create(Role.ORGANISATION, ORGANISATION, rules=rules)[1]}
        engine.dispose()
        product_port, empty_port = free_port(), free_port()
        command = [sys.executable, "-m", "service.cli", "serve", "--db", url, "--port", str(product_port)]
        product = subprocess.Popen(
            command, cwd=root, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        empty = subprocess.Popen(
            [sys.executable, "-c", EMPTY_APP.replace("{port}", str(empty_port))], cwd=root, env=environment
        )
        try:
            wait_until_up(empty_port, "/empty", empty)
            wait_until_up(product_port, "/health", product)
            base = f"/api/v1/organisations/{ORGANISATION}"
            targets = [
                Target("empty FastAPI", empty_port, "/empty", {}),
                Target("/api/v1/limits", product_port, "/api/v1/limits", {}),
                Target("/api/v1/me", product_port, "/api/v1/me", key),
                Target("/health", product_port, "/health", {}),
                Target("peers", product_port, f"{base}/peers", key),
                Target("measures", product_port, f"{base}/measures", key),
                Target("funding", product_port, f"{base}/funding", key),
            ]
            for target in targets:  # warm-up
                for _ in range(20):
                    target.ask()
            for _ in range(args.rounds):
                for target in targets:
                    target.times.extend(target.ask() for _ in range(args.per_round))
        finally:
            for process in (product, empty):
                process.terminate()
                process.wait(timeout=30)
    reference_p50 = percentile(targets[0].times, 0.5)
    print(f"{size:,} demo organisations, {backend}, {len(targets[0].times)} requests per target, one worker")
    print(f"{'target':<16} {'p50 ms':>8} {'p99 ms':>8} {'p50 ÷ empty':>12}")
    for target in targets:
        p50 = percentile(target.times, 0.5)
        print(f"{target.name:<16} {p50:8.2f} {percentile(target.times, 0.99):8.2f} {p50 / reference_p50:11.1f}×")


if __name__ == "__main__":
    main()
