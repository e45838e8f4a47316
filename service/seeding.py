"""Fill a store with the synthetic demo organisations."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass

from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.synthetic import generate_demo
from service.auth import ApiKeyRepository, Role, SubjectRules
from service.storage.repository import OrganisationQuery, OrganisationRepository


@dataclass(frozen=True)
class SeedReport:
    organisations: int
    generate_seconds: float
    store_seconds: float


def demo_organisations(
    reference: ReferenceData, settings: MatcherSettings, *, size: int, seed: int, chunk: int = 50_000
) -> list[Organisation]:
    """The synthetic demo organisations, built (validated, located) as the store holds them.

    Built in chunks so that the resolver's intermediate arrays stay small at millions of profiles.
    """
    profiles = generate_demo(reference, size=size, seed=seed)
    builder = ProfileBuilder(reference, settings)
    organisations: list[Organisation] = []
    for start in range(0, len(profiles), chunk):
        part = profiles[start : start + chunk]
        for profile, result in zip(part, builder.build_many([(p, p.id or "") for p in part]), strict=True):
            if isinstance(result, list):  # a generator bug, not a user error: fail loudly
                raise RuntimeError(f"generated profile {profile.id} is invalid: {result[0]}")
            organisations.append(result)
    return organisations


def seed_demo(repository: OrganisationRepository, reference: ReferenceData, *, size: int, seed: int) -> SeedReport:
    """Replace all synthetic organisations with a freshly generated set; real profiles stay untouched."""
    started = time.perf_counter()
    # Millions of new objects and no reference cycles: full cyclic collections would rescan them all
    # repeatedly (nearly doubling the time at 1M). Only the CLI process is affected; it is restored after.
    gc.disable()
    try:
        organisations = demo_organisations(reference, MatcherSettings(), size=size, seed=seed)
    finally:
        gc.enable()
    generated = time.perf_counter()
    repository.replace_synthetic(organisations)
    return SeedReport(
        organisations=len(organisations),
        generate_seconds=generated - started,
        store_seconds=time.perf_counter() - generated,
    )


DEMO_KEY_LABEL = "demo"
DEMO_ADVISOR = "ihk_dortmund"
DEMO_PLANNER_REGION = "DE-NW"


def issue_demo_keys(
    keys: ApiKeyRepository, repository: OrganisationRepository, reference: ReferenceData
) -> list[tuple[Role, str | None, str]]:
    """One fresh key per role for trying the demo (earlier demo keys are revoked): (role, subject, secret).

    The organisation key belongs to a synthetic company that is visible to peers in the advisor's territory.
    """
    for key in keys.list():
        if key.label == DEMO_KEY_LABEL and not key.revoked:
            keys.revoke(key.id)
    candidates, _ = repository.list(
        OrganisationQuery(kind="company", kreis_code="05913", visible_to_peers=True), offset=0, limit=1
    )
    subjects: list[tuple[Role, str | None]] = [
        (Role.ADMIN, None),
        (Role.ADVISOR, DEMO_ADVISOR),
        (Role.PLANNER, DEMO_PLANNER_REGION),
    ]
    if candidates:
        subjects.append((Role.ORGANISATION, candidates[0].id))
    rules = SubjectRules.from_reference(reference)
    issued = []
    for role, subject in subjects:
        _, secret = keys.create(role, subject, rules=rules, label=DEMO_KEY_LABEL)
        issued.append((role, subject, secret))
    return issued
