"""Time of a pooled estate residence analysis: 20 firms, 10,000 employees (issue 14 target: ≤ 200 ms).

Homes are drawn (seeded) from the postcodes within about 60 km of a Dortmund site, weighted towards the site;
each firm's staff are aggregated per postcode first, as an upload would be. Prints the one-off build of the
postcode table (transit class of every postcode centroid) and the median/max of the pooled analysis over runs.
Not a test: run it by hand and copy the figures (with the machine) into docs/residences.md.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_residences.py --firms 20 --employees 10000 --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from benchmarks.common import print_machine
from matcher.geo.distance import haversine_km
from matcher.reference import load_reference_data
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import Site
from matcher.residences.distances import PostcodeTable
from matcher.residences.pooling import Member, pooled_analysis
from matcher.transit.model import TransitClass

SITE = Site(lat=51.5139, lon=7.47727, transit_class=TransitClass.B)


def members(table: PostcodeTable, firms: int, employees: int, seed: int) -> list[Member]:
    rng = np.random.default_rng(seed)
    km = haversine_km(table.lat, table.lon, SITE.lat, SITE.lon)
    near = np.flatnonzero(km < 60)
    weight = 1.0 / (1.0 + km[near]) ** 1.5
    weight /= weight.sum()
    result = []
    for firm in range(firms):
        homes = rng.choice(near, size=employees // firms, p=weight)
        position, counts = np.unique(homes, return_counts=True)
        residences = ResidenceCounts.of({str(table.index[p]): int(c) for p, c in zip(position, counts, strict=True)})
        result.append(Member(f"firm{firm}", residences, consented=True))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--firms", type=int, default=20)
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print_machine()
    geo = load_reference_data().geo
    start = time.perf_counter()
    table = PostcodeTable.build(geo)
    build_ms = 1000 * (time.perf_counter() - start)
    print(f"postcode table ({len(table.index)} postcodes, transit class each): {build_ms:.0f} ms")
    group = members(table, args.firms, args.employees, seed=7)
    print(f"{args.firms} firms, {sum(m.residences.total for m in group)} employees, "
          f"{len({p for m in group for p in m.residences.postcodes})} postcodes")  # fmt: skip
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        result = pooled_analysis(group, SITE, table, destination="Gewerbegebiet Bench")
        times.append(1000 * (time.perf_counter() - start))
    print(f"pooled analysis: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {args.runs} runs")
    print(f"answer: {len(result['origins'])} origins, {len(result['cross_firm'])} cross-firm, "
          f"{len(result['corridors'])} corridors")  # fmt: skip


if __name__ == "__main__":
    main()
