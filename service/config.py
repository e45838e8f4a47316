"""The service's one settings object: read once (environment, prefix ``BMM_``) and passed down.

``create_app(settings)`` keeps it on ``app.state.settings`` (routes get it through
:data:`service.api.deps.SettingsDep`); the CLI builds it from its options. Tests pass their own
``ServiceSettings(...)`` instead of patching module globals.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from matcher.resources import data_dir, models_dir

DEFAULT_DATABASE_URL = "sqlite:///bmm.db"
MEGABYTE = 1024 * 1024
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class RoutingEngine(StrEnum):
    """Where road distances of the residence analysis come from (docs/residences.md, "Road distances")."""

    NONE = "none"  # great circle × detour factor
    OSRM = "osrm"
    VALHALLA = "valhalla"


def check_service_url(variable: str, url: str) -> None:
    """An external service's base URL: https, plain http only on this machine (loopback)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{variable} „{url}“ ist keine http(s)-Adresse; erwartet z. B. https://router.example.org")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"{variable} „{url}“ muss https verwenden (http nur für localhost, 127.0.0.1, ::1)")


class AccessLog(StrEnum):
    """The access log of ``bmm serve`` (docs/service.md, "Metrics and access log")."""

    NONE = "none"  # nothing per request (uvicorn's own access log, with client addresses, stays off)
    JSON = "json"  # one JSON line per request: method, route template, status, duration


class GeocoderKind(StrEnum):
    """Which service turns street addresses into points (docs/service.md, "Geokodierung")."""

    NONE = "none"  # no geocoding: an organisation without coordinates sits on its postcode's centroid
    NOMINATIM = "nominatim"
    PHOTON = "photon"


