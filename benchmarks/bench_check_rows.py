"""CPU per row of an import's worker: :func:`service.io.workers.check_rows` (parse, validate, build, flatten) on
one chunk of a member list, in this process, with the shipped reference data and collection disabled (as in a
worker). Prints the best of ``--repeat`` runs after a warm-up, and the load average; ``--profile`` prints cProfile's
cumulative and own times instead. Runs with the code on ``PYTHONPATH``, so before/after pairs read the same rows:

    PYTHONPATH=. .venv/bin/python benchmarks/bench_check_rows.py members.csv --start 100000 --rows 50000
    PYTHONPATH=/path/to/other/checkout .venv/bin/python benchmarks/bench_check_rows.py members.csv ...

The member list is e.g. ``benchmarks/scale_data.py``'s (synthetic demo organisations).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import os
import pstats
import time
from pathlib import Path

from matcher.profiles import ProfileBuilder
from matcher.reference import load_reference_data
from matcher.settings import MatcherSettings
from service.io.reading import RawRow, ReadInfo, RowError, read_rows
from service.io.workers import check_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", type=Path)
    parser.add_argument("--start", type=int, default=0, help="data rows to skip")
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    builder = ProfileBuilder(load_reference_data(), MatcherSettings())
    read = list(itertools.islice(read_rows(args.csv, args.csv.name, ReadInfo()), args.start, args.start + args.rows))
    rows = [row for row in read if isinstance(row, RawRow)]
    skipped = sum(1 for row in read if isinstance(row, RowError))
    gc.disable()
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        check_rows(builder, rows, False)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(30)
        return
    check_rows(builder, rows[:2000], False)  # warm-up: caches of the resolver, first imports
    seconds = []
    for _ in range(args.repeat):
        started = time.process_time()
        check_rows(builder, rows, False)
        seconds.append(time.process_time() - started)
    best = min(seconds)
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"check_rows, {len(rows):,} rows of {args.csv} from row {args.start:,} ({skipped} unreadable left out)")
    runs = ", ".join(f"{s:.2f} s" for s in seconds)
    print(f"CPU per run: {runs}; best {best:.2f} s = {best / len(rows) * 1e6:.1f} µs per row")
    print(f"load average after: {load}")


if __name__ == "__main__":
    main()
