"""Cost of the peers' shared-homes part: building home places from uploads, and peer latency with and without.

Synthetic: demo organisations (seeded); a share of the firms with ≥ 10 staff "consent and upload", their staff's
homes drawn from the postcodes within 40 km of the firm (weighted towards it). Prints the time to build
``HomePlaces`` from all uploads (what the live index does on a full reload, without the database) and the median /
p99 latency of ``recommend_peers`` for consenting firms with and without home places. Not a test: run it by hand
and copy the figures (with the machine) into docs/residences.md.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_home_places.py --size 20000 --share 0.3 --queries 500

With ``--db URL`` (a database filled by ``bmm demo``) it times the service's ``ResidencePlaces.refresh`` instead:
a full reload (every consenting upload read and turned into home places) and a refresh after one changed id.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import print_machine
from matcher.geo.distance import haversine_km
from matcher.index import OrganisationIndex
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation
from matcher.reference import load_reference_data
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.distances import PostcodeTable
from matcher.residences.places import NO_HOME_PLACES, home_places
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from service.seeding import demo_organisations


def uploads(firms: list[Organisation], table: PostcodeTable, seed: int) -> list[tuple[str, ResidenceCounts]]:
    rng = np.random.default_rng(seed)
    result = []
    for firm in firms:
        km = haversine_km(table.lat, table.lon, firm.location.lat, firm.location.lon)
        near = np.flatnonzero(km < 40)
        if len(near) == 0:
            continue
        weight = 1.0 / (1.0 + km[near]) ** 1.5
        homes = rng.choice(near, size=min(firm.employees or 10, 500), p=weight / weight.sum())
        position, counts = np.unique(homes, return_counts=True)
        counted = {str(table.index[p]): int(c) for p, c in zip(position, counts, strict=True)}
        result.append((firm.id, ResidenceCounts.of(counted)))
    return result


def latency(label: str, calls: list[float]) -> None:
    ms = np.array(calls) * 1000
    print(f"  {label:<28} median {np.median(ms):7.3f} ms   p99 {np.percentile(ms, 99):7.3f} ms   (n={len(ms)})")


def bench_service(url: str) -> None:
    from service.config import ServiceSettings
    from service.engine import load_engine
    from service.live import LiveIndex
    from service.residence_places import ResidencePlaces
    from service.residences import ResidenceAnalyst
    from service.storage.database import make_engine
    from service.storage.residences import SqlResidenceRepository
    from service.storage.sql_repository import SqlOrganisationRepository

    database = make_engine(url)
    settings = ServiceSettings(database_url=url)
    engine = load_engine(settings.resolved_models_dir(), settings.resolved_data_dir())
    analyst = ResidenceAnalyst(engine.reference, engine.settings.transit, settings.residence_k)
    _ = analyst.table  # built once at start-up anyway
    places = ResidencePlaces(SqlResidenceRepository(database), analyst)
    organisations = LiveIndex(SqlOrganisationRepository(database), engine).current().organisations
    started = time.perf_counter()
    found = places.refresh(organisations, None, NO_HOME_PLACES)
    print(f"{len(organisations):,} organisations; full reload of home places: {time.perf_counter() - started:.2f} s "
          f"({len(found.by_organisation):,} organisations with places)")  # fmt: skip
    changed = next(iter(found.by_organisation))
    started = time.perf_counter()
    places.refresh(organisations, [changed], found)
    print(f"refresh after one changed id: {1000 * (time.perf_counter() - started):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--share", type=float, default=0.3, help="share of firms with ≥ 10 staff that upload")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--db", help="a database filled by bmm demo: time the service's refresh instead")
    args = parser.parse_args()
    print_machine()
    if args.db:
        bench_service(args.db)
        return
    reference = load_reference_data()
    settings = MatcherSettings()
    organisations = demo_organisations(reference, settings, size=args.size, seed=7)
    vectoriser = fit_vectoriser(organisations[:20_000], settings.vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    table = PostcodeTable.build(reference.geo)
    rng = np.random.default_rng(3)
    firms = [o for o in organisations if o.kind in ("company", "craft_business") and (o.employees or 0) >= 10]
    chosen = [firms[i] for i in rng.choice(len(firms), size=int(len(firms) * args.share), replace=False)]
    uploaded = uploads(chosen, table, seed=5)
    employees = sum(c.total for _, c in uploaded)
    print(f"{len(organisations):,} organisations; {len(uploaded):,} uploads, {employees:,} employees")

    started = time.perf_counter()
    places = home_places(uploaded, table, k=5)
    print(f"home places from all uploads: {1000 * (time.perf_counter() - started):.0f} ms "
          f"({len(places.by_organisation):,} organisations with ≥ 1 place, "
          f"{np.mean([len(p) for p in places.by_organisation.values()]):.1f} places each on average)")  # fmt: skip

    queries = [o for o in chosen if places.of(o.id)][: args.queries]
    for label, given in (("peers without home places", None), ("peers with home places", places)):
        times = []
        for organisation in queries:
            started = time.perf_counter()
            recommend_peers(organisation, index, vectoriser, reference.catalog, settings.peers, home_places=given)
            times.append(time.perf_counter() - started)
        latency(label, times)
    shared = sum(
        any(r.code == "shared_homes" for r in item.reasons)
        for organisation in queries[:100]
        for item in recommend_peers(
            organisation, index, vectoriser, reference.catalog, settings.peers, home_places=places
        ).items
    )
    print(f"peers (top 10) with a shared-homes reason, first 100 queries: {shared} of {10 * min(100, len(queries))}")


if __name__ == "__main__":
    main()
