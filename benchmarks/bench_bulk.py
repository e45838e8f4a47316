"""``bmm import`` and ``bmm export`` at scale, each run as its own process: wall time, CPU time, peak RSS.

A synthetic member list (see :func:`benchmarks.bench_import.member_list`: German headers, street address, a
real random postcode, no coordinates — or, with ``--coordinates``, a distinct point near the postcode per row,
so no two rows share a site) is written to a file and imported with ``BMM_GEOCODER=none`` into a fresh SQLite
file (default) or, with ``--postgres``, into a fresh database on a throwaway PostgreSQL server (the tests'
helper, tests/service/postgres.py; needs the PostgreSQL binaries). Then it is exported as CSV and GeoJSON
with ``bmm export --out``. The rows are synthetic.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_bulk.py --rows 100000 [--coordinates] [--postgres] [--import-only]
    PYTHONPATH=. .venv/bin/python benchmarks/bench_bulk.py --csv members.csv --import-only  # a list made before

``--csv`` imports a member list written before (e.g. by ``benchmarks/scale_data.py``, the scale benchmark's
demo organisations) instead of generating one, so before/after runs read the same file.

``BMM_IMPORT_WORKERS`` in the environment sets the import's worker processes (default: the usable CPUs).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.bench_import import HEADER, member_list
from benchmarks.common import postgres_database, print_machine
from matcher.resources import data_dir


def located_list(rows: int, seed: int = 42) -> bytes:
    """Like :func:`member_list`, with coordinates: a point within about 1.5 km of the postcode's centroid (none,
    so the postcode decides, where the moved point would leave Germany, e.g. into Lake Constance)."""
    from matcher.geo.resolver import LocationQuery
    from matcher.models import Location
    from matcher.profiles import ProfileBuilder
    from matcher.reference import load_reference_data
    from matcher.settings import MatcherSettings

    rng = random.Random(seed)
    with (data_dir() / "geo" / "postcodes.csv").open(encoding="utf-8") as handle:
        centroids = [(row["plz"], float(row["lat"]), float(row["lon"])) for row in csv.DictReader(handle)]
    chosen = [rng.choice(centroids) for _ in range(rows)]
    points = [(lat + rng.uniform(-0.012, 0.012), lon + rng.uniform(-0.018, 0.018)) for _, lat, lon in chosen]
    resolver = ProfileBuilder(load_reference_data(), MatcherSettings()).resolver
    queries = [
        LocationQuery(lat=lat, lon=lon, postcode=plz) for (plz, _, _), (lat, lon) in zip(chosen, points, strict=True)
    ]
    located = resolver.resolve_many(queries)  # as the import will resolve them
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([*HEADER, "Breitengrad", "Längengrad"])
    for i, ((plz, _, _), point, found) in enumerate(zip(chosen, points, located, strict=True)):
        where = [f"{point[0]:.6f}", f"{point[1]:.6f}"] if isinstance(found, Location) else ["", ""]
        writer.writerow(
            [f"M{i:07d}", f"Testfirma {i}", f"Industriestraße {i % 97}", str(1 + i % 150), plz, "25.62.0",
             str(rng.randint(1, 500)), *where]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and its descendants (the import's worker processes), from /proc."""
    total = 0
    try:
        with open(f"/proc/{pid}/statm") as statm:
            total = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return total + sum(_tree_rss(int(child)) for child in children.read().split())
    except (OSError, ValueError):  # the process ended meanwhile
        return total


def _sample_peak(pid: int, peak: list[int], done: threading.Event) -> None:
    while not done.wait(0.2):
        peak[0] = max(peak[0], _tree_rss(pid))


def run(arguments: list[str]) -> tuple[float, float, float, float]:
    """Run ``bmm …`` in a child process: (wall seconds, CPU seconds of it and its worker processes, peak RSS in MB
    of the largest process, peak RSS in MB of all its processes together, sampled every 0.2 s)."""
    environment = {**os.environ, "BMM_GEOCODER": "none", "PYTHONPATH": str(Path.cwd())}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "service.cli", *arguments],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert child.stderr is not None
    peak, done = [0], threading.Event()
    sampler = threading.Thread(target=_sample_peak, args=(child.pid, peak, done))
    sampler.start()
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"bmm {arguments[0]} failed ({child.returncode}): {errors.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, peak[0] / 1e6


@contextlib.contextmanager
def database(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with postgres_database() as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--coordinates", action="store_true", help="a distinct point per row (no shared sites)")
    parser.add_argument("--import-only", action="store_true", help="measure the import only, no export")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL server instead of SQLite")
    parser.add_argument("--csv", type=Path, help="import this member list instead of generating one (--rows unused)")
    args = parser.parse_args()
    print_machine()
    print(f"load average before: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source = args.csv or folder / "list.csv"
        if args.csv is None:
            data = located_list(args.rows) if args.coordinates else member_list(args.rows)
            kind = "with coordinates (distinct sites)" if args.coordinates else "postcode + street, no coordinates"
            print(f"synthetic member list: {args.rows:,} rows, {kind}, {len(data) / 1e6:.1f} MB CSV")
            source.write_bytes(data)
        else:
            print(f"member list {source}: {source.stat().st_size / 1e6:.1f} MB CSV")
        with database(args.postgres, folder) as url:
            backend = "PostgreSQL (COPY)" if args.postgres else "SQLite (executemany)"
            wall, cpu, peak, together = run(["import", str(source), "--db", url, "--kind", "company"])
            workers = os.environ.get("BMM_IMPORT_WORKERS", "default")
            print(
                f"bmm import into {backend} (BMM_IMPORT_WORKERS={workers}): {wall:.1f} s wall, {cpu:.1f} s CPU, "
                f"peak RSS {peak:.0f} MB (largest process), {together:.0f} MB (all processes, sampled)"
            )
            for file_format in () if args.import_only else ("csv", "geojson"):
                target = folder / f"export.{file_format}"
                wall, cpu, peak, _ = run(["export", "--db", url, "--format", file_format, "--out", str(target)])
                size = target.stat().st_size / 1e6
                print(
                    f"bmm export --format {file_format}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak:.0f} MB "
                    f"({size:.0f} MB file)"
                )
                target.unlink()
    print(f"load average after: {' / '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
