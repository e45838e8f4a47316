"""Fill a store with the synthetic demo organisations."""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from pathlib import Path

from matcher import resources
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.residences.aggregation import ResidenceCounts
from matcher.settings import MatcherSettings
from matcher.synthetic import generate_demo
from matcher.synthetic.residences import DemoFirm, load_commuter_flows, synthetic_residences
from service.auth import ApiKeyRepository, Role, SubjectRules
from service.storage.repository import OrganisationQuery, OrganisationRepository, ResidenceRepository

RESIDENCE_CONSENT_SHARE = 0.5  # demo firms that agree to pool their staff's home postcodes


@dataclass(frozen=True)
class SeedReport:
    organisations: int
    generate_seconds: float
    store_seconds: float
    residences: int = 0  # demo firms with synthetic home postcodes
    residence_consents: int = 0  # of which consenting to pooling (share_residence_aggregates)


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


def with_demo_residences(
    organisations: list[Organisation], reference: ReferenceData, data_dir: Path, *, seed: int
) -> tuple[list[Organisation], list[tuple[str, ResidenceCounts]]]:
    """Synthetic home postcodes for every demo firm with ≥ 10 staff (matcher.synthetic.residences: drawn from the
    real commuter flows into the firm's Kreis), and the organisations with the consent of a share of those firms."""
    firms = [DemoFirm(o.id, o.location.kreis_code, o.employees) for o in organisations]
    drawn = synthetic_residences(
        firms, reference.geo, load_commuter_flows(data_dir), seed=seed, consents=RESIDENCE_CONSENT_SHARE
    )
    consenting = {d.organisation for d in drawn if d.consented}
    organisations = [
        o.model_copy(update={"share_residence_aggregates": True}) if o.id in consenting else o for o in organisations
    ]
    return organisations, [(d.organisation, d.residences) for d in drawn]


def seed_demo(
    repository: OrganisationRepository,
    reference: ReferenceData,
    *,
    size: int,
    seed: int,
    residences: ResidenceRepository | None = None,
    data_dir: Path | None = None,
) -> SeedReport:
    """Replace all synthetic organisations with a freshly generated set; real profiles stay untouched.

    With ``residences`` the demo firms also get synthetic home postcodes (``data_dir``: the commuter flows)."""
    started = time.perf_counter()
    # Millions of new objects and no reference cycles: full cyclic collections would rescan them all
    # repeatedly (nearly doubling the time at 1M). Only the CLI process is affected; it is restored after.
    gc.disable()
    uploads: list[tuple[str, ResidenceCounts]] = []
    try:
        organisations = demo_organisations(reference, MatcherSettings(), size=size, seed=seed)
        if residences is not None:
            organisations, uploads = with_demo_residences(
                organisations, reference, resources.data_dir(data_dir), seed=seed
            )
    finally:
        gc.enable()
    generated = time.perf_counter()
    repository.replace_synthetic(organisations)
    if residences is not None:
        residences.replace_many(uploads)
    return SeedReport(
        organisations=len(organisations),
        generate_seconds=generated - started,
        store_seconds=time.perf_counter() - generated,
        residences=len(uploads),
        residence_consents=sum(o.share_residence_aggregates for o in organisations),
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
