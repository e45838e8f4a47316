"""In-process query latency of the recommenders at 100k and 1M organisations.

Prints, per size: build times, memory, and median / p99 latency of the four questions for stored
organisations (peers with ranking and reasons, measures with the collaborative signal, funding,
advisors). Not a test: run it by hand and copy the figures (with the machine) into docs/benchmarks.md.

    .venv/bin/python benchmarks/bench_queries.py --sizes 100000 1000000 --queries 1000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

import numpy as np

from benchmarks.common import print_machine, status_mb
from matcher.index import OrganisationIndex
from matcher.matching.advisors import recommend_advisors
from matcher.matching.funding import recommend_funding
from matcher.matching.measures import MeasureRecommendation, recommend_measures_nearby
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation
from matcher.reference import ReferenceData, load_reference_data
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from service.seeding import demo_organisations


def timed(label: str, queries: list[Organisation], call: Callable[[Organisation], object]) -> None:
    for organisation in queries[:20]:  # warm caches
        call(organisation)
    times = []
    for organisation in queries:
        started = time.perf_counter()
        call(organisation)
        times.append(time.perf_counter() - started)
    ms = np.array(times) * 1000
    print(f"  {label:<34} median {np.median(ms):7.3f} ms   p99 {np.percentile(ms, 99):7.3f} ms   (n={len(ms)})")


def bench_size(reference: ReferenceData, settings: MatcherSettings, size: int, n_queries: int) -> None:
    catalog = reference.catalog
    print(f"\n== {size:,} organisations ==")
    started = time.perf_counter()
    organisations = demo_organisations(reference, settings, size=size, seed=7)
    print(f"  generate + validate + locate: {time.perf_counter() - started:.1f} s, RSS {status_mb('VmRSS'):,.0f} MB")
    started = time.perf_counter()
    vectoriser = fit_vectoriser(organisations[:20_000], settings.vectors)
    before = status_mb("VmRSS")
    index = OrganisationIndex.build(organisations, vectoriser, catalog)
    print(
        f"  fit + index build: {time.perf_counter() - started:.1f} s, index adds ~{status_mb('VmRSS') - before:,.0f} MB"
    )
    rng = np.random.default_rng(1)
    firms = [o for o in organisations if o.kind in ("company", "craft_business")]
    queries = [firms[i] for i in rng.choice(len(firms), size=min(n_queries, len(firms)), replace=False)]
    as_of = date(2026, 11, 23)

    def peers(organisation: Organisation) -> object:
        return recommend_peers(organisation, index, vectoriser, catalog, settings.peers)

    def measures(organisation: Organisation) -> list[MeasureRecommendation]:
        return recommend_measures_nearby(organisation, index, vectoriser, catalog, settings.measures)

    recommended = {o.id: [m.id for m in measures(o)] for o in queries}

    def funding(organisation: Organisation) -> object:
        return recommend_funding(organisation, catalog, recommended[organisation.id], settings.funding, as_of)

    def advisors(organisation: Organisation) -> object:
        return recommend_advisors(organisation, catalog, settings.advisors, reference.geo.kreis_naming)

    timed("peers (ranking + reasons, top 10)", queries, peers)
    timed("measures (incl. neighbour signal)", queries, measures)
    timed("funding", queries, funding)
    timed("advisors", queries, advisors)
    print(f"  RSS {status_mb('VmRSS'):,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=1000)
    args = parser.parse_args()
    print_machine()
    reference = load_reference_data()
    for size in args.sizes:
        bench_size(reference, MatcherSettings(), size, args.queries)


if __name__ == "__main__":
    main()
