"""Limits the readers enforce while reading, so that a hostile file is refused before it costs memory.

Each limit is checked where the data arrives (the CSV field limit inside the csv module, the size of an
XLSX part from the zip directory before it is inflated, the nesting of a GeoJSON document before it is
parsed); the German message names the limit. docs/service.md lists them with the memory bound measured by
benchmarks/bench_hostile_files.py.
"""

from __future__ import annotations

MAX_CELL_CHARS = 10_000
"""Characters in one cell (the longest real cell, a list of measures, has a few hundred)."""
MAX_COLUMNS = 200
"""Cells in one row, header included."""
MAX_LINE_CHARS = 1_000_000
"""Characters in one text line of a CSV file (read at most this far before the line is refused)."""
MAX_ROWS = 2_000_000
"""Data rows in one file."""
MAX_SHEETS = 32
"""Worksheets in one XLSX file (only the first is read)."""
MAX_SHARED_STRINGS_BYTES = 32 * 1024 * 1024
"""Uncompressed size of an XLSX file's shared strings (openpyxl keeps them all in memory)."""
MAX_XLSX_PART_BYTES = 1024 * 1024 * 1024
"""Uncompressed size of any other part of an XLSX file (a worksheet is read as a stream)."""
MAX_XML_RUN_BYTES = 8 * MAX_CELL_CHARS
"""Bytes of XML text or of one tag without a '<' / '>' between them (a cell of MAX_CELL_CHARS escaped
characters fits; a giant text node is refused before the XML parser holds it)."""
MAX_GEOJSON_BYTES = 16 * 1024 * 1024
"""A GeoJSON file is parsed as one document: larger lists are imported as CSV or XLSX."""
MAX_NESTING = 32
"""Nesting depth of a GeoJSON document (a Polygon needs 6 with its FeatureCollection)."""

EXCERPT_CHARS = 40


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of input for an error message (and '…' when cut): errors never echo
    unbounded input."""
    return text if len(text) <= limit else text[:limit] + "…"
