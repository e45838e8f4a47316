"""Tabular import and export of organisations: CSV, XLSX and GeoJSON.

Pure functions over files, bytes or file-like objects (no database access except through the
repository passed to :func:`import_organisations`), so the CLI and an HTTP upload share them.
"""

from service.io.columns import COLUMNS, REQUIRED_COLUMNS
from service.io.exporting import ExportFormat, export_csv, export_geojson, export_organisations, export_xlsx
from service.io.importing import ImportFailed, ImportReport, import_organisations, prepare_import
from service.io.parsing import parse_profile
from service.io.reading import FileFormat, ImportFileError, RawRow, RowError, Source, read_rows

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ExportFormat",
    "FileFormat",
    "ImportFailed",
    "ImportFileError",
    "ImportReport",
    "RawRow",
    "RowError",
    "Source",
    "export_csv",
    "export_geojson",
    "export_organisations",
    "export_xlsx",
    "import_organisations",
    "parse_profile",
    "prepare_import",
    "read_rows",
]
