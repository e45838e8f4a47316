"""Hostile files (issue 17): limits checked while reading, clear German messages that name the limit and
quote at most a short excerpt of the input; nothing is held in memory beyond the limits."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable

import openpyxl
import pytest

from matcher.profiles import ProfileBuilder
from service.io import ImportFailed, ImportFileError, RowError, prepare_import, read_rows, reading
from service.io.limits import (
    EXCERPT_CHARS,
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_GEOJSON_BYTES,
    MAX_LINE_CHARS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEETS,
    excerpt,
)

HEADER = "id,kind,name,employees,lat,lon"
ROW = "a1,company,Beispiel GmbH,120,51.4434,7.3526"
LONGEST_MESSAGE = 600  # every message here is a sentence or two, whatever the input


def file_errors(data: bytes, filename: str) -> list[RowError]:
    with pytest.raises(ImportFileError) as caught:
        list(read_rows(data, filename))
    assert all(len(e.message) < LONGEST_MESSAGE for e in caught.value.errors)
    return caught.value.errors


def row_errors(data: bytes, filename: str) -> list[RowError]:
    errors = [item for item in read_rows(data, filename) if isinstance(item, RowError)]
    assert all(len(e.message) < LONGEST_MESSAGE for e in errors)
    return errors


def test_excerpt_cuts_long_input() -> None:
    assert excerpt("kurz") == "kurz"
    assert excerpt("x" * 100) == "x" * EXCERPT_CHARS + "…"


# -- CSV -------------------------------------------------------------------------------------------------


def test_a_header_field_of_140000_characters_names_the_cell_limit() -> None:
    data = f"{'K' * 140_000},{HEADER}\n{ROW}\n".encode()
    [error] = file_errors(data, "f.csv")
    assert error.row == 1
    assert "10.000 Zeichen" in error.message
    assert "K" * (EXCERPT_CHARS + 1) not in error.message


def test_an_unknown_column_is_quoted_short_in_the_warning() -> None:
    info = reading.ReadInfo()
    data = f"{HEADER},{'Z' * 5_000}\n{ROW},x\n".encode()
    rows = list(read_rows(data, "f.csv", info))
    assert len(rows) == 1
    assert not isinstance(rows[0], RowError)
    [warning] = info.warnings
    assert "Z" * EXCERPT_CHARS + "…" in warning
    assert len(warning) < LONGEST_MESSAGE


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_data_cell_of_140000_characters_is_too_long_not_an_unclosed_quote(quoted: bool) -> None:
    cell = "N" * 140_000
    written = '"' + cell + '"' if quoted else cell
    data = f"{HEADER}\n{ROW}\na2,company,{written},10,51.4,7.3\n{ROW.replace('a1', 'a3')}\n"
    [error] = row_errors(data.encode(), "f.csv")
    assert error.row == 3
    assert "länger als 10.000 Zeichen" in error.message
    assert "nicht geschlossen" not in error.message


def test_a_cell_over_the_limit_but_under_the_csv_modules_names_its_column() -> None:
    data = f"{HEADER}\na2,company,{'N' * (MAX_CELL_CHARS + 1)},10,51.4,7.3\n".encode()
    [error] = row_errors(data, "f.csv")
    assert (error.row, error.field) == (2, "name")
    assert "10.001 Zeichen lang; höchstens 10.000" in error.message


def test_an_unclosed_quote_over_many_short_lines_is_still_an_unclosed_quote() -> None:
    lines = "\n".join("kurz" for _ in range(40_000))
    data = f'{HEADER}\na2,company,"offen\n{lines}\n'.encode()
    first = row_errors(data, "f.csv")[0]  # the lines after the csv module gave up are rows of their own
    assert first.row == 2
    assert "nicht geschlossen" in first.message


def test_a_file_without_line_breaks_is_refused_at_the_line_limit() -> None:
    data = f"{HEADER}\n{'a' * (MAX_LINE_CHARS + 10)}".encode()
    [error] = file_errors(data, "f.csv")
    assert "Textzeile 2" in error.message
    assert "1.000.000 Zeichen" in error.message


def test_too_many_columns() -> None:
    data = (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)) + "\n").encode()
    [error] = file_errors(data, "f.csv")
    assert f"höchstens {MAX_COLUMNS}" in error.message
    row = f"{ROW}{',' * MAX_COLUMNS}x\n"
    [error] = row_errors(f"{HEADER}\n{row}".encode(), "f.csv")
    assert f"höchstens {MAX_COLUMNS}" in error.message


def test_the_row_limit_ends_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    data = "\n".join([HEADER, ROW, ROW.replace("a1", "a2"), ROW.replace("a1", "a3")]).encode()
    with pytest.raises(ImportFileError, match="Mehr als 2 Datenzeilen"):
        list(read_rows(data, "f.csv"))


def test_a_value_echoed_in_a_row_error_is_cut(builder: ProfileBuilder) -> None:
    data = f"{HEADER}\na2,company,Name,{'9x' * 3_000},51.4,7.3\n".encode()
    result = prepare_import(data, builder, filename="f.csv")
    assert isinstance(result, ImportFailed)
    [error] = result.errors
    assert error.field == "employees"
    assert len(error.message) < 200


def test_a_header_only_file_has_no_data_rows(builder: ProfileBuilder) -> None:
    for data, name in (
        (f"{HEADER}\n\n".encode(), "f.csv"),
        (b'{"type": "FeatureCollection", "features": []}', "f.json"),
    ):
        result = prepare_import(data, builder, filename=name)
        assert isinstance(result, ImportFailed)
        assert "keine Datenzeilen" in result.errors[0].message


# -- XLSX ------------------------------------------------------------------------------------------------

Part = Callable[[zipfile.ZipFile], None]


def xlsx(*extra_parts: tuple[str, Callable[[io.BufferedIOBase], None]], rows: int = 1) -> bytes:
    """A real workbook (header and ``rows`` data rows) with parts replaced or added, written as streams."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for number in range(rows):
        sheet.append([f"a{number}", "company", "Beispiel GmbH", 120, 51.4434, 7.3526])
    original = io.BytesIO()
    workbook.save(original)
    replaced = {name for name, _ in extra_parts}
    result = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in replaced:
                target.writestr(item, source.read(item))
        for name, write in extra_parts:
            with target.open(name, "w", force_zip64=True) as part:
                write(part)  # type: ignore[arg-type]
    return result.getvalue()


