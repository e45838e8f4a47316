"""Export organisations as CSV, XLSX or GeoJSON with the import's columns (so an export can be re-imported)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from matcher.models import Organisation
from service.io.columns import COLUMNS, DERIVED_COLUMNS, FORMULA_STARTS, LIST_SEPARATOR, escape_formula
from service.storage.rows import Cell, contact_cells, profile_cells

CellsOf = Callable[[Organisation], dict[str, Cell]]
"""The cells of one organisation by column (default: :func:`organisation_cells`); lets a caller redact per row."""


class ExportFormat(StrEnum):
    CSV = "csv"
    CSV_EXCEL = "csv-excel"  # opens right in German Excel: ';', decimal comma, UTF-8 with BOM
    XLSX = "xlsx"
    GEOJSON = "geojson"

    @property
    def suffix(self) -> str:
        """The file ending ('.csv' for both CSV flavours)."""
        return ".csv" if self is ExportFormat.CSV_EXCEL else f".{self.value}"


EXPORT_COLUMNS: tuple[str, ...] = (*COLUMNS, *DERIVED_COLUMNS)
EXPORT_PAGE_SIZE = 5_000  # organisations read per keyset page while an export streams (memory stays flat)
_ROWS_PER_CHUNK = 500  # rows per piece of text handed to the writer or the HTTP response


def organisation_cells(organisation: Organisation, *, include_contacts: bool = False) -> dict[str, Cell]:
    """The import columns of one organisation as typed values (lists joined with ';'), in column order, then
    the derived :data:`DERIVED_COLUMNS` (how well the location is known), which an import ignores.

    ``include_contacts=False`` leaves the contact columns empty; who may see contacts is the caller's decision.
    """
    cells: dict[str, Cell] = {
        **profile_cells(organisation),
        **contact_cells(organisation.contact if include_contacts else None),
        "issues": LIST_SEPARATOR.join(i.value for i in organisation.issues) or None,
        "measures_in_place": LIST_SEPARATOR.join(organisation.measures_in_place) or None,
        "location_precision": organisation.location.precision.value,
    }
    return {column: cells[column] for column in EXPORT_COLUMNS}


def _cells_of(cells: CellsOf | None, include_contacts: bool) -> CellsOf:
    return cells or partial(organisation_cells, include_contacts=include_contacts)


def _csv_text(value: Cell, decimal_comma: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return escape_formula(value)
    text = str(value)  # floats: the shortest text that reads back to the same number
    return text.replace(".", ",") if decimal_comma and isinstance(value, float) else text


class _Counted:
    """Iterates ``items`` and counts them (the writers return how many they wrote)."""

    def __init__(self, items: Iterable[Organisation]) -> None:
        self.items = items
        self.count = 0

    def __iter__(self) -> Iterator[Organisation]:
        for item in self.items:
            self.count += 1
            yield item


def csv_chunks(
    organisations: Iterable[Organisation],
    *,
    include_contacts: bool = False,
    delimiter: str = ",",
    decimal_comma: bool = False,
    cells_of: CellsOf | None = None,
) -> Iterator[str]:
    """The CSV text (header, then one line per organisation) in pieces of a few hundred rows, as it is written:
    an export streams without holding its rows. See :func:`export_csv` for the options."""
    row_cells = _cells_of(cells_of, include_contacts)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(EXPORT_COLUMNS)
    for count, organisation in enumerate(organisations, start=1):
        cells = row_cells(organisation)
        writer.writerow([_csv_text(cells[c], decimal_comma) for c in EXPORT_COLUMNS])
        if count % _ROWS_PER_CHUNK == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def export_csv(
    organisations: Iterable[Organisation],
    out: TextIO,
    *,
    include_contacts: bool = False,
    delimiter: str = ",",
    decimal_comma: bool = False,
    cells_of: CellsOf | None = None,
) -> int:
    """Write a header and one line per organisation (open ``out`` with ``newline=''``); returns the count.

    ``cells_of`` replaces :func:`organisation_cells` (and ``include_contacts``), e.g. to redact per row.
    ``delimiter=';'`` with ``decimal_comma`` is what German Excel reads without an import dialogue.
    """
    counted = _Counted(organisations)
    for chunk in csv_chunks(
        counted, include_contacts=include_contacts, delimiter=delimiter, decimal_comma=decimal_comma, cells_of=cells_of
    ):
        out.write(chunk)
    return counted.count


def export_xlsx(
    organisations: Iterable[Organisation],
    out: Path | BinaryIO,
    *,
    include_contacts: bool = False,
    cells_of: CellsOf | None = None,
) -> int:
    """Write one sheet 'organisations' (streaming, write-only workbook); returns the count.

    Numbers and booleans are typed cells; postcodes are text so leading zeros survive.
    """
    import openpyxl

    row_cells = _cells_of(cells_of, include_contacts)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("organisations")
    sheet.append(list(EXPORT_COLUMNS))
    count = 0
    for organisation in organisations:
        cells = row_cells(organisation)
        sheet.append([_xlsx_cell(sheet, cells[c]) for c in EXPORT_COLUMNS])
        count += 1
    workbook.save(out)
    return count


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    """Text as a typed text cell: openpyxl would otherwise store text starting with '=' as a formula."""
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def geojson_chunks(
    organisations: Iterable[Organisation], *, include_contacts: bool = False, cells_of: CellsOf | None = None
) -> Iterator[str]:
    """The GeoJSON text of :func:`export_geojson` in pieces of a few hundred features, as it is written."""
    row_cells = _cells_of(cells_of, include_contacts)
    parts = ['{"type": "FeatureCollection", "features": [\n']
    for count, organisation in enumerate(organisations):
        location = organisation.location
        properties: dict[str, Cell] = row_cells(organisation)
        properties.update(
            municipality=location.municipality_name,
            municipality_ags=location.municipality_ags,
            kreis=location.kreis_name,
            kreis_code=location.kreis_code,
            state=location.state,
        )
        feature = {
            "type": "Feature",
            "id": organisation.id,
            "geometry": {"type": "Point", "coordinates": [location.lon, location.lat]},
            "properties": properties,
        }
        parts.append((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
        if (count + 1) % _ROWS_PER_CHUNK == 0:
            yield "".join(parts)
            parts.clear()
    parts.append("\n]}\n")
    yield "".join(parts)


def export_geojson(
    organisations: Iterable[Organisation],
    out: TextIO,
    *,
    include_contacts: bool = False,
    cells_of: CellsOf | None = None,
) -> int:
    """A FeatureCollection of points in WGS84 (the resolved location) for QGIS; returns the count.

    Properties are the import columns plus the derived municipality, municipality_ags, kreis, kreis_code,
    state (and `synthetic`, an import column). Written feature by feature, so memory stays flat.
    """
    counted = _Counted(organisations)
    for chunk in geojson_chunks(counted, include_contacts=include_contacts, cells_of=cells_of):
        out.write(chunk)
    return counted.count


def export_chunks(
    organisations: Iterable[Organisation], file_format: ExportFormat, *, cells_of: CellsOf | None = None
) -> Iterator[bytes]:
    """A CSV or GeoJSON export as UTF-8 bytes, piece by piece, for a streamed HTTP response: the bytes
    :func:`export_organisations` writes to a file with ``encoding="utf-8-sig"`` for CSV (a BOM, so that Excel
    shows umlauts; the import accepts it) and UTF-8 for GeoJSON. XLSX does not stream (a zip archive that
    openpyxl assembles from temporary files)."""
    if file_format is ExportFormat.XLSX:
        raise ValueError("XLSX is written to a file (export_organisations), not streamed")
    if file_format is ExportFormat.GEOJSON:
        chunks = geojson_chunks(organisations, cells_of=cells_of)
    elif file_format is ExportFormat.CSV_EXCEL:
        chunks = csv_chunks(organisations, delimiter=";", decimal_comma=True, cells_of=cells_of)
    else:
        chunks = csv_chunks(organisations, cells_of=cells_of)
    if file_format is not ExportFormat.GEOJSON:
        yield "\ufeff".encode()
    for chunk in chunks:
        yield chunk.encode("utf-8")


def export_organisations(
    organisations: Iterable[Organisation],
    file_format: ExportFormat,
    out: Path,
    *,
    include_contacts: bool = False,
    cells_of: CellsOf | None = None,
    encoding: str = "utf-8",
) -> int:
    """Write to a file in the given format (text in ``encoding``; ``utf-8-sig`` adds a BOM); returns the count.

    ``csv-excel`` is always UTF-8 with BOM, ';'-separated with decimal commas.
    """
    if file_format is ExportFormat.XLSX:
        return export_xlsx(organisations, out, include_contacts=include_contacts, cells_of=cells_of)
    if file_format is ExportFormat.CSV_EXCEL:
        with out.open("w", encoding="utf-8-sig", newline="") as handle:
            return export_csv(
                organisations,
                handle,
                include_contacts=include_contacts,
                delimiter=";",
                decimal_comma=True,
                cells_of=cells_of,
            )
    with out.open("w", encoding=encoding, newline="") as handle:
        if file_format is ExportFormat.GEOJSON:
            return export_geojson(organisations, handle, include_contacts=include_contacts, cells_of=cells_of)
        return export_csv(organisations, handle, include_contacts=include_contacts, cells_of=cells_of)
