"""An empty FastAPI endpoint: the floor the scale benchmark compares the product's latency with.

Served by ``bmm serve``'s own stack (uvicorn with the same defaults and worker count) in the same run, so
the difference to the product's routes is what the product adds per request.
"""

from __future__ import annotations

from fastapi import FastAPI


def create_empty_app() -> FastAPI:
    app = FastAPI()

    @app.get("/empty")
    def empty() -> dict[str, str]:
        return {"status": "ok"}

    return app
