"""Peak memory while hostile import files are refused (issue 17): each file is read in a fresh process and
its peak RSS (VmHWM) is compared with the same process idle after reading a good one-row file.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_hostile_files.py

The bound documented in docs/service.md is ≤ 200 MB above idle for every rejected upload.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import print_machine, status_mb

HEADER = "id,kind,name,employees,lat,lon"
ROW = "a1,company,Beispiel GmbH,120,51.4434,7.3526"
MB = 1024 * 1024
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _xlsx_with(path: Path, name: str, head: bytes, text_bytes: int, tail: bytes) -> None:
    """A real one-sheet workbook whose part ``name`` holds one text node of ``text_bytes`` bytes."""
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(ROW.split(","))
    original = io.BytesIO()
    workbook.save(original)
    chunk = b"A" * MB
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        with target.open(name, "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(text_bytes // MB):
                part.write(chunk)
            part.write(tail)


def shared_strings_1_5_gb(path: Path) -> None:
    head = b'<?xml version="1.0"?><sst ' + NS + b"><si><t>"
    _xlsx_with(path, "xl/sharedStrings.xml", head, 1536 * MB, b"</t></si></sst>")


def inline_cell_900_mb(path: Path) -> None:
    head = b'<?xml version="1.0"?><worksheet ' + NS + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
    _xlsx_with(path, "xl/worksheets/sheet1.xml", head, 900 * MB, b"</t></is></c></row></sheetData></worksheet>")


def csv_header_140_000(path: Path) -> None:
    path.write_text(f"{'K' * 140_000},{HEADER}\n{ROW}\n", encoding="utf-8")


def csv_one_line_400_mb(path: Path) -> None:
    with path.open("wb") as file:
        file.write(f"{HEADER}\n".encode())
        for _ in range(400):
            file.write(b"x" * MB)


def csv_cells_of_100_000(path: Path) -> None:
    """100 MB of rows whose name cell is 100,000 characters: every row an error, reading goes on."""
    with path.open("w", encoding="utf-8") as file:
        file.write(HEADER + "\n")
        for number in range(1_000):
            file.write(f"a{number},company,{'N' * 100_000},10,51.4,7.3\n")


def geojson_nested_100_000(path: Path) -> None:
    depth = 100_000
    path.write_bytes(b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}")


def geojson_16_mb_bad_last_feature(path: Path) -> None:
    """Just under the GeoJSON size limit, all features good but the last: the whole document is parsed."""
    feature = (
        '{"type": "Feature", "geometry": {"type": "Point", "coordinates": [7.3526, 51.4434]}, '
        '"properties": {"id": "a%d", "kind": "company", "name": "Beispiel GmbH", "employees": 120}}'
    )
    parts: list[str] = []
    size = 0
    number = 0
    while size < 16 * MB - 400:
        text = feature % number
        parts.append(text)
        size += len(text) + 2
        number += 1
    parts[-1] = parts[-1].replace('"employees": 120', '"employees": "viele"')
    path.write_text('{"type": "FeatureCollection", "features": [' + ", ".join(parts) + "]}", encoding="utf-8")


CASES: dict[str, tuple[str, Callable[[Path], None]]] = {
    "xlsx-shared-strings-1.5GB": ("f.xlsx", shared_strings_1_5_gb),
    "xlsx-inline-cell-900MB": ("f.xlsx", inline_cell_900_mb),
    "csv-header-field-140000": ("f.csv", csv_header_140_000),
    "csv-one-line-400MB": ("f.csv", csv_one_line_400_mb),
    "csv-1000-cells-of-100000": ("f.csv", csv_cells_of_100_000),
    "geojson-nested-100000": ("f.geojson", geojson_nested_100_000),
    "geojson-16MB-last-feature-bad": ("f.geojson", geojson_16_mb_bad_last_feature),
}


def measure(path: Path) -> None:
    """In the child: idle after a good file, then the hostile file; prints 'idle peak result'."""
    from service.io import ImportFileError, RowError, read_rows

    list(read_rows(f"{HEADER}\n{ROW}\n".encode(), "warm.csv"))
    idle = status_mb("VmHWM")
    outcome = "read"
    try:
        errors = sum(isinstance(item, RowError) for item in read_rows(path, path.name))
        outcome = f"{errors} row errors"
    except ImportFileError as error:
        outcome = error.errors[0].message[:90]
    print(f"{idle:.0f}\t{status_mb('VmHWM'):.0f}\t{outcome}")


def main() -> None:
    print_machine()
    print(f"{'case':32} {'file MB':>8} {'idle MB':>8} {'peak MB':>8} {'above':>6} {'s':>5}  outcome")
    with tempfile.TemporaryDirectory(prefix="bmm-hostile-") as folder:
        for case, (name, build) in CASES.items():
            path = Path(folder) / name
            build(path)
            started = time.perf_counter()
            child = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True, check=True
            )
            seconds = time.perf_counter() - started
            idle, peak, outcome = child.stdout.strip().split("\t")
            above = float(peak) - float(idle)
            size = path.stat().st_size / MB
            print(f"{case:32} {size:8.1f} {idle:>8} {peak:>8} {above:6.0f} {seconds:5.1f}  {outcome}")
            path.unlink()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(Path(sys.argv[2]))
    else:
        main()
