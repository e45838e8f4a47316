"""Time of ``bmm transit import`` on a synthetic feed over a demo database (the recompute of stored profiles).

Builds (seeded) a synthetic GTFS feed of bus lines through ``--stops`` packaged stops of the Ruhr area (each
feed stop 15 m off its packaged stop and named like it; ten stops a line, every ``--headway`` minutes both
ways from 5 to 23 h), stores ``--size`` synthetic demo organisations in a new SQLite database, then times:
reading the feed, the import (store + recompute of every stored profile), a re-import of the same feed
(nothing changes) and the removal. Not a test: run by hand, copy the figures (with the machine) into
docs/transit.md. Synthetic: no real timetable.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_gtfs.py --size 20000 --stops 5000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import print_machine, status_mb
from matcher.reference import load_reference_data
from matcher.settings import MatcherSettings
from matcher.transit.stops import TransitStops
from service.io.gtfs import ZipLimits, read_feed
from service.seeding import seed_demo
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository
from service.timetable import import_feed, remove_feed
from tests.factories_gtfs import FeedBuilder, every

LIMITS = ZipLimits(entry_bytes=2**30, total_bytes=2**31)


def synthetic_feed(packaged: TransitStops, count: int, headway: int, seed: int) -> FeedBuilder:
    frame = packaged.frame
    ruhr = frame.loc[frame["lat"].between(51.35, 51.65) & frame["lon"].between(6.7, 7.8)]
    chosen = ruhr.sample(n=min(count, len(ruhr)), random_state=seed).sort_values("lon")
    rng = np.random.default_rng(seed)
    feed = FeedBuilder()
    ids = []
    for row in chosen.to_dict("records"):
        angle = rng.uniform(0, 2 * np.pi)
        lat = float(row["lat"]) + 15 / 111_195 * np.sin(angle)
        lon = float(row["lon"]) + 15 / 111_195 / np.cos(np.radians(float(row["lat"]))) * np.cos(angle)
        feed.stop(f"s{row['id']}", str(row["name"]).rpartition(",")[0] or str(row["name"]), lat, lon)
        ids.append(f"s{row['id']}")
    times = every("05:00", "23:00", headway)
    for line, start in enumerate(range(0, len(ids) - 9, 10)):
        route = f"L{line}"
        feed.route(route, 3)
        stops = ids[start : start + 10]
        for direction, sequence in ((0, stops), (1, stops[::-1])):
            for time_of_day in times:
                feed.line_trip(route, sequence, time_of_day, direction)
    return feed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=20_000, help="synthetic demo organisations")
    parser.add_argument("--stops", type=int, default=5_000, help="packaged stops the feed covers")
    parser.add_argument("--headway", type=int, default=15, help="minutes between trips of a line")
    args = parser.parse_args()
    print_machine()
    reference = load_reference_data()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        seed_demo(SqlOrganisationRepository(engine), reference, size=args.size, seed=42)
        started = time.perf_counter()
        feed = synthetic_feed(reference.geo.transit, args.stops, args.headway, seed=7)
        path = feed.write(Path(folder) / "synthetic.zip")
        seconds = time.perf_counter() - started
        print(f"feed: {len(feed.stops)} stops, {len(feed.trips)} trips, {len(feed.stop_times)} stop times, "
              f"{path.stat().st_size / 1e6:.1f} MB zipped (written in {seconds:.1f} s)")  # fmt: skip
        transit = reference.geo.transit
        timetable_settings = MatcherSettings().transit.timetable
        started = time.perf_counter()
        read = read_feed(path, "bench", transit, timetable_settings, LIMITS)
        print(f"read and count: {time.perf_counter() - started:.1f} s; {read.summary.stops_covered} packaged stops "
              f"covered, {read.summary.unmatched} feed stops unmatched")  # fmt: skip
        steps = ["import (read + store + recompute)", "re-import, nothing changes", "remove (+ recompute)"]
        for step, label in enumerate(steps):
            started = time.perf_counter()
            outcome = (
                remove_feed(engine, reference, "bench")
                if step == 2
                else import_feed(engine, reference, path, "bench", LIMITS)
            )
            assert outcome is not None
            print(f"{label}: {time.perf_counter() - started:.1f} s, {outcome.changed} of {args.size} "
                  "organisations changed")  # fmt: skip
        print(f"peak memory: {status_mb('VmHWM'):.0f} MB")


if __name__ == "__main__":
    main()
