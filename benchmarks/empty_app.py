"""An empty FastAPI endpoint served exactly as ``bmm serve`` serves the product: the floor of the scale
benchmark's latency figures.

    PYTHONPATH=. .venv/bin/python -m benchmarks.empty_app --db sqlite:///bmm.db --port 8001 --workers 2

runs ``bmm serve``'s own code (service/cli/database.py: its uvicorn Config, options and worker supervisor)
with this app's factory in place of the product's, so whatever options ``bmm serve`` passes to uvicorn
(access log, workers, timeouts) the empty endpoint gets too. The difference to the product's routes in the
same run is what the product adds per request.

``/empty`` is a plain ``def`` endpoint (FastAPI runs it in its thread pool): the floor of the issue's figures and of
every round in docs/benchmarks.md. ``/empty-async`` is the same endpoint as ``async def``, without that thread hop
(0.15 ms with the server to itself, 0.3–0.6 ms taking turns with the product at 1M: docs/benchmarks.md,
eighth round); the product's peers, measures and funding routes are ``async def`` too, so a ratio against it is
the stricter one, printed beside the first.
"""

from __future__ import annotations

import argparse

from fastapi import FastAPI


def create_empty_app(settings: object = None) -> FastAPI:
    """Two routes, ``GET /empty`` and ``GET /empty-async``; ``settings`` (the product's, passed by ``bmm serve``) are
    ignored."""
    app = FastAPI()

    @app.get("/empty")
    def empty() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/empty-async")
    async def empty_async() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a migrated database (bmm serve checks it before starting)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    import service.api.app
    from service.cli.database import serve

    # bmm serve imports create_app when it runs; the workers unpickle this factory by its own module name.
    setattr(service.api.app, "create_app", create_empty_app)  # noqa: B010
    serve(db=args.db, host="127.0.0.1", port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
