"""What each request took: the latency histogram of ``/metrics`` and the optional JSON access log.

A pure ASGI middleware (no ``BaseHTTPMiddleware``: it would add a task and a copy of every body per
request). It records, per request, the method (one of the HTTP methods, else ``OTHER``), the route
*template* the router matched (``/api/v1/organisations/{organisation_id}/peers``; ``unmatched`` for a path
no route knows), the status and the time until the answer was sent. The access log (``BMM_ACCESS_LOG=json``)
writes exactly these as one JSON line on stderr: no query string, no client address, no key, no id.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import AccessLog, ServiceSettings
from service.metrics import ServiceMetrics

ACCESS_LOGGER = "bmm.access"
METRICS_PATH = "/metrics"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (set by the router on the scope), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED
    return path or "/"


class RequestObserver:
    """Measures every HTTP request for the metrics and, if given a logger, writes the access log line."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics | None, access_log: logging.Logger | None) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (self.metrics is None and self.access_log is None):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before any answer becomes a 500 further out
        finished: float | None = None

        async def observed_send(message: Message) -> None:
            nonlocal status, finished
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = time.perf_counter()
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        finally:
            seconds = (finished or time.perf_counter()) - started
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            route = route_template(scope)
            if self.metrics is not None:
                self.metrics.observe(method, route, f"{status // 100}xx", seconds)
            if self.access_log is not None:
                self.access_log.info(
                    json.dumps(
                        {
                            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                            "method": method,
                            "route": route,
                            "status": status,
                            "duration_ms": round(seconds * 1000, 3),
                        }
                    )
                )


def access_logger() -> logging.Logger:
    """The JSON access log: the bare line on stderr, not passed on to the root logger."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def install_observing(app: FastAPI, settings: ServiceSettings, metrics: ServiceMetrics) -> None:
    """The middleware (add it last: outermost, so it times the other middlewares too) and ``/metrics``."""
    enabled = metrics if settings.metrics_enabled else None
    logger = access_logger() if settings.access_log is AccessLog.JSON else None
    app.add_middleware(RequestObserver, metrics=enabled, access_log=logger)
    if enabled is None:
        return

    async def metrics_page(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_route(METRICS_PATH, metrics_page, include_in_schema=False)
