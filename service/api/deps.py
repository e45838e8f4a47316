"""FastAPI dependencies for what ``create_app`` puts on ``app.state`` (one place, typed)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from matcher.profiles import ProfileBuilder
from service.access import AccessPolicy
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
