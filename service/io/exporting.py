"""Export organisations as CSV, XLSX or GeoJSON with the import's columns (so an export can be re-imported)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
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
    row_cells = _cells_of(cells_of, include_contacts)
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for organisation in organisations:
        cells = row_cells(organisation)
        writer.writerow([_csv_text(cells[c], decimal_comma) for c in EXPORT_COLUMNS])
        count += 1
    return count


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
    row_cells = _cells_of(cells_of, include_contacts)
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for organisation in organisations:
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
        out.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count


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
