"""Throttling of failed authentication per client address: a token bucket in memory, one per worker process.

Each wrong or revoked key costs the client address one token; the bucket holds ``burst`` tokens and refills
``per_minute`` a minute. While an address has no token left, a key from it is answered 429 with
``Retry-After`` *without being looked up*, so a guesser learns nothing more, unless this process has seen the
key succeed before (kept as its hash): keys in use are never slowed, even from an address that a neighbour
behind the same NAT has throttled. A successful key costs nothing. With ``bmm serve --workers N`` each worker
counts on its own, so an address gets at most N times the burst before it is throttled everywhere.
The client address is what uvicorn reports (behind a proxy: start it with ``--proxy-headers`` and
``--forwarded-allow-ips`` so that it is the caller's, not the proxy's).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_ADDRESSES = 10_000  # buckets kept (least recently failed dropped first): memory stays bounded
MAX_KNOWN_KEYS = 10_000


@dataclass
class _Bucket:
    tokens: float
    updated: float


class FailedAuthThrottle:
    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._known: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()  # sync routes run in a thread pool

    def _refilled(self, address: str, now: float) -> _Bucket | None:
        bucket = self._buckets.get(address)
        if bucket is not None:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        return bucket

    def retry_after(self, address: str, key_hash: str) -> int | None:
        """Seconds to wait when ``address`` is throttled and the key was never seen to succeed, else None."""
        with self._lock:
            if key_hash in self._known:
                return None
            bucket = self._refilled(address, self.clock())
            if bucket is None or bucket.tokens >= 1:
                return None
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))

    def failed(self, address: str) -> None:
        with self._lock:
            now = self.clock()
            bucket = self._refilled(address, now) or _Bucket(float(self.burst), now)
            bucket.tokens = max(0.0, bucket.tokens - 1)
            self._buckets[address] = bucket
            self._buckets.move_to_end(address)
            while len(self._buckets) > MAX_ADDRESSES:
                self._buckets.popitem(last=False)

    def succeeded(self, key_hash: str) -> None:
        with self._lock:
            self._known[key_hash] = None
            self._known.move_to_end(key_hash)
            while len(self._known) > MAX_KNOWN_KEYS:
                self._known.popitem(last=False)
