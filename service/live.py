"""The stored organisations and their matching index in memory, kept current with the store.

Every write appends the changed ids to the store's change log (``organisation_changes``). Before a
request uses the index it asks the store for its revision (one indexed query) unless a watcher has told
it the newest revision (:meth:`LiveIndex.note_revision`); when another request or another worker process
has written since, the changed profiles are fetched and applied as a delta: their old rows are marked dead
and the new ones appended (``OrganisationIndex.with_changes``, O(changed rows)). So a deleted profile, or one
no longer visible to peers, never appears in a recommendation after its write has committed, whichever
process served the write. When the delta exceeds ``compact_after`` rows, a background thread rebuilds the
base from the live rows (``OrganisationIndex.compacted``) and swaps it in, replaying the changes applied
meanwhile. A first load, a restored database or a large change reads the whole store as Arrow columns
(``service/snapshot.py``), never as Organisation objects; ``Snapshot.organisations`` builds a profile only
when one is looked up.

The snapshot also carries the engine with the imported timetable (``bmm transit import``) and the profile
builder on it: on a refresh the timetable is reloaded when its version changed (an import or removal always
logs a change, see ``service/timetable.py``), so new profiles and ``POST /match`` follow it too. And it
carries the peers' home places (``HomePlacesSource``, docs/residences.md "Peers"), renewed for the changed ids.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from matcher.index import OrganisationIndex
from matcher.profiles import ProfileBuilder
from matcher.residences.places import NO_HOME_PLACES, HomePlaces
from matcher.vectorise import FloatMatrix
from service.collector import collector_paused
from service.engine import MatchingEngine
from service.snapshot import FIELDS, ColumnEncoder, OrganisationColumns, load_index, page_of, vocabularies
from service.storage.repository import OrganisationRepository
from service.storage.transit import SqlTransitStore
from service.timetable import engine_with_timetable

logger = logging.getLogger(__name__)

# Above this share of changed profiles (of at least FULL_RELOAD_FLOOR) a full reload is cheaper than a delta.
FULL_RELOAD_SHARE = 0.25
FULL_RELOAD_FLOOR = 1_000
DEFAULT_COMPACT_AFTER = 20_000  # appended rows; the service passes ServiceSettings.compact_delta_rows
SPARE = 0.05  # room to append after a load or compaction, as a share of the rows

# One applied change: removed ids, appended rows, their vectors and fingerprints (replayed after a compaction).
ChangeSet = tuple[list[str], dict[str, Any], FloatMatrix, npt.NDArray[np.int64]]


@dataclass(frozen=True)
class Snapshot:
    """An immutable view: the organisations of one store revision, their index and their k-safe home places."""

    revision: int
    organisations: OrganisationColumns  # a read-only Mapping[str, Organisation], built on lookup (recent ones kept)
    index: OrganisationIndex
    engine: MatchingEngine  # with the imported timetable of this revision
    builder: ProfileBuilder  # on ``engine``: new and changed profiles get their transit fields from it
    timetable_version: str
    home_places: HomePlaces = field(default=NO_HOME_PLACES)  # for the peers' shared-homes reason


class HomePlacesSource(Protocol):
    def refresh(self, organisations: OrganisationColumns, changed: Sequence[str] | None, old: HomePlaces) -> HomePlaces:
        """Home places of ``organisations`` (the new revision's), updating ``old`` for the ``changed`` ids
        (None: anything may have changed)."""
        ...


class LiveIndex:
    """Hands out the current :class:`Snapshot`; thread-safe (one refresh at a time, readers never block
    on a snapshot that is already current)."""

    def __init__(
        self,
        repository: OrganisationRepository,
        engine: MatchingEngine,
        transit: SqlTransitStore | None = None,
        home_places: HomePlacesSource | None = None,
        *,
        compact_after: int = DEFAULT_COMPACT_AFTER,
        compact_in_background: bool = True,
    ) -> None:
        self._repository = repository
        self._engine = engine
        self._transit = transit
        self._home_places = home_places
        self._compact_after = compact_after
        self._compact_in_background = compact_in_background
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._encoder = ColumnEncoder(engine.vectoriser, vocabularies())
        self._noted: int | None = None  # newest revision a watcher has seen (None: nobody watches, ask the store)
        # Its own lock: a write's commit hook notes from a request thread that still holds a pooled connection,
        # which must never wait for a refresh (holding self._lock) that may need a connection from that pool.
        self._noted_lock = threading.Lock()
        self._load_generation = 0  # a full load makes a running compaction's result stale
        self._replay: list[ChangeSet] | None = None  # changes applied while a compaction runs
        self._compaction: threading.Thread | None = None
        self._last_compaction_seconds: float | None = None

    # -- for metrics ------------------------------------------------------------------------------------
    @property
    def revision(self) -> int:
        """The current snapshot's revision (-1 before the first); never asks the store."""
        snapshot = self._snapshot
        return -1 if snapshot is None else snapshot.revision

    @property
    def delta_size(self) -> int:
        """Rows appended since the last compaction or full load."""
        snapshot = self._snapshot
        return 0 if snapshot is None else snapshot.index.delta_size

    @property
    def last_compaction_seconds(self) -> float | None:
        """How long the last compaction took (None before the first)."""
        return self._last_compaction_seconds

    # -- freshness --------------------------------------------------------------------------------------
    def note_revision(self, revision: int) -> None:
        """A revision a watcher has seen; from the first call on, :meth:`current` trusts these instead of
        asking the store per request."""
        with self._noted_lock:
            self._noted = revision if self._noted is None else max(self._noted, revision)

    def ready(self) -> Snapshot | None:
        """The current snapshot when a watcher vouches that it is current (no newer revision noted): two reads,
        never the store or a lock. None when :meth:`current` would have to ask the store or refresh."""
        snapshot, noted = self._snapshot, self._noted
        if noted is not None and snapshot is not None and snapshot.revision >= noted:
            return snapshot
        return None

    def current(self) -> Snapshot:
        snapshot = self.ready()
        if snapshot is not None:
            return snapshot
        snapshot = self._snapshot
        revision = self._repository.revision()
        if snapshot is not None and snapshot.revision == revision:
            return snapshot
        return self._update(revision)

    def refresh(self) -> Snapshot:
        """Bring the snapshot up to the store's revision now (thread-safe)."""
        return self._update(self._repository.revision())

    def _update(self, revision: int) -> Snapshot:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and revision < snapshot.revision:
                # Mostly read before another thread (a request, the watcher) brought the snapshot further
                # while this one waited for the lock; rarely a restored store. Only a read under the lock
                # tells them apart: taking the stale read for a restore reloaded everything, under the lock,
                # for each such thread (seconds at 100,000 rows, while every request waits).
                revision = self._repository.revision()
            if snapshot is None or snapshot.revision != revision:
                snapshot = self._snapshot = self._refresh(snapshot, revision)
                self._maybe_compact(snapshot)
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
            self._encoder = ColumnEncoder(self._engine.vectoriser, vocabularies())
            with collector_paused():
                index = load_index(
                    self._repository.read_columns(list(FIELDS)),
                    self._encoder,
                    self._engine.vectoriser,
                    self._engine.reference.catalog,
                    SPARE,
                )
            self._load_generation += 1
            self._replay = None
            _release_freed_memory()
            _build_pending_trees(index)
        else:
            revision = changes.revision
            changed = changes.ids
            rows, vectors, fingerprints = self._encoder.rows(page_of(self._repository.get_many(changes.ids)))
            change: ChangeSet = (list(changes.ids), rows, vectors, fingerprints)
            index = old.index.with_changes(*change)
            if self._replay is not None:
                self._replay.append(change)
        engine, builder, version = self._timetable(old)
        if changed is None or old is None:
            organisations = OrganisationColumns(index, builder)
        else:
            organisations = old.organisations.following(index, builder)
        home_places = NO_HOME_PLACES
        if self._home_places is not None:
            home_places = self._home_places.refresh(organisations, changed, old.home_places if old else NO_HOME_PLACES)
        logger.info(
            "index at revision %d: %d organisations (%d appended rows) in %.2f s",
            revision, index.count, index.delta_size, time.perf_counter() - started,
        )  # fmt: skip
        return Snapshot(
            revision=revision,
            organisations=organisations,
            index=index,
            engine=engine,
            builder=builder,
            timetable_version=version,
            home_places=home_places,
        )

    # -- compaction -------------------------------------------------------------------------------------
    def _maybe_compact(self, snapshot: Snapshot) -> None:
        """Start a compaction when the delta is over the threshold (called under the lock)."""
        if snapshot.index.delta_size <= self._compact_after or self._compaction is not None:
            return
        self._replay = []
        if self._compact_in_background:
            self._compaction = threading.Thread(
                target=self._compact, args=(snapshot.index, self._load_generation), name="bmm-compaction", daemon=True
            )
            self._compaction.start()
        else:
            self._compaction = threading.current_thread()
            self._swap_in(snapshot.index.compacted(SPARE), self._load_generation, time.perf_counter())

    def _compact(self, index: OrganisationIndex, generation: int) -> None:
        started = time.perf_counter()
        try:
            compacted = index.compacted(SPARE)
            compacted.blocks.build_pending()  # in this background thread, before any request may need them
        except Exception:  # the delta stays in use; the next write tries again
            logger.exception("compaction failed")
            with self._lock:
                self._compaction, self._replay = None, None
            return
        with self._lock:
            self._swap_in(compacted, generation, started)

    def _swap_in(self, compacted: OrganisationIndex, generation: int, started: float) -> None:
        """Replace the current snapshot's index by ``compacted`` plus the changes applied since (under the lock)."""
        replay, self._replay, self._compaction = self._replay or [], None, None
        current = self._snapshot
        if current is None or generation != self._load_generation:
            return  # a full load came in between: its index is newer than this compaction
        for change in replay:
            compacted = compacted.with_changes(*change)
        organisations = OrganisationColumns(compacted, current.builder)
        self._snapshot = replace(current, index=compacted, organisations=organisations)
        self._last_compaction_seconds = time.perf_counter() - started
        logger.info("index compacted: %d rows in %.2f s", compacted.count, self._last_compaction_seconds)

    def _timetable(self, old: Snapshot | None) -> tuple[MatchingEngine, ProfileBuilder, str]:
        """The engine with the stored timetable, reused while the timetable's version stays the same."""
        version = self._transit.version() if self._transit is not None else ""
        if old is not None and old.timetable_version == version:
            return old.engine, old.builder, version
        timetable = self._transit.timetable() if self._transit is not None else {}
        engine = engine_with_timetable(self._engine, timetable) if timetable else self._engine
        return engine, ProfileBuilder(engine.reference, engine.settings), version


def _build_pending_trees(index: OrganisationIndex) -> None:
    """The trees over all organisations (for roles that may see hidden peers) are left out of a full load, so
    that the service answers sooner; they are built right after it in a thread of their own, so that the first
    such query does not wait for them (seconds at 1,000,000 organisations)."""
    threading.Thread(target=index.blocks.build_pending, name="bmm-pending-trees", daemon=True).start()


def _release_freed_memory() -> None:
    """Give the heap freed after a load (the pages' Python objects) back to the system: glibc keeps it otherwise
    (about 110 MB per 100,000 rows read). Nothing on other C libraries."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _too_many(ids: list[str], old: Snapshot) -> bool:
    return len(ids) > FULL_RELOAD_SHARE * max(old.index.count, FULL_RELOAD_FLOOR)
