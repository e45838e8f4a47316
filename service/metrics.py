"""Prometheus metrics of one worker process: request latency, the live index and the recommendation log.

Served at ``/metrics`` in the Prometheus text format (``service/api/observing.py`` installs the route and
measures the requests). Nothing in it is personal: labels are the HTTP method, the route *template*
(``/api/v1/organisations/{organisation_id}/peers``, never a raw path with an id) and the status class.
Every app has its own registry, so several apps in one process (the tests) do not collide. With
``bmm serve --workers N`` every worker counts on its own and a scrape reads the worker that answered it
(docs/service.md, "Metriken und Zugriffsprotokoll").
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Protocol

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Seconds; fine below 10 ms where the cheap requests are, coarse above for imports and cluster answers.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class IndexState(Protocol):
    """What the metrics read of ``service.live.LiveIndex`` (read-only properties, no store query)."""

    @property
    def revision(self) -> int: ...

    @property
    def delta_size(self) -> int: ...

    @property
    def last_compaction_seconds(self) -> float | None: ...


class LogState(Protocol):
    """What the metrics read of ``service.recommendation_log.RecommendationLog``."""

    @property
    def depth(self) -> int: ...

    flushed: int
    dropped: int
    failed: int
    discarded: int


class ServiceCollector(Collector):
    """Reads the live index and the recommendation log at scrape time (no copies kept up to date)."""

    def __init__(self, index: IndexState, log: LogState) -> None:
        self.index = index
        self.log = log

    def collect(self) -> Iterator[Metric]:
        index, log = self.index, self.log
        yield GaugeMetricFamily("bmm_snapshot_revision", "store revision of the served snapshot", index.revision)
        yield GaugeMetricFamily("bmm_delta_rows", "rows in the uncompacted delta of the index", index.delta_size)
        compaction = index.last_compaction_seconds
        yield GaugeMetricFamily(
            "bmm_last_compaction_seconds",
            "how long the last compaction of the index took (NaN: none yet)",
            math.nan if compaction is None else compaction,
        )
        yield GaugeMetricFamily(
            "bmm_recommendation_log_queue_depth", "answers waiting to be written to the recommendation log", log.depth
        )
        rows = CounterMetricFamily(
            "bmm_recommendation_log_rows",
            "answers of the recommendation log by outcome: flushed (written), dropped (queue full), failed "
            "(write error), discarded (organisation deleted before the write)",
            labels=["outcome"],
        )
        for outcome in ("flushed", "dropped", "failed", "discarded"):
            rows.add_metric([outcome], getattr(log, outcome))
        yield rows


class ServiceMetrics:
    """The registry of one app and its request histogram."""

    def __init__(self, index: IndexState, log: LogState) -> None:
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "bmm_http_request_duration_seconds",
            "time from the request until its answer is sent, by method, route template and status class",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(ServiceCollector(index, log))

    def observe(self, method: str, route: str, status: str, seconds: float) -> None:
        self.requests.labels(method, route, status).observe(seconds)
