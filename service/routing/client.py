"""Road distances from the configured routing engine: batched, bounded in time, cached, and never in the way.

Whatever goes wrong — connection refused, timeout, an HTTP error, an answer that is not a distance table — the
analysis goes on with the detour-factor estimate and ``RoadDistances.failure`` says why (German; it lands in
``assumptions.distance_note``). After a failure the engine is left alone for ``RETRY_AFTER_SECONDS`` so that a
dead engine does not cost every analysis its timeout. Only postcode centroids and the site are sent, never counts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

import numpy as np
from cachetools import LRUCache

from matcher.geo.distance import haversine_km
from matcher.residences.distances import RoadDistances
from matcher.wording import german_number
from service.config import RoutingEngine, ServiceSettings
from service.routing.engines import ENGINES, AnswerError, Point

logger = logging.getLogger(__name__)

BATCH = 40  # sources per request: within OSRM's default table limit (100 locations) and Valhalla's matrix limits
RETRY_AFTER_SECONDS = 60.0
SITE_DECIMALS = 3  # about 100 m: sites this close share cached distances (routed to the rounded point)
MAX_ANSWER_BYTES = 1024 * 1024

CacheKey = tuple[str, float, float]  # postcode, rounded site lat, lon


class RoutingClient:
    """One per process (``app.state``); thread-safe."""

    def __init__(self, settings: ServiceSettings, clock: Callable[[], float] = time.monotonic) -> None:
        if settings.routing_engine is RoutingEngine.NONE or settings.routing_url is None:
            raise ValueError("routing_engine: none braucht keinen RoutingClient")
        self._engine = ENGINES[settings.routing_engine.value]
        self._url = settings.routing_url
        self.source = f"{self._engine.label}, {urlsplit(self._url).hostname}"
        self._timeout = settings.routing_timeout_seconds
        self._budget = settings.routing_budget_seconds
        self._max_km = settings.routing_max_km
        self._clock = clock
        self._cache: LRUCache[CacheKey, float | None] = LRUCache(maxsize=settings.routing_cache_entries)
        self._lock = threading.Lock()
        self._down_until = float("-inf")
        self._last_failure = ""

    def road_distances(self, site: Point, homes: Mapping[str, Point]) -> RoadDistances:
        """Road km from each home postcode centroid (``homes``: postcode → (lat, lon)) within ``routing_max_km``
        straight line of ``site``; the others, and those without a route, are left to the estimate."""
        target = (round(site[0], SITE_DECIMALS), round(site[1], SITE_DECIMALS))
        postcodes = list(homes)
        lat = np.array([homes[p][0] for p in postcodes], dtype=np.float64)
        lon = np.array([homes[p][1] for p in postcodes], dtype=np.float64)
        straight = haversine_km(lat, lon, site[0], site[1]) if postcodes else np.zeros(0)
        near = sorted((d, p) for d, p in zip(straight.tolist(), postcodes, strict=True) if d <= self._max_km)
        km: dict[str, float] = {}
        missing: list[str] = []
        with self._lock:
            for _, postcode in near:  # nearest first: a budget running out costs the far ones
                key = (postcode, *target)
                if key not in self._cache:
                    missing.append(postcode)
                elif (cached := self._cache[key]) is not None:
                    km[postcode] = cached
        failure = self._fetch(missing, homes, target, km) if missing else None
        return RoadDistances(source=self.source, km=km, failure=failure, within_km=self._max_km)

    def _fetch(
        self, postcodes: list[str], homes: Mapping[str, Point], target: Point, km: dict[str, float]
    ) -> str | None:
        started = self._clock()
        with self._lock:
            if started < self._down_until:
                return (
                    f"{self._unused()}: {self._last_failure}; neuer Versuch nach spätestens {RETRY_AFTER_SECONDS:g} s"
                )
        for first in range(0, len(postcodes), BATCH):
            batch = postcodes[first : first + BATCH]
            remaining = started + self._budget - self._clock()
            if remaining <= 0:
                budget = f"Zeitbudget von {german_number(self._budget)} s aufgebraucht"
                return f"Routing-Dienst ({self.source}) nicht für alle PLZ verwendet: {budget}"
            try:
                found = self._ask([homes[p] for p in batch], target, min(self._timeout, remaining))
            except (OSError, HTTPException, ValueError, AnswerError) as error:
                return self._failed(describe(error, self._timeout))
            with self._lock:
                for postcode, value in zip(batch, found, strict=True):
                    self._cache[(postcode, *target)] = value
            km.update((p, v) for p, v in zip(batch, found, strict=True) if v is not None)
        return None

    def _ask(self, sources: Sequence[Point], target: Point, timeout: float) -> list[float | None]:
        request = self._engine.request(self._url, sources, target)
        with urlopen(request, timeout=timeout) as answer:  # the URL is checked in ServiceSettings
            body = answer.read(MAX_ANSWER_BYTES + 1)
        if len(body) > MAX_ANSWER_BYTES:
            raise AnswerError(f"Antwort größer als {MAX_ANSWER_BYTES // 1024} KiB")
        return self._engine.distances_km(json.loads(body), len(sources))

    def _failed(self, reason: str) -> str:
        with self._lock:
            self._down_until = self._clock() + RETRY_AFTER_SECONDS
            self._last_failure = reason
        logger.warning("routing engine %s not used: %s", self.source, reason)  # no postcodes, no coordinates
        return f"{self._unused()}: {reason}"

    def _unused(self) -> str:
        return f"Routing-Dienst ({self.source}) nicht verwendet"


def describe(error: BaseException, timeout: float) -> str:
    """A failure in German, for ``assumptions`` and the log."""
    cause = error.reason if isinstance(error, URLError) and not isinstance(error, HTTPError) else error
    if isinstance(error, HTTPError):
        return f"HTTP-Status {error.code}"
    if isinstance(cause, TimeoutError):
        return f"Zeitüberschreitung nach {german_number(timeout)} s"
    if isinstance(cause, ConnectionRefusedError):
        return "Verbindung abgelehnt"
    if isinstance(error, AnswerError):
        return f"unerwartete Antwort ({error})"
    if isinstance(error, ValueError):
        return "Antwort ist kein JSON"
    return f"Netzwerkfehler ({type(cause).__name__})"
