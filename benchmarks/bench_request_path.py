"""Where a recommendation request's time goes outside its route body, in process (ASGI called directly, no
uvicorn): the whole request, the route body alone, FastAPI's parameter and dependency handling, and the cheap
routes against an empty endpoint of the same FastAPI (async and plain ``def``).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_request_path.py --db sqlite:////tmp/copy.db [--rounds 2000]

The store gets API keys (``bench_scale.issue_keys``): use a copy. Every target is asked once per round, the
targets taking turns, so a busy moment hits them all; medians in µs. "body" calls the route function with
the values FastAPI would pass (so the difference to "request" is everything between the ASGI call and the
body: middlewares, routing, parameters, dependencies, sending the answer).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.requests import Request
from starlette.types import ASGIApp, Message

from benchmarks.bench_scale import keys_for_store
from benchmarks.common import print_machine
from benchmarks.empty_app import create_empty_app
from service.api.app import create_app
from service.api.deps import get_asking
from service.api.routes.recommendations import get_funding, get_measures, get_peers
from service.config import ServiceSettings

ROUTES: dict[str, Callable[..., Awaitable[Any]]] = {
    "peers": get_peers,
    "measures": get_measures,
    "funding": get_funding,
}


def scope_of(path: str, headers: dict[str, str], query: bytes = b"") -> dict[str, Any]:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query, "root_path": "",
        "headers": [(b"host", b"bench"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
        "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
    }  # fmt: skip


async def call(app: ASGIApp, path: str, headers: dict[str, str]) -> None:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(scope_of(path, headers), receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"{path}: {sent[0]['status']} {sent[1:]}")


def empty_apps() -> FastAPI:
    empty = create_empty_app()

    @empty.get("/aempty")
    async def aempty() -> dict[str, str]:
        return {"status": "ok"}

    return empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a copy of an imported store (it gets API keys)")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--route", choices=sorted(ROUTES), default="peers")
    args = parser.parse_args()
    print_machine()
    keys = keys_for_store(args.db)
    app = create_app(ServiceSettings(database_url=args.db))
    empty = empty_apps()
    route = ROUTES[args.route]
    asked = [
        (f"/api/v1/organisations/{v.organisation_id}/{args.route}", v.organisation_id, v.headers) for v in keys.viewers
    ]

    async def body(organisation_id: str, headers: dict[str, str]) -> None:
        request = Request({**scope_of("/", headers), "app": app})
        asking = await get_asking(request, headers["X-API-Key"])
        started = time.perf_counter()
        await route(organisation_id=organisation_id, asking=asking)
        times["body"].append(time.perf_counter() - started)

    async def rounds(count: int) -> None:
        for k in range(count):
            path, organisation_id, headers = asked[k % len(asked)]
            for name, target, target_path, target_headers in (
                ("request", app, path, headers),
                ("aempty", empty, "/aempty", {}),
                ("empty", empty, "/empty", {}),
                ("health", app, "/health", {}),
                ("limits", app, "/api/v1/limits", {}),
            ):
                started = time.perf_counter()
                await call(target, target_path, target_headers)
                times[name].append(time.perf_counter() - started)
            await body(organisation_id, headers)

    with TestClient(app):  # the lifespan: index built, log writer started
        times: dict[str, list[float]] = {
            name: [] for name in ("request", "body", "aempty", "empty", "health", "limits")
        }
        asyncio.run(rounds(200))
        times = {name: [] for name in times}
        asyncio.run(rounds(args.rounds))
    median = {name: statistics.median(values) * 1e6 for name, values in times.items()}
    print(f"{args.route}, {args.rounds} rounds, medians in µs (in process, ASGI called directly)")
    print(f"  whole request           {median['request']:7.0f}")
    print(f"  route body alone        {median['body']:7.0f}")
    print(f"  outside the body        {median['request'] - median['body']:7.0f}")
    print(f"  async empty endpoint    {median['aempty']:7.0f}")
    print(f"  plain empty endpoint    {median['empty']:7.0f}")
    print(f"  /health                 {median['health']:7.0f}")
    print(f"  /api/v1/limits          {median['limits']:7.0f}")


if __name__ == "__main__":
    main()
