"""FastAPI dependencies for what ``create_app`` puts on ``app.state`` (one place, typed).

Dependencies that only read ``app.state`` (or build a small object) are ``async def``: FastAPI runs a plain
function in its thread pool, a hop that costs more than the lookup itself (about 0.1–0.3 ms on a busy
2-core machine, several per request). What may wait (``get_snapshot`` when the snapshot is not known to be
current) hops to the thread pool itself, only then.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from matcher.explain import Recommendation
from matcher.learning.applying import R, adjust, adjust_measures
from matcher.learning.fitting import Adjustments
from matcher.learning.segments import segment_of
from matcher.matching.measures import MeasureRecommendation, recommend_measures_nearby
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from service.access import AccessPolicy, Capability
from service.api.cluster_cache import ClusterCache
from service.api.security import ApiKeyHeader, get_principal
from service.auth import Principal
from service.config import ServiceSettings
from service.engine import MatchingEngine
from service.geocoding.locating import AddressLocator
from service.health import HealthMonitor
from service.learning import ServedAdjustments
from service.live import LiveIndex, Snapshot
from service.recommendation_log import RecommendationLog
from service.residences import ResidenceAnalyst
from service.storage.feedback import Served, ServedItem, SqlFeedbackStore
from service.storage.learning import SqlLearningStore
from service.storage.repository import OrganisationRepository, ResidenceRepository


async def get_settings(request: Request) -> ServiceSettings:
    """The settings the app was created with (read once, in ``create_app``)."""
    settings: ServiceSettings = request.app.state.settings
    return settings


async def get_repository(request: Request) -> OrganisationRepository:
    repository: OrganisationRepository = request.app.state.repository
    return repository


async def get_policy(request: Request) -> AccessPolicy:
    policy: AccessPolicy = request.app.state.access
    return policy


async def get_locator(request: Request) -> AddressLocator | None:
    """The geocoding step, ``None`` when no geocoder is configured (BMM_GEOCODER=none)."""
    locator: AddressLocator | None = request.app.state.locator
    return locator


async def get_live(request: Request) -> LiveIndex:
    """The live index, for routes that validate their parameters before they ask for the snapshot."""
    live: LiveIndex = request.app.state.live
    return live


async def get_snapshot(request: Request) -> Snapshot:
    """The organisations and their index as of the store's current revision (see service.live). Inline when
    the revision watcher vouches that the snapshot is current (two attribute reads, far cheaper than a hop);
    in the thread pool when it must ask the store or wait for a refresh, never on the event loop."""
    live: LiveIndex = request.app.state.live
    snapshot = live.ready()
    return snapshot if snapshot is not None else await run_in_threadpool(live.current)


async def get_builder(snapshot: Annotated[Snapshot, Depends(get_snapshot)]) -> ProfileBuilder:
    """Builds profiles with the imported timetable of the current revision."""
    return snapshot.builder


async def get_engine(snapshot: Annotated[Snapshot, Depends(get_snapshot)]) -> MatchingEngine:
    """Reference data (with the imported timetable), settings and the fitted model of the current revision."""
    return snapshot.engine


async def get_cluster_cache(request: Request) -> ClusterCache:
    cache: ClusterCache = request.app.state.cluster_cache
    return cache


async def get_learned(request: Request) -> ServedAdjustments:
    learned: ServedAdjustments = request.app.state.learned
    return learned


async def get_learning_store(request: Request) -> SqlLearningStore:
    store: SqlLearningStore = request.app.state.learning
    return store


async def get_feedback_store(request: Request) -> SqlFeedbackStore:
    store: SqlFeedbackStore = request.app.state.feedback
    return store


async def get_recommendation_log(request: Request) -> RecommendationLog:
    writer: RecommendationLog = request.app.state.recommendation_log
    return writer


async def get_health(request: Request) -> HealthMonitor:
    monitor: HealthMonitor = request.app.state.health
    return monitor


async def get_residences(request: Request) -> ResidenceRepository:
    residences: ResidenceRepository = request.app.state.residences
    return residences


async def get_residence_analyst(request: Request) -> ResidenceAnalyst:
    analyst: ResidenceAnalyst = request.app.state.residence_analyst
    return analyst


SettingsDep = Annotated[ServiceSettings, Depends(get_settings)]
RepositoryDep = Annotated[OrganisationRepository, Depends(get_repository)]
PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]
BuilderDep = Annotated[ProfileBuilder, Depends(get_builder)]
LocatorDep = Annotated[AddressLocator | None, Depends(get_locator)]
EngineDep = Annotated[MatchingEngine, Depends(get_engine)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
LiveDep = Annotated[LiveIndex, Depends(get_live)]
ClusterCacheDep = Annotated[ClusterCache, Depends(get_cluster_cache)]
FeedbackStoreDep = Annotated[SqlFeedbackStore, Depends(get_feedback_store)]
RecommendationLogDep = Annotated[RecommendationLog, Depends(get_recommendation_log)]
HealthDep = Annotated[HealthMonitor, Depends(get_health)]
ResidencesDep = Annotated[ResidenceRepository, Depends(get_residences)]
ResidenceAnalystDep = Annotated[ResidenceAnalyst, Depends(get_residence_analyst)]
LearnedDep = Annotated[ServedAdjustments, Depends(get_learned)]
LearningStoreDep = Annotated[SqlLearningStore, Depends(get_learning_store)]


@dataclass(frozen=True)
class Asking:
    """What every recommendation route needs: who asks, the rules, the current data and the log."""

    principal: Principal | None
    policy: AccessPolicy
    snapshot: Snapshot
    engine: MatchingEngine
    store: SqlFeedbackStore
    log_writer: RecommendationLog
    learned: Adjustments | None

    def adjusted(self, items: Sequence[R], item_type: str, organisation: Organisation) -> list[R]:
        """The items with the learned adjustment for this organisation's segment (matcher.learning.applying)."""
        learned = self.learned
        if learned is None or not learned.changes:  # as adjust() answers then, without working out the segment
            return list(items)
        return adjust(items, item_type, segment_of(organisation), learned)

    def measures(self, organisation: Organisation, limit: int | None) -> list[MeasureRecommendation]:
        """The measures with the learned adjustments: all are ranked, so an adjusted one can move into the list."""
        engine = self.engine
        catalog, settings = engine.reference.catalog, engine.settings.measures
        every = recommend_measures_nearby(
            organisation, self.snapshot.index, engine.vectoriser, catalog, settings, max(len(catalog.measures), 1)
        )
        adjusted = adjust_measures(every, segment_of(organisation), self.learned, settings)
        return adjusted[: settings.default_limit if limit is None else limit]

    def organisation(self, organisation_id: str, capability: Capability) -> Organisation:
        """The stored organisation the caller may ask about (401/403/404 otherwise, decided by the policy)."""
        organisation = self.snapshot.organisations.get(organisation_id)
        self.policy.require_organisation(self.principal, capability, organisation_id, organisation)
        assert organisation is not None
        return organisation

    def log(
        self,
        endpoint: str,
        item_type: str,
        organisation_id: str | None,
        parameters: Mapping[str, Any],
        items: Sequence[Recommendation] | Sequence[tuple[str, Recommendation]],
    ) -> str | None:
        """Log what was served (ids, scores, reason codes; for ``MIXED`` answers (type, item) pairs logged as
        "<type>:<id>"); returns the ``recommendation_id``, or None when the log queue was full."""
        shown = [
            ServedItem(f"{entry[0]}:{entry[1].id}", entry[1].score, [r.code for r in entry[1].reasons])
            if isinstance(entry, tuple)
            else ServedItem(entry.id, entry.score, [r.code for r in entry.reasons])
            for entry in items
        ]
        principal = self.principal
        served = Served(
            endpoint=endpoint, item_type=item_type, organisation_id=organisation_id,
            key_id=principal.key_id if principal else None, role=principal.role.value if principal else None,
            parameters=parameters, items=shown,
        )  # fmt: skip
        return self.log_writer.submit(served)  # queued: the answer never waits for the database


async def get_asking(request: Request, key: ApiKeyHeader) -> Asking:
    """Read straight from ``app.state`` (and the snapshot asked for here) rather than through one dependency
    each, and the caller's principal from the key header here too: FastAPI's solving costs more per dependency
    than these lookups, on every recommendation request. (A route taking ``Asking`` takes no principal
    dependency besides: the key would be checked, and a wrong one counted by the throttle, twice.)"""
    principal = await get_principal(request, key)
    state = request.app.state
    snapshot = await get_snapshot(request)
    learned: ServedAdjustments = state.learned
    return Asking(
        principal, state.access, snapshot, snapshot.engine, state.feedback, state.recommendation_log, learned.current()
    )


AskingDep = Annotated[Asking, Depends(get_asking)]
