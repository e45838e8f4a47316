"""A small cache of unredacted cluster answers, keyed by store revision, parameters and date."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from matcher.index import OrganisationIndex
from matcher.planning.clusters.finding import find_clusters
from matcher.planning.clusters.models import (
    DEFAULT_CLUSTER_ORDER,
    Cluster,
    ClusterAnswer,
    ClusterOrder,
    RegionFilter,
)
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vocabulary import ProblemCode

CACHE_SIZE = 16
# Memory bound besides the entry count: a cached cluster takes about 30 kB (measured at 20,000 organisations:
# 863 clusters, 24 MB), so 5,000 clusters are about 150 MB.
CACHE_MAX_CLUSTERS = 5000


@dataclass(frozen=True)
class ClusterKey:
    """Everything an unredacted answer depends on: store revision, effective parameters, page, as_of."""

    revision: int
    region: RegionFilter | None
    problem: ProblemCode | None
    eps_km: float
    min_members: int
    limit: int | None
    as_of: date
    offset: int = 0
    order: ClusterOrder = DEFAULT_CLUSTER_ORDER


class ClusterCache:
    """A small thread-safe LRU of unredacted :class:`ClusterAnswer` objects.

    At most ``size`` entries holding at most ``max_clusters`` clusters together (a larger answer is not
    kept). Entries of an older revision are dropped as soon as a newer revision is seen. Concurrent requests
    for the same key compute once (the others wait for the first). Never store redacted output here:
    redaction depends on the caller.
    """

    def __init__(self, size: int = CACHE_SIZE, max_clusters: int = CACHE_MAX_CLUSTERS) -> None:
        self.size = size
        self.max_clusters = max_clusters
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[ClusterKey, ClusterAnswer] = OrderedDict()
        self._pending: dict[ClusterKey, threading.Lock] = {}
        self._revision = -1
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def _clusters(self) -> int:
        return sum(len(answer.clusters) for answer in self._entries.values())

    def _lookup(self, key: ClusterKey) -> ClusterAnswer | None:
        """Call with ``self._lock`` held."""
        if key.revision > self._revision:
            self._entries.clear()
            self._revision = key.revision
        answer = self._entries.get(key)
        if answer is not None:
            self._entries.move_to_end(key)
        return answer

    def find(self, revision: int, cluster_id: str) -> Cluster | None:
        """A cached cluster of ``revision`` by its id (ids hash the member ids, so equal ids are equal clusters)."""
        with self._lock:
            if revision != self._revision:
                return None
            for answer in reversed(self._entries.values()):
                for cluster in answer.clusters:
                    if cluster.id == cluster_id:
                        return cluster
        return None

    def get(self, key: ClusterKey, compute: Callable[[], ClusterAnswer]) -> ClusterAnswer:
        with self._lock:
            if (answer := self._lookup(key)) is not None:
                self.hits += 1
                return answer
            pending = self._pending.setdefault(key, threading.Lock())
        with pending:
            with self._lock:
                if (answer := self._lookup(key)) is not None:
                    self.hits += 1
                    return answer
                self.misses += 1
            try:
                answer = compute()
            except BaseException:
                with self._lock:
                    self._pending.pop(key, None)
                raise
            with self._lock:  # cache first, then release the key: a request in between finds the answer
                if key.revision >= self._revision and len(answer.clusters) <= self.max_clusters:
                    self._entries[key] = answer
                    while len(self._entries) > self.size or self._clusters() > self.max_clusters:
                        self._entries.popitem(last=False)
                self._pending.pop(key, None)
            return answer


def cluster_answer(
    cache: ClusterCache, key: ClusterKey, index: OrganisationIndex, reference: ReferenceData, settings: MatcherSettings
) -> ClusterAnswer:
    """The unredacted answer for ``key`` (``index`` of the key's revision): from the cache or computed once."""
    return cache.get(
        key,
        lambda: find_clusters(
            index,
            reference,
            settings,
            as_of=key.as_of,
            region=key.region,
            problem=key.problem,
            eps_km=key.eps_km,
            min_members=key.min_members,
            limit=key.limit,
            offset=key.offset,
            order=key.order,
        ),
    )
