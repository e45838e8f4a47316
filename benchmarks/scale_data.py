"""The synthetic member list of the scale benchmark: ``size`` demo organisations as an import CSV.

The organisations are the demo generator's (``matcher.synthetic.generate_demo``, seed 7 as in
bench_queries.py: real NRW and Region Stuttgart geography, realistic density), written with the import's
own column names and ``synthetic=true`` on every row, so ``bmm import`` stores them flagged as synthetic.
Run as its own process so the generator's memory is returned before the service is measured:

    PYTHONPATH=. .venv/bin/python -m benchmarks.scale_data --size 100000 --out members.csv
"""

from __future__ import annotations

import argparse
import csv
import gc
from pathlib import Path
from typing import Any

from matcher.models import OrganisationProfile
from matcher.reference import load_reference_data
from matcher.synthetic import generate_demo
from service.io.columns import COLUMNS, CONTACT_COLUMNS, LIST_SEPARATOR

SEED = 7


def profile_row(profile: OrganisationProfile) -> list[str]:
    """One CSV line of ``profile`` in the order of :data:`COLUMNS` (lists ';'-joined, booleans true/false)."""
    cells: dict[str, Any] = profile.model_dump(mode="json", exclude={"contact"})
    contact = profile.contact.model_dump(mode="json") if profile.contact else {}
    for column in CONTACT_COLUMNS:
        cells[column] = contact.get(column.removeprefix("contact_"))
    cells["synthetic"] = True
    return [_text(cells[column]) for column in COLUMNS]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    return str(value)


def write_member_list(size: int, out: Path, *, seed: int = SEED) -> int:
    """Write ``size`` synthetic organisations to ``out`` (UTF-8, ','); returns the number of rows."""
    gc.disable()  # millions of new objects without cycles, as in bmm demo
    profiles = generate_demo(load_reference_data(), size=size, seed=seed)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(profile_row(profile) for profile in profiles)
    return len(profiles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    write_member_list(args.size, args.out, seed=args.seed)


if __name__ == "__main__":
    main()
