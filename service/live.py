"""The stored organisations and their matching index in memory, kept current with the store.

Every write appends the changed ids to the store's change log (``organisation_changes``). Before a
request uses the index it asks the store for its revision (one indexed query); when another request
or another worker process has written since, the changed profiles are fetched, and the index is rebuilt
once from the updated set. So a deleted profile, or one no longer visible to peers, never appears in
a recommendation after its write has committed, whichever process served the write.

The snapshot also carries the engine with the imported timetable (``bmm transit import``) and the profile
builder on it: on a refresh the timetable is reloaded when its version changed (an import or removal always
logs a change, see ``service/timetable.py``), so new profiles and ``POST /match`` follow it too. And it
carries the peers' home places (``HomePlacesSource``, docs/residences.md "Peers"), renewed for the changed ids.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from matcher.index import OrganisationIndex
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.residences.places import NO_HOME_PLACES, HomePlaces
from service.engine import MatchingEngine
from service.storage.repository import OrganisationRepository
from service.storage.transit import SqlTransitStore
from service.timetable import engine_with_timetable

logger = logging.getLogger(__name__)

# Above this share of changed profiles a full reload is cheaper than fetching them one by one.
FULL_RELOAD_SHARE = 0.25


@dataclass(frozen=True)
class Snapshot:
    """An immutable view: the organisations of one store revision, their index and their k-safe home places."""

    revision: int
    organisations: Mapping[str, Organisation]
    index: OrganisationIndex
    engine: MatchingEngine  # with the imported timetable of this revision
    builder: ProfileBuilder  # on ``engine``: new and changed profiles get their transit fields from it
    timetable_version: str
    home_places: HomePlaces = field(default=NO_HOME_PLACES)  # for the peers' shared-homes reason


class HomePlacesSource(Protocol):
    def refresh(
        self, organisations: Mapping[str, Organisation], changed: Sequence[str] | None, old: HomePlaces
    ) -> HomePlaces:
        """Home places of ``organisations`` (the new revision's), updating ``old`` for the ``changed`` ids
        (None: anything may have changed)."""
        ...


class LiveIndex:
    """Hands out the current :class:`Snapshot`; thread-safe (one rebuild at a time, readers never block
    on a snapshot that is already current)."""

    def __init__(
        self,
        repository: OrganisationRepository,
        engine: MatchingEngine,
        transit: SqlTransitStore | None = None,
        home_places: HomePlacesSource | None = None,
    ) -> None:
        self._repository = repository
        self._engine = engine
        self._transit = transit
        self._home_places = home_places
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    @property
    def revision(self) -> int:
        """The current snapshot's revision (-1 before the first), for /metrics; never asks the store."""
        snapshot = self._snapshot
        return snapshot.revision if snapshot is not None else -1

    @property
    def delta_size(self) -> int:
        """Rows in the uncompacted delta (every write rebuilds the index here, so none)."""
        return 0

    @property
    def last_compaction_seconds(self) -> float | None:
        """How long the last compaction took (none happen here: every write rebuilds the index)."""
        return None

    def current(self) -> Snapshot:
        revision = self._repository.revision()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.revision == revision:
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.revision != revision:
                snapshot = self._snapshot = self._refresh(snapshot, revision)
            return snapshot

    def _refresh(self, old: Snapshot | None, store_revision: int) -> Snapshot:
        started = time.perf_counter()
        changes = None
        # A store revision below ours means another database (restored or recreated): reload everything.
        if old is not None and store_revision > old.revision:
            changes = self._repository.changes_since(old.revision)
        changed: Sequence[str] | None = None
        if old is None or changes is None or changes.ids is None or _too_many(changes.ids, old):
            # The revision is read before the rows: a write in between is loaded now and again next time.
            revision = changes.revision if changes is not None else store_revision
            organisations = {o.id: o for o in self._repository.iter_all()}
        else:
            revision = changes.revision
            changed = changes.ids
            organisations = dict(old.organisations)
            for organisation_id in changes.ids:
                organisations.pop(organisation_id, None)
            organisations.update((o.id, o) for o in self._repository.get_many(changes.ids))
        ordered = [organisations[i] for i in sorted(organisations)]
        previous = old.index if old is not None else None
        index = OrganisationIndex.build(ordered, self._engine.vectoriser, self._engine.reference.catalog, previous)
        engine, builder, version = self._timetable(old)
        by_id = {o.id: o for o in ordered}
        home_places = NO_HOME_PLACES
        if self._home_places is not None:
            home_places = self._home_places.refresh(by_id, changed, old.home_places if old else NO_HOME_PLACES)
        logger.info(
            "index at revision %d: %d organisations in %.2f s", revision, len(ordered), time.perf_counter() - started
        )
        return Snapshot(
            revision=revision,
            organisations=by_id,
            index=index,
            engine=engine,
            builder=builder,
            timetable_version=version,
            home_places=home_places,
        )

    def _timetable(self, old: Snapshot | None) -> tuple[MatchingEngine, ProfileBuilder, str]:
        """The engine with the stored timetable, reused while the timetable's version stays the same."""
        version = self._transit.version() if self._transit is not None else ""
        if old is not None and old.timetable_version == version:
            return old.engine, old.builder, version
        timetable = self._transit.timetable() if self._transit is not None else {}
        engine = engine_with_timetable(self._engine, timetable) if timetable else self._engine
        return engine, ProfileBuilder(engine.reference, engine.settings), version


def _too_many(ids: list[str], old: Snapshot) -> bool:
    return len(ids) > FULL_RELOAD_SHARE * max(len(old.organisations), 1)
