"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from matcher import __version__
from service.access import AccessPolicy
from service.api.cluster_cache import ClusterCache
from service.api.deps import HealthDep
from service.api.headers import SecurityHeadersMiddleware, install_docs
from service.api.limits import BodySizeLimitMiddleware, ControlCharacterMiddleware
from service.api.observing import install_observing
from service.api.openapi import complete_openapi
from service.api.problems import install_problem_handlers
from service.api.routes.catalog import advisors_router, funding_router, measures_router
from service.api.routes.clusters import router as clusters_router
from service.api.routes.feedback import router as feedback_router
from service.api.routes.leads import router as leads_router
from service.api.routes.learning import router as learning_router
from service.api.routes.limits import router as limits_router
from service.api.routes.match import router as match_router
from service.api.routes.me import router as me_router
from service.api.routes.organisations import router as organisations_router
from service.api.routes.recommendations import router as recommendations_router
from service.api.routes.residences import router as residences_router
from service.api.routes.transfer import import_body_limits
from service.api.routes.transfer import router as transfer_router
from service.api.routes.vocabulary import router as vocabulary_router
from service.api.throttle import FailedAuthThrottle
from service.auth import CachedApiKeys, SqlApiKeyRepository
from service.collector import long_lived_frozen
from service.config import MEGABYTE, ServiceSettings
from service.engine import load_engine
from service.freshness import RevisionWatcher
from service.geocoding.cache import GeocodeCache
from service.geocoding.locating import build_locator
from service.health import HealthMonitor
from service.learning import ServedAdjustments
from service.live import LiveIndex
from service.metrics import ServiceMetrics
from service.recommendation_log import RecommendationLog
from service.residence_places import ResidencePlaces
from service.residences import ResidenceAnalyst
from service.routing import routing_client
from service.storage.database import ensure_up_to_date, make_engine
from service.storage.feedback import SqlFeedbackStore
from service.storage.learning import SqlLearningStore
from service.storage.residences import SqlResidenceRepository
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.transit import SqlTransitStore
from service.web import mount_web


class ModelInfo(BaseModel):
    fitted_on: date
    training_data: str
    training_size: int


class Health(BaseModel):
    status: str = Field(description="'ok' when the service and its database answer (else 503)")
    version: str
    organisations: int = Field(description="number of stored organisation profiles")
    synthetic_organisations: int = Field(description="of which synthetic demo profiles")
    checked_at: datetime = Field(
        description="when the database last answered the counts (checked in the background every "
        "BMM_HEALTH_CHECK_SECONDS; an older answer is not reported)"
    )
    database: str = Field(description="database backend, e.g. sqlite or postgresql")
    model: ModelInfo = Field(description="the fitted profile vectoriser in use (see its model card)")


TAGS: list[dict[str, Any]] = [
    {"name": "system", "description": "Betrieb des Dienstes / service operation"},
    {
        "name": "vocabulary",
        "description": "Codes und deutsche Bezeichnungen (öffentlich) / codes and German labels (public)",
    },
    {"name": "measures", "description": "Maßnahmenkatalog (öffentlich) / catalogue of measures (public)"},
    {
        "name": "funding",
        "description": "Förderprogramme mit Verfügbarkeit am Stichtag (öffentlich) / "
        "funding programmes with availability on a date (public)",
    },
    {"name": "advisors", "description": "Beratungsstellen (öffentlich) / advisory bodies (public)"},
    {
        "name": "organisations",
        "description": "Gespeicherte Profile, je nach Rolle (API-Schlüssel nötig) / "
        "stored profiles, per role (API key required)",
    },
    {
        "name": "recommendations",
        "description": "Partner, Beratung, Maßnahmen, Förderung und Beratungsunterlage einer gespeicherten "
        "Organisation (API-Schlüssel nötig) / peers, advisors, measures, funding and brief of a stored organisation "
        "(API key required)",
    },
    {
        "name": "match",
        "description": "Abgleich eines nicht gespeicherten Profils (ohne Schlüssel möglich) / matching a profile "
        "that is not stored (no key needed)",
    },
    {
        "name": "feedback",
        "description": "Rückmeldungen zu Empfehlungen / feedback on recommendations",
    },
    {
        "name": "learning",
        "description": "Aus Rückmeldungen Gelerntes, Versionen, Rücknahme (nur admin) / what was learned from "
        "feedback, versions, rollback (admins only)",
    },
    {
        "name": "clusters",
        "description": "Räumliche Cluster von Arbeitgebern mit gemeinsamem Problem (API-Schlüssel: admin, advisor, "
        "planner) / spatial clusters of employers sharing a problem (API key: admin, advisor, planner)",
    },
    {
        "name": "residences",
        "description": "Wohnstandortanalyse: Wohn-PLZ der Beschäftigten hochladen, k-anonym auswerten und über "
        "einwilligende Betriebe eines Gewerbegebiets oder Clusters poolen / staff home postcodes: upload, "
        "k-anonymous analysis, pooled over consenting firms of an estate or cluster",
    },
]


