"""Time and peak memory of ``find_clusters`` over 200k and 1M organisations (demo data).

Prints, per size: build times, then per run (no filter, problem filters, a region, pages) the time of the
call, its peak memory growth and what was found. Each run is one call in a forked child of the process
holding the index, so memory freed by earlier runs cannot hide a run's peak: growth = VmHWM after the
call minus VmRSS before it (the peak is reset first through /proc/self/clear_refs). ``--sklearn`` also
times scikit-learn's DBSCAN on the same projected coordinates, for comparison with the exact
O(n)-memory DBSCAN used here.
Not a test: run it by hand and copy the figures (with the machine) into docs/planning.md.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_clusters.py --sizes 200000 1000000 --sklearn
    PYTHONPATH=. .venv/bin/python benchmarks/bench_clusters.py --sizes 20000 200000 --only DE-NW  # pages
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import os
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import numpy as np

from benchmarks.common import print_machine, status_mb
from matcher.index import OrganisationIndex
from matcher.planning.clusters.density import dbscan, stereographic_km
from matcher.planning.clusters.finding import find_clusters
from matcher.planning.clusters.models import ClusterAnswer, RegionFilter
from matcher.reference import ReferenceData, load_reference_data
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from matcher.vocabulary import ProblemCode
from service.seeding import demo_organisations

T = TypeVar("T")
AS_OF = date(2026, 11, 23)


def in_child(run: Callable[[], None]) -> None:
    """Run ``run`` in a forked child (copy-on-write view of the index) and wait for it."""
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # child
        try:
            run()
        finally:
            sys.stdout.flush()
            os._exit(0)
    os.waitpid(pid, 0)


def release_free_memory() -> None:
    """Hand freed heap memory back to the OS (glibc), so later allocations show up as RSS growth."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def measured(call: Callable[[], T]) -> tuple[T, float, float, float]:
    """Result, seconds, CPU seconds of this process (steadier than the wall clock when other work runs) and
    peak memory growth in MB of one call."""
    release_free_memory()
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")  # reset the peak (VmHWM) to the current RSS
    before = status_mb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    result = call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return result, seconds, cpu, status_mb("VmHWM") - before


def build_index(reference: ReferenceData, settings: MatcherSettings, size: int) -> OrganisationIndex:
    started = time.perf_counter()
    organisations = demo_organisations(reference, settings, size=size, seed=7)
    print(f"  generate + validate + locate: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    vectoriser = fit_vectoriser(organisations[:20_000], settings.vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    print(f"  fit + index build: {time.perf_counter() - started:.1f} s")
    del organisations
    release_free_memory()
    print(f"  RSS with the index only: {status_mb('VmRSS'):,.0f} MB")
    return index


def describe(answer: ClusterAnswer) -> str:
    sizes = np.array([c.size for c in answer.clusters]) if answer.clusters else np.zeros(1, dtype=int)
    return (
        f"{answer.considered:,} employers, {answer.returned:,} of {answer.total:,} clusters, "
        f"{answer.clustered:,} clustered, {answer.noise:,} noise; "
        f"size median {np.median(sizes):.0f}, largest {sizes.max():,}"
    )


def bench_size(reference: ReferenceData, settings: MatcherSettings, size: int, sklearn: bool, only: str) -> None:
    print(f"\n== {size:,} organisations ==")
    index = build_index(reference, settings, size)
    runs: list[tuple[str, dict[str, object]]] = [
        ("no filter", {}),
        ("problem parking_shortage", {"problem": ProblemCode.PARKING_SHORTAGE}),
        ("problem poor_transit_access", {"problem": ProblemCode.POOR_TRANSIT_ACCESS}),
        ("problem carpool_critical_mass", {"problem": ProblemCode.CARPOOL_CRITICAL_MASS}),
        ("region DE-BW, no filter", {"region": RegionFilter(state="DE-BW")}),
        # The API's default page (GET /clusters: limit 50): only the page is enriched.
        ("region DE-NW, all", {"region": RegionFilter(state="DE-NW")}),
        ("region DE-NW, page 1 (limit 50)", {"region": RegionFilter(state="DE-NW"), "limit": 50}),
        ("region DE-NW, page 2 (offset 50)", {"region": RegionFilter(state="DE-NW"), "limit": 50, "offset": 50}),
    ]
    for label, options in runs:
        if only not in label:
            continue

        def run(label: str = label, options: dict[str, object] = options) -> None:
            def call() -> ClusterAnswer:
                return find_clusters(index, reference, settings, as_of=AS_OF, **options)  # type: ignore[arg-type]

            answer, seconds, cpu, memory = measured(call)
            print(f"  {label:<32} {seconds:6.2f} s (CPU {cpu:6.2f} s)  +{memory:7,.0f} MB  {describe(answer)}")

        in_child(run)
    employers = np.flatnonzero(index.groups == "employers")
    points = stereographic_km(index.lat[employers], index.lon[employers], 50.5, 7.9)
    config = settings.clusters

    def density_only() -> None:
        _, seconds, cpu, memory = measured(lambda: dbscan(points, config.eps_km, config.min_members))
        print(f"  {'  of which DBSCAN (no filter)':<32} {seconds:6.2f} s (CPU {cpu:6.2f} s)  +{memory:7,.0f} MB")

    in_child(density_only)
    if sklearn:

        def scikit_learn() -> None:
            from sklearn.cluster import DBSCAN

            model = DBSCAN(eps=config.eps_km, min_samples=config.min_members, algorithm="kd_tree")
            _, seconds, cpu, memory = measured(lambda: model.fit(points))
            print(f"  {'  sklearn DBSCAN kd_tree (same)':<32} {seconds:6.2f} s (CPU {cpu:6.2f} s)  +{memory:7,.0f} MB")

        in_child(scikit_learn)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--sklearn", action="store_true", help="also time scikit-learn's DBSCAN")
    parser.add_argument("--only", default="", help="only the runs whose label contains this, e.g. 'DE-NW'")
    args = parser.parse_args()
    print_machine()
    reference = load_reference_data()
    for size in args.sizes:
        bench_size(reference, MatcherSettings(), size, args.sklearn, args.only)


if __name__ == "__main__":
    main()
