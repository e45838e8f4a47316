"""Time ``bmm import`` of a synthetic member list (postcode + street address, no coordinates) into SQLite.

The rows are synthetic (random real postcodes from data/geo/postcodes.csv, invented names and streets);
they stand for a chamber's CRM export, the case geocoding is for. Without a geocoder (BMM_GEOCODER=none,
the default) the import must not get slower than before geocoding existed: run this script with the old
and the new code on the path and compare (on a shared machine the CPU seconds vary less than the wall time).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_import.py --rows 200000
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_machine, status_mb
from matcher.profiles import ProfileBuilder
from matcher.reference import load_reference_data
from matcher.resources import data_dir
from matcher.settings import MatcherSettings
from matcher.vocabulary import OrganisationKind
from service.io import ImportReport, import_organisations
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository

HEADER = ["Mitgliedsnummer", "Firma", "Straße", "Hausnr.", "PLZ", "WZ 2008", "Beschäftigte"]


def member_list(rows: int, seed: int = 42) -> bytes:
    """A synthetic CSV member list of ``rows`` rows (German headers, ';', UTF-8)."""
    rng = random.Random(seed)
    with (data_dir() / "geo" / "postcodes.csv").open(encoding="utf-8") as handle:
        postcodes = [row["plz"] for row in csv.DictReader(handle)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    for i in range(rows):
        writer.writerow(
            [f"M{i:07d}", f"Testfirma {i}", f"Industriestraße {i % 97}", str(1 + i % 150), rng.choice(postcodes),
             "25.62.0", str(rng.randint(1, 500))]
        )  # fmt: skip
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    print_machine()
    data = member_list(args.rows)
    print(f"synthetic member list: {args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV")
    builder = ProfileBuilder(load_reference_data(), MatcherSettings())
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        gc.disable()  # as bmm import does
        cpu = time.process_time()
        started = time.perf_counter()
        result = import_organisations(
            data, SqlOrganisationRepository(engine), builder, filename="list.csv", kind=OrganisationKind.COMPANY
        )
        total = time.perf_counter() - started
        cpu = time.process_time() - cpu
        gc.enable()
    assert isinstance(result, ImportReport), result
    print(
        f"import without geocoder: {total:.1f} s total, {cpu:.1f} s CPU (check {result.check_seconds:.1f} s, "
        f"store {result.store_seconds:.1f} s), peak RSS {status_mb('VmHWM'):.0f} MB"
    )


if __name__ == "__main__":
    main()
