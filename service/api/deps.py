"""FastAPI dependencies for what ``create_app`` puts on ``app.state`` (one place, typed)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from matcher.explain import Recommendation
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from service.access import AccessPolicy, Capability
from service.api.security import OptionalPrincipalDep
from service.api.served import log_served
from service.auth import Principal
from service.engine import MatchingEngine
from service.live import LiveIndex, Snapshot
from service.storage.feedback import SqlFeedbackStore
from service.storage.repository import OrganisationRepository


def get_repository(request: Request) -> OrganisationRepository:
    repository: OrganisationRepository = request.app.state.repository
    return repository


def get_policy(request: Request) -> AccessPolicy:
    policy: AccessPolicy = request.app.state.access
    return policy


def get_builder(request: Request) -> ProfileBuilder:
    builder: ProfileBuilder = request.app.state.builder
    return builder


def get_engine(request: Request) -> MatchingEngine:
    engine: MatchingEngine = request.app.state.engine
    return engine


def get_snapshot(request: Request) -> Snapshot:
    """The organisations and their index as of the store's current revision (see service.live)."""
    live: LiveIndex = request.app.state.live
    return live.current()


def get_feedback_store(request: Request) -> SqlFeedbackStore:
    store: SqlFeedbackStore = request.app.state.feedback
    return store


RepositoryDep = Annotated[OrganisationRepository, Depends(get_repository)]
PolicyDep = Annotated[AccessPolicy, Depends(get_policy)]
BuilderDep = Annotated[ProfileBuilder, Depends(get_builder)]
EngineDep = Annotated[MatchingEngine, Depends(get_engine)]
SnapshotDep = Annotated[Snapshot, Depends(get_snapshot)]
FeedbackStoreDep = Annotated[SqlFeedbackStore, Depends(get_feedback_store)]


@dataclass(frozen=True)
class Asking:
    """What every recommendation route needs: who asks, the rules, the current data and the log."""

    principal: Principal | None
    policy: AccessPolicy
    snapshot: Snapshot
    engine: MatchingEngine
    store: SqlFeedbackStore

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
    ) -> str:
        """Log what was served (service.api.served); returns the ``recommendation_id``."""
        return log_served(self.store, self.principal, endpoint, item_type, organisation_id, parameters, items)


def get_asking(
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    snapshot: SnapshotDep,
    engine: EngineDep,
    store: FeedbackStoreDep,
) -> Asking:
    return Asking(principal, policy, snapshot, engine, store)


AskingDep = Annotated[Asking, Depends(get_asking)]