def _operation_id(route: APIRoute) -> str:
    """Readable operation ids for generated clients: '<tag>-<function>'."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    engine = make_engine(settings.database_url)
    ensure_up_to_date(engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with long_lived_frozen():  # the app as built; the snapshots loaded from here on stay collectable
            live.current()  # build the index before the first request rather than during it
            app.state.residence_analyst.table  # noqa: B018 - likewise the postcode table (about 0.1 s)
            health_monitor.check()
            health_monitor.start()
            recommendation_log.start()
            learned.start()
            watcher.start()
            yield
            watcher.stop()
            learned.stop()
            recommendation_log.stop()  # writes what is still queued
            health_monitor.stop()
            engine.dispose()

    app = FastAPI(
        title="bmm-match",
        version=__version__,
        description=(
            "Matchmaking für Betriebliches Mobilitätsmanagement: Partner in der Nähe, zuständige Beratung, "
            "Maßnahmen, Förderprogramme und Cluster. / Matchmaking for workplace mobility management.\n\n"
            "Fehler sind RFC-9457-Problemdetails (`application/problem+json`) mit `type`, `title`, `status`, "
            "`detail` und bei ungültigen Eingaben `errors: [{loc, message}]`. Anfrageinhalte sind auf "
            f"{settings.max_body_bytes // MEGABYTE} MB begrenzt (413). Zu viele ungültige API-Schlüssel von einer "
            "Adresse: 429 mit `Retry-After`. / Errors are RFC 9457 problem details "
            "(`application/problem+json`) with `type`, `title`, `status`, `detail` and, for invalid input, "
            f"`errors: [{{loc, message}}]`. Request bodies are limited to {settings.max_body_bytes // MEGABYTE} "
            "MB (413). Too many invalid API keys from one address: 429 with `Retry-After`."
        ),
        openapi_tags=TAGS,
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        docs_url=None,  # install_docs: served without a CDN, with a Content-Security-Policy
        redoc_url=None,
    )
    install_problem_handlers(app)
    install_docs(app)
    app.add_middleware(ControlCharacterMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, per_path=import_body_limits(settings)
    )
    app.add_middleware(SecurityHeadersMiddleware)  # on answers of the middlewares above too
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        return complete_openapi(default_openapi())

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.settings = settings
    app.state.repository = repository = SqlOrganisationRepository(engine)
    app.state.api_keys = CachedApiKeys(SqlApiKeyRepository(engine), settings.api_key_cache_seconds)
    app.state.auth_throttle = FailedAuthThrottle(settings.auth_failure_burst, settings.auth_failures_per_minute)
    app.state.engine = matching = load_engine(settings.resolved_models_dir(), settings.resolved_data_dir())
    app.state.feedback = feedback_store = SqlFeedbackStore(engine)
    app.state.recommendation_log = recommendation_log = RecommendationLog(
        feedback_store, queue_size=settings.recommendation_log_queue_size,
        batch_size=settings.recommendation_log_batch_size, flush_interval=settings.recommendation_log_flush_ms / 1000,
    )  # fmt: skip
    app.state.health = health_monitor = HealthMonitor(repository, settings.health_check_seconds)
    app.state.learning = learning_store = SqlLearningStore(engine)
    app.state.learned = learned = ServedAdjustments(learning_store, settings.learning_poll_seconds)
    app.state.cluster_cache = ClusterCache()
    app.state.access = AccessPolicy(matching.reference.catalog)
    app.state.residences = residences = SqlResidenceRepository(engine)
    app.state.residence_analyst = analyst = ResidenceAnalyst(
        matching.reference, matching.settings.transit, settings.residence_k, routing_client(settings)
    )
    app.state.live = live = LiveIndex(
        repository, matching, SqlTransitStore(engine), home_places=ResidencePlaces(residences, analyst),
        compact_after=settings.compact_delta_rows,
    )  # fmt: skip
    app.state.watcher = watcher = RevisionWatcher(live, engine, settings)
    app.state.locator = build_locator(settings, GeocodeCache(engine))
    app.state.metrics = metrics = ServiceMetrics(live, recommendation_log)
    install_observing(app, settings, metrics)  # outermost: times the middlewares above too
    model = ModelInfo.model_validate(matching.model_card, from_attributes=True)

    @app.get("/health", tags=["system"], summary="Zustand des Dienstes / Service health")
    async def health(monitor: HealthDep) -> Health:
        # A fresh count inline; counting (the database) in the thread pool, never on the event loop.
        reading = monitor.fresh()
        if reading is None:
            reading = await run_in_threadpool(monitor.reading)
        return Health(
            status="ok",
            version=__version__,
            organisations=reading.organisations,
            synthetic_organisations=reading.synthetic_organisations,
            checked_at=reading.checked_at,
            database=engine.dialect.name,
            model=model,
        )

    # The router tries the routes in the order they were added, each included router in turn (~3 µs each): so
    # /health (probed every few seconds) comes before them, the recommendation routes (the hot path; no other route
    # has their paths) first among them. Transfer before organisations: /organisations/export is not an
    # /organisations/{organisation_id}.
    routers = (
        recommendations_router,
        vocabulary_router,
        measures_router,
        funding_router,
        advisors_router,
        transfer_router,
        organisations_router,
        match_router,
        leads_router,
        feedback_router,
        learning_router,
        me_router,
        limits_router,
        clusters_router,
        residences_router,
    )
    for router in routers:
        app.include_router(router)
    mount_web(app)  # last, so the API paths win
    return app