def shared_strings(text_bytes: int, chunk: bytes = b"A" * 1024 * 1024) -> Callable[[io.BufferedIOBase], None]:
    def write(part: io.BufferedIOBase) -> None:
        part.write(b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
        part.write(b"<si><t>")
        left = text_bytes
        while left > 0:
            part.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        part.write(b"</t></si></sst>")

    return write


def test_a_good_workbook_still_reads() -> None:
    rows = list(read_rows(xlsx(rows=3), "f.xlsx"))
    assert [r.row for r in rows] == [2, 3, 4]


def test_shared_strings_beyond_the_limit_are_refused_from_the_zip_directory() -> None:
    data = xlsx(("xl/sharedStrings.xml", shared_strings(MAX_SHARED_STRINGS_BYTES + 1024)))
    assert len(data) < 1024 * 1024  # a small upload that would inflate to more than the limit
    tracemalloc.start()
    try:
        [error] = file_errors(data, "f.xlsx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "sharedStrings" in error.message
    assert "höchstens 33.554.432 Bytes" in error.message
    assert peak < 8 * 1024 * 1024  # the entry was never inflated


def test_one_giant_shared_string_under_the_size_limit_is_refused_while_streaming() -> None:
    [error] = file_errors(xlsx(("xl/sharedStrings.xml", shared_strings(4 * 1024 * 1024))), "f.xlsx")
    assert "länger als 10.000 Zeichen" in error.message


def test_a_giant_inline_cell_in_the_worksheet_is_refused_while_streaming() -> None:
    def sheet(part: io.BufferedIOBase) -> None:
        part.write(
            b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        )
        for _ in range(4):
            part.write(b"B" * 1024 * 1024)
        part.write(b"</t></is></c></row></sheetData></worksheet>")

    [error] = file_errors(xlsx(("xl/worksheets/sheet1.xml", sheet)), "f.xlsx")
    assert "länger als 10.000 Zeichen" in error.message


def test_too_many_sheets() -> None:
    parts = [(f"xl/worksheets/extra{i}.xml", lambda part: part.write(b"<worksheet/>")) for i in range(MAX_SHEETS)]
    [error] = file_errors(xlsx(*parts), "f.xlsx")
    assert f"höchstens {MAX_SHEETS}" in error.message


def test_a_long_cell_within_the_xml_limits_is_a_row_error_naming_its_column() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    sheet.append(["a1", "company", "N" * (MAX_CELL_CHARS + 5), 120, 51.4, 7.3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    [error] = row_errors(buffer.getvalue(), "f.xlsx")
    assert (error.row, error.field) == (2, "name")


# -- GeoJSON ---------------------------------------------------------------------------------------------


def test_features_nested_100000_deep_are_a_clear_error_not_a_recursion_error() -> None:
    depth = 100_000
    data = b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"
    [error] = file_errors(data, "f.geojson")
    assert "verschachtelt" in error.message
    assert "32 Ebenen" in error.message


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [7.35, 51.44]},
        "properties": {"id": "a1", "kind": "company", "name": "[[[[" * 20 + '"\\"{{{', "employees": 5},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    [row] = list(read_rows(data, "f.geojson"))
    assert not isinstance(row, RowError)


def test_a_geojson_over_its_size_limit_is_refused_before_parsing() -> None:
    data = b'{"type": "FeatureCollection", "features": [' + b" " * MAX_GEOJSON_BYTES + b"]}"
    [error] = file_errors(data, "f.geojson")
    assert "16.777.216 Bytes" in error.message
    assert "CSV" in error.message


def test_a_long_geojson_property_is_a_row_error() -> None:
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [7.35, 51.44]},
        "properties": {"id": "a1", "kind": "company", "name": "N" * (MAX_CELL_CHARS + 1), "employees": 5},
    }
    data = json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()
    [error] = row_errors(data, "f.geojson")
    assert (error.row, error.field) == (1, "name")


@pytest.mark.parametrize(
    "parts",
    [{}, {"[Content_Types].xml": b""}, {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<kaputt"}],
    ids=["empty zip", "empty manifest", "broken workbook"],
)
def test_a_zip_that_is_no_workbook_is_a_clear_error(parts: dict[str, bytes]) -> None:
    """Found by the fuzz pass (test_fuzz.py): openpyxl's XML ParseError used to escape as a 500."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    [error] = file_errors(buffer.getvalue(), "f.xlsx")
    assert error.message.startswith("Keine lesbare XLSX-Datei")