# The public instances, used when BMM_GEOCODER_URL is not set (mind their usage policies: 1 request/s).
PUBLIC_GEOCODER_URLS: dict[GeocoderKind, str] = {
    GeocoderKind.NOMINATIM: "https://nominatim.openstreetmap.org",
    GeocoderKind.PHOTON: "https://photon.komoot.io",
}


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BMM_", extra="ignore", env_ignore_empty=True, frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    max_body_bytes: int = Field(default=10 * MEGABYTE, gt=0, description="request bodies above this get 413")
    import_max_bytes: int = Field(default=512 * MEGABYTE, gt=0, description="the body limit of the import route")
    import_workers: int = Field(
        default_factory=lambda: len(os.sched_getaffinity(0)),
        ge=1,
        description="processes that check a 'bmm import' of more than one chunk (default: the usable CPUs; 1: none)",
    )
    gtfs_max_entry_bytes: int = Field(
        default=1024 * MEGABYTE, gt=0, description="a GTFS zip entry larger than this (uncompressed) is refused"
    )
    gtfs_max_bytes: int = Field(
        default=2048 * MEGABYTE, gt=0, description="a GTFS zip larger than this in sum (uncompressed) is refused"
    )
    residence_k: int = Field(
        default=5,
        ge=5,
        description="Wohnstandortanalyse: cells with 1 … k−1 people are suppressed (never below 5, docs/residences.md)",
    )
    residence_max_bytes: int = Field(
        default=10 * MEGABYTE, gt=0, description="largest residence upload (PUT …/residences) in bytes, else 413"
    )
    residence_max_rows: int = Field(
        default=500_000, gt=0, description="most data rows of a residence upload (one per employee or postcode)"
    )
    auth_failure_burst: int = Field(
        default=10, gt=0, description="wrong API keys a client address may send before it is throttled (429)"
    )
    auth_failures_per_minute: float = Field(
        default=10.0, gt=0, description="how fast a throttled address earns new tries (per worker process)"
    )
    compact_delta_rows: int = Field(
        default=20_000,
        gt=0,
        le=10_000_000,
        description="live index: rows written since the last compaction above which the base and its trees are "
        "rebuilt in a background thread (docs/architecture.md, Live index)",
    )
    data_dir: Path | None = Field(default=None, description="reference data (default: the package's data/)")
    models_dir: Path | None = Field(default=None, description="fitted artefacts (default: the package's models/)")
    learning_poll_seconds: float = Field(
        default=5.0, gt=0, le=3600, description="how often each worker looks for a new learned version (bmm learn)"
    )
    recommendation_log_queue_size: int = Field(
        default=10_000, ge=1, le=1_000_000, description="answers waiting to be logged; more are dropped and counted"
    )
    recommendation_log_batch_size: int = Field(
        default=500, ge=1, le=100_000, description="logged answers written in one transaction at most"
    )
    recommendation_log_flush_ms: int = Field(
        default=200, ge=1, le=60_000, description="the recommendation log is written at least this often (ms)"
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="a verified API key is believed this long without asking the store "
        "(so a revocation reaches every worker within it; 0: ask on every request)",
    )
    health_check_seconds: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="how often each worker counts the organisations and checks the database for /health",
    )
    metrics_enabled: bool = Field(default=True, description="serve /metrics (Prometheus text, no personal data)")
    access_log: AccessLog = Field(
        default=AccessLog.NONE, description="none, or json: one JSON line per request on stderr (no personal data)"
    )
    revision_poll_seconds: float = Field(
        default=0.1,
        gt=0,
        le=60,
        description="SQLite: how often each worker asks the store for a new revision, off the request path "
        "(PostgreSQL is told by LISTEN/NOTIFY and asks only after a lost connection)",
    )
    reader_heartbeat_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="how often each worker records the revision it has applied and prunes the change log",
    )
    reader_stale_seconds: float = Field(
        default=120.0,
        gt=0,
        description="a worker not heard from for this long no longer holds back pruning of the change log",
    )

    @model_validator(mode="after")
    def _readers_stale_after_missed_heartbeats(self) -> Self:
        if self.reader_stale_seconds < 2 * self.reader_heartbeat_seconds:
            raise ValueError(
                "BMM_READER_STALE_SECONDS muss mindestens doppelt so groß sein wie BMM_READER_HEARTBEAT_SECONDS "
                f"({self.reader_stale_seconds} < 2 × {self.reader_heartbeat_seconds})"
            )
        return self

    routing_engine: RoutingEngine = Field(
        default=RoutingEngine.NONE, description="road distances for the residence analysis: none, osrm or valhalla"
    )
    routing_url: str | None = Field(
        default=None, description="base URL of the routing engine (https; http only on localhost)"
    )
    routing_timeout_seconds: float = Field(default=5.0, gt=0, le=60, description="per request to the routing engine")
    routing_budget_seconds: float = Field(
        default=20.0, gt=0, le=300, description="all routing requests of one analysis together"
    )
    routing_max_km: float = Field(
        default=100.0, gt=0, le=1000, description="only homes within this straight-line distance are routed"
    )
    routing_cache_entries: int = Field(
        default=50_000, ge=1, le=10_000_000, description="road distances kept in memory (postcode, site)"
    )

    @model_validator(mode="after")
    def _routing_needs_a_secure_url(self) -> Self:
        if self.routing_url is not None:
            check_service_url("BMM_ROUTING_URL", self.routing_url)
        elif self.routing_engine is not RoutingEngine.NONE:
            engine = self.routing_engine.value
            raise ValueError(f"BMM_ROUTING_URL fehlt: BMM_ROUTING_ENGINE={engine} braucht die Adresse des Dienstes")
        return self

    geocoder: GeocoderKind = Field(default=GeocoderKind.NONE, description="none, nominatim or photon")
    geocoder_url: str | None = Field(
        default=None, description="base URL of the geocoder (https; http only on localhost); default: the public one"
    )
    geocoder_rate: float = Field(default=1.0, gt=0, le=100, description="requests per second at most")
    geocoder_timeout_seconds: float = Field(default=5.0, gt=0, le=60, description="per request")
    geocoder_budget_seconds: float = Field(
        default=300.0, gt=0, description="total time one import may spend asking the geocoder"
    )
    geocoder_found_ttl_days: int = Field(default=365, ge=1, description="a cached point is reused this long")
    geocoder_miss_ttl_days: int = Field(default=30, ge=1, description="an address not found is not asked again")
    geocoder_error_ttl_hours: int = Field(default=24, ge=1, description="a failed request is not repeated")

    @model_validator(mode="after")
    def _geocoder_needs_a_secure_url(self) -> Self:
        if self.geocoder_url is not None:
            check_service_url("BMM_GEOCODER_URL", self.geocoder_url)
        return self

    def resolved_geocoder_url(self) -> str | None:
        """``geocoder_url`` if set, else the public instance of the chosen geocoder (None for ``none``)."""
        if self.geocoder is GeocoderKind.NONE:
            return None
        return self.geocoder_url or PUBLIC_GEOCODER_URLS[self.geocoder]

    def resolved_data_dir(self) -> Path:
        """``data_dir`` if set (it must hold the reference data), else the shipped folder."""
        return data_dir(self.data_dir)

    def resolved_models_dir(self) -> Path:
        """``models_dir`` if set, else the shipped folder."""
        return models_dir(self.models_dir)
