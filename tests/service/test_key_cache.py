"""Verified API keys believed for a short time (service/auth.py: CachedApiKeys)."""

from __future__ import annotations

from sqlalchemy import Engine

from matcher.reference import ReferenceData
from service.auth import CachedApiKeys, Principal, Role, SqlApiKeyRepository, SubjectRules


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Counting(SqlApiKeyRepository):
    """The key store, counting how often it is asked."""

    asked = 0

    def authenticate(self, secret: str) -> Principal | None:
        self.asked += 1
        return super().authenticate(secret)


def test_a_verified_key_is_believed_for_the_ttl_and_a_revocation_takes_effect_after_it(
    engine: Engine, reference: ReferenceData
) -> None:
    store, clock = Counting(engine), Clock()
    keys = CachedApiKeys(store, ttl=5.0, clock=clock)
    key_id, secret = keys.create(Role.ORGANISATION, "org-a", rules=SubjectRules.from_reference(reference))
    assert keys.authenticate(secret) is not None
    assert [keys.authenticate(secret) is not None for _ in range(3)] == [True] * 3
    assert store.asked == 1
    assert SqlApiKeyRepository(engine).revoke(key_id)  # by another process: bmm keys revoke
    clock.now += 4.9
    assert keys.cached(secret) is not None  # still believed within the ttl …
    clock.now += 0.2
    assert keys.cached(secret) is None  # … and no longer after it
    assert keys.authenticate(secret) is None
    assert store.asked == 2


def test_wrong_keys_are_never_cached_and_a_revocation_here_acts_at_once(
    engine: Engine, reference: ReferenceData
) -> None:
    store = Counting(engine)
    keys = CachedApiKeys(store, ttl=60.0, clock=Clock())
    assert keys.authenticate("bmm_not-a-key") is None
    assert keys.authenticate("bmm_not-a-key") is None
    assert store.asked == 2
    key_id, secret = keys.create(Role.ADMIN, rules=SubjectRules.from_reference(reference))
    assert keys.authenticate(secret) is not None
    assert keys.revoke(key_id)
    assert keys.authenticate(secret) is None


def test_a_ttl_of_zero_asks_the_store_every_time(engine: Engine, reference: ReferenceData) -> None:
    store = Counting(engine)
    keys = CachedApiKeys(store, ttl=0, clock=Clock())
    _, secret = keys.create(Role.ADMIN, rules=SubjectRules.from_reference(reference))
    assert [keys.authenticate(secret) is not None for _ in range(3)] == [True] * 3
    assert keys.cached(secret) is None
    assert store.asked == 3
