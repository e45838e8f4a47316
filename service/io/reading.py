"""Read CSV, XLSX and GeoJSON files row by row into raw text cells (streaming for CSV and XLSX).

Row numbers are what a spreadsheet user sees: the header is row 1, the first data row is row 2 (blank
rows count but yield nothing). In GeoJSON the row number is the 1-based number of the feature.

The limits of :mod:`service.io.limits` are checked while reading, never after: a hostile file (a giant
cell, an XLSX part that inflates to gigabytes, a deeply nested GeoJSON) is refused before it is held in
memory, and messages quote at most a short excerpt of the input.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, BinaryIO

from matcher.wording import german_int
from service.io.columns import (
    GEOJSON_DERIVED,
    HOUSE_NUMBER,
    ORGANISATION_FILE,
    READ_ONLY,
    ColumnSet,
    header_column,
    unescape_formula,
)
from service.io.limits import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    MAX_GEOJSON_BYTES,
    MAX_LINE_CHARS,
    MAX_NESTING,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_SHEETS,
    MAX_XLSX_PART_BYTES,
    MAX_XML_RUN_BYTES,
    excerpt,
)

Source = Path | bytes | BinaryIO
"""A file path, the file's bytes, or a binary file-like object (e.g. an uploaded file)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: the row (header = 1; ``None`` for the file as a whole), the column and a German message."""

    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        where = f"Zeile {self.row}" if self.row is not None else "Datei"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ImportFileError(ValueError):
    """The file cannot be read at all (encoding, format, header); nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row: its spreadsheet row number and the non-empty cells as stripped text by column."""

    row: int
    values: dict[str, str]


@dataclass
class ReadInfo:
    """What reading found out about the file, filled in while the rows are read (for reports and dry runs)."""

    format: str | None = None
    encoding: str | None = None  # German name of the detected text encoding (CSV only)
    delimiter: str | None = None  # German name of the detected delimiter (CSV only)
    mapping: dict[str, str] = field(default_factory=dict)  # header as written -> column
    warnings: list[str] = field(default_factory=list)  # German, for people
    defaults: dict[str, str] = field(default_factory=dict)  # column -> value for rows that leave it out (input)
    completing: bool = False  # rows need _completed (house number, read-only cells, defaults); set by _header
    columns: ColumnSet = ORGANISATION_FILE  # which kind of file is read (input): organisations or residences

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "mapping": dict(self.mapping),
            "warnings": list(self.warnings),
        }


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    GEOJSON = "geojson"


_SUFFIXES = {
    ".csv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".geojson": FileFormat.GEOJSON,
    ".json": FileFormat.GEOJSON,
}
_UTF8_HINT = "Am sichersten: in Excel Speichern unter → „CSV UTF-8 (durch Trennzeichen getrennt)“."


def detect_format(filename: str | None, head: bytes) -> FileFormat:
    """By the file name's ending, else by the content (XLSX is a ZIP archive, GeoJSON starts with '{')."""
    if filename:
        suffix = Path(filename).suffix.lower()
        if suffix in _SUFFIXES:
            return _SUFFIXES[suffix]
        if suffix in {".xls", ".ods", ".numbers"}:
            raise ImportFileError(
                [RowError(None, None, f"Dateiformat '{suffix}' wird nicht unterstützt; bitte als .xlsx oder CSV.")]
            )
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.XLSX
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return FileFormat.GEOJSON
    return FileFormat.CSV


def read_rows(source: Source, filename: str | None = None, info: ReadInfo | None = None) -> Iterator[RawRow | RowError]:
    """The data rows of a CSV, XLSX or GeoJSON file; malformed rows come as :class:`RowError`.

    Raises :class:`ImportFileError` (possibly only while iterating) when the file as a whole is unusable:
    not a valid XLSX/GeoJSON, repeated or missing columns. ``info`` (if given) is filled in while reading.
    """
    info = info if info is not None else ReadInfo()
    with ExitStack() as stack:
        if isinstance(source, bytes):
            stream: BinaryIO = io.BytesIO(source)
        elif isinstance(source, Path):
            stream = stack.enter_context(source.open("rb"))
            filename = filename or source.name
        else:
            stream = source
        head = peek(stream)
        file_format = detect_format(filename, head)
        info.format = file_format.value
        if file_format is FileFormat.XLSX:
            rows = _xlsx_rows(stream, info)
        elif file_format is FileFormat.GEOJSON:
            rows = _geojson_rows(stream, info)
        else:
            rows = _csv_rows(stream, info)
        for item in rows:
            if item.row is not None and item.row > MAX_ROWS + 1:
                raise _file_error(f"Mehr als {german_int(MAX_ROWS)} Datenzeilen (Obergrenze je Datei); bitte teilen.")
            yield item


def _file_error(message: str, row: int | None = None) -> ImportFileError:
    return ImportFileError([RowError(row, None, message)])


def peek(stream: BinaryIO) -> bytes:
    """The first bytes of a seekable stream, which stays where it was (b'' for a stream that cannot seek)."""
    if stream.seekable():
        position = stream.tell()
        head = stream.read(8)
        stream.seek(position)
        return head
    return b""


# -- header ------------------------------------------------------------------------------


def _header(
    cells: Iterable[object],
    info: ReadInfo,
    *,
    extra: tuple[str, ...] = (),
    check_required: bool = True,
) -> list[str | None]:
    """The column of each header cell ('' for an empty one, ``None`` for one ignored); repeated or missing
    columns fail, unknown ones are ignored with one warning."""
    written = [_text(cell).lstrip("\ufeff").strip() for cell in cells]
    while written and not written[-1]:
        written.pop()
    if len(written) > MAX_COLUMNS:
        raise _file_error(f"Die Kopfzeile hat {german_int(len(written))} Spalten; höchstens {MAX_COLUMNS}.", 1)
    for text in written:
        if len(text) > MAX_CELL_CHARS:
            raise _file_error(
                f"Spaltenname „{excerpt(text)}“ ist länger als {german_int(MAX_CELL_CHARS)} Zeichen "
                "(Obergrenze je Zelle).",
                1,
            )
    kind = info.columns
    known = frozenset(kind.columns)
    names: list[str | None] = []
    unknown: list[str] = []
    for text in written:
        if not text:
            names.append("")
            continue
        column = header_column(text, known, kind.synonyms)
        if column is None and text.strip().lower() in (*extra, *info.columns.ignored):
            names.append(None)  # derived GeoJSON properties: silently ignored
            continue
        names.append(column)
        if column is None:
            unknown.append(text)
        else:
            info.mapping[text] = column
    if unknown:
        info.warnings.append(
            f"Nicht erkannte Spalte(n) werden ignoriert: {', '.join(f'„{excerpt(u)}“' for u in unknown)}. Erkannt: "
            f"{kind.allowed} und ihre deutschen Namen (z. B. {kind.examples})."
        )
    info.completing = bool(READ_ONLY & set(names)) or bool(info.defaults)
    errors: list[RowError] = []
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    for column in repeated:
        headers = [text for text, name in zip(written, names, strict=True) if name == column]
        quoted = " und ".join(f"„{excerpt(h)}“" for h in headers)
        errors.append(RowError(1, None, f"Spalten {quoted} meinen beide {column}."))
    if check_required:
        present = {n for n in names if n} | set(info.defaults)
        missing = kind.missing(present)
        if missing:
            errors.append(
                RowError(
                    1,
                    None,
                    f"Pflichtspalte(n) fehlen: {', '.join(missing)}. Die erste Zeile muss die Spaltennamen enthalten "
                    f"(erlaubt: {kind.allowed}).",
                )
            )
    if errors:
        raise ImportFileError(errors)
    return names


def _row(number: int, header: list[str | None], cells: list[str], info: ReadInfo) -> RawRow | RowError | None:
    """A row of text cells against the header; ``None`` for a row without any value."""
    if len(cells) > MAX_COLUMNS:
        return RowError(number, None, f"Zeile hat {german_int(len(cells))} Werte; höchstens {MAX_COLUMNS}.")
    if cells and max(map(len, cells)) > MAX_CELL_CHARS:  # at C speed; the loop only names the cell
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                column = header[index] if index < len(header) else None
                return RowError(number, column or None, _too_long(cell))
    extra = [c for c in cells[len(header) :] if c.strip()]
    if extra:
        return RowError(
            number,
            None,
            f"Zeile hat {len(cells)} Werte, die Kopfzeile nur {len(header)} Spalten "
            "(Trennzeichen im Text? Dann den Wert in Anführungszeichen setzen).",
        )
    values = {
        name: unescape_formula(text) if text[0] == "'" else text  # the test inline: ~20 cells a row, 1M rows
        for name, cell in zip(header, cells, strict=False)
        if name is not None and (text := cell.strip())
    }
    if not values:
        return None
    if len(cells) < len(header):
        return RowError(number, None, f"Zeile hat nur {len(cells)} Werte, die Kopfzeile {len(header)} Spalten.")
    if "" in values:
        return RowError(number, None, "Wert in einer Spalte ohne Überschrift.")
    return RawRow(number, _completed(values, info) if info.completing else values)


def _too_long(cell: str) -> str:
    return (
        f"Wert „{excerpt(cell)}“ ist {german_int(len(cell))} Zeichen lang; höchstens {german_int(MAX_CELL_CHARS)} "
        "Zeichen je Zelle."
    )


def _completed(values: dict[str, str], info: ReadInfo) -> dict[str, str]:
    """House number joined to the street, read-only cells dropped, defaults for the whole list filled in."""
    house_number = values.pop(HOUSE_NUMBER, None)
    if house_number is not None:
        values["address"] = f"{values['address']} {house_number}" if "address" in values else house_number
    for column in READ_ONLY:
        values.pop(column, None)
    for column, value in info.defaults.items():
        values.setdefault(column, value)
    return values


def _text(value: object) -> str:
    """A cell value (from XLSX or GeoJSON) as text, the way it would appear in a CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


# -- CSV ---------------------------------------------------------------------------------

SAMPLE_BYTES = 64 * 1024  # enough text for the encoding guess; the file itself is still read line by line
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig", "UTF-8 mit BOM"),
    (b"\xff\xfe", "utf-16", "UTF-16 (Excel „Unicode-Text“)"),
    (b"\xfe\xff", "utf-16", "UTF-16 (Excel „Unicode-Text“)"),
)
# What German spreadsheets are saved as besides UTF-8: charset-normalizer chooses among these only, so a
# short German file is never taken for, say, a Cyrillic code page.
_LEGACY_ENCODINGS = ("cp1252", "iso8859_15", "latin_1")
_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252 (Excel „CSV (Trennzeichen-getrennt)“)",
    "iso8859_15": "ISO-8859-15",
    "latin_1": "ISO-8859-1",
}
_DELIMITER_NAMES = {";": "Semikolon", ",": "Komma", "\t": "Tabulator"}


def detect_encoding(sample: bytes) -> tuple[str, str]:
    """The codec and a German name for it, from the file's first bytes (a byte-order mark decides first)."""
    for bom, codec, name in _BOMS:
        if sample.startswith(bom):
            return codec, name
    text = sample.decode("utf-8", errors="surrogateescape")
    undecodable = sum(1 for char in text if "\udc80" <= char <= "\udcff")
    multibyte = sum(1 for char in text if char > "\x7f") - undecodable
    # Text in a legacy code page almost never forms valid UTF-8 sequences; a UTF-8 file with a stray byte
    # (or a character cut by the end of the sample) has many more valid ones than broken ones.
    if undecodable == 0 or multibyte > undecodable:
        return "utf-8", _ENCODING_NAMES["utf-8"]
    from charset_normalizer import from_bytes

    best = from_bytes(sample, cp_isolation=list(_LEGACY_ENCODINGS)).best()
    codec = best.encoding if best is not None and best.encoding in _ENCODING_NAMES else "cp1252"
    return codec, _ENCODING_NAMES[codec]


def _sample(stream: BinaryIO) -> tuple[bytes, BinaryIO]:
    """The first bytes and a stream that still starts at the beginning (non-seekable input is buffered)."""
    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    position = stream.tell()
    sample = stream.read(SAMPLE_BYTES)
    stream.seek(position)
    return sample, stream


def sniff_delimiter(header_line: str) -> str:
    """';', ',' or tab: whichever occurs most often outside quotes in the header line (',' on a tie)."""
    outside = "".join(part for index, part in enumerate(header_line.split('"')) if index % 2 == 0)
    counts = {d: outside.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


class _TextLines:
    """Decoded lines, each read at most :data:`MAX_LINE_CHARS` far (a file without line breaks is refused
    instead of being read into one string); bytes the encoding cannot decode stay as lone surrogates for
    :func:`_bad_bytes`. ``longest`` is the longest line since :meth:`new_record` (to tell a long cell from an
    unclosed quote)."""

    def __init__(self, stream: BinaryIO, codec: str, encoding_name: str) -> None:
        self.stream = stream
        self.codec = codec
        self.encoding_name = encoding_name
        self.longest = 0

    def new_record(self) -> None:
        self.longest = 0

    def __iter__(self) -> Iterator[str]:
        text = io.TextIOWrapper(self.stream, encoding=self.codec, errors="surrogateescape", newline="")
        try:
            number = 0
            while line := text.readline(MAX_LINE_CHARS + 1):
                number += 1
                if len(line) > MAX_LINE_CHARS:
                    raise _file_error(
                        f"Textzeile {german_int(number)} ist länger als {german_int(MAX_LINE_CHARS)} Zeichen "
                        "(Obergrenze je Zeile); ist es wirklich eine CSV-Datei?"
                    )
                self.longest = max(self.longest, len(line))
                yield line.removeprefix("\ufeff") if number == 1 else line
        except UnicodeDecodeError:  # only UTF-16 gets here (surrogateescape covers single-byte and UTF-8 files)
            raise _file_error(
                f"Die Datei ist nicht durchgehend {self.encoding_name}-kodiert (ungültige Bytefolge)."
            ) from None
        finally:
            # The caller owns the binary stream: detach so that the wrapper never closes it (it may be closed).
            with suppress(ValueError):
                text.detach()


_UNDECODED = re.compile("[\udc80-\udcff]")
_UNDECODED_OR_C1 = re.compile("[\udc80-\udcff\x80-\x9f]")


def _bad_bytes(cells: list[str], single_byte: bool) -> str | None:
    """The first undecodable byte of a row as hex, or ``None`` (one regex search per row: cheap at 1M rows).

    In a single-byte code page, bytes 0x80-0x9F that decode to C1 control characters (ISO-8859-1/15) did
    not fit the encoding either: no German text contains them.
    """
    match = (_UNDECODED_OR_C1 if single_byte else _UNDECODED).search("\x00".join(cells))
    if match is None:
        return None
    code = ord(match.group())
    return f"{code - 0xDC00 if code >= 0xDC00 else code:02x}"


def _csv_rows(stream: BinaryIO, info: ReadInfo) -> Iterator[RawRow | RowError]:
    sample, stream = _sample(stream)
    codec, encoding_name = detect_encoding(sample)
    info.encoding = encoding_name
    text_lines = _TextLines(stream, codec, encoding_name)
    lines = iter(text_lines)
    first = next(lines, None)
    if first is None or not first.strip():
        message = f"Die Datei ist leer oder die Kopfzeile fehlt. Erlaubt: {info.columns.allowed}."
        raise ImportFileError([RowError(1, None, message)])
    delimiter = sniff_delimiter(first)
    info.delimiter = _DELIMITER_NAMES[delimiter]
    # The csv module's own field limit (131,072 characters, process-wide) stays as it is: lines are bounded
    # by _TextLines, cells by _row and _header, and a field that outgrows the csv limit is reported below.
    reader = csv.reader(_chain(first, lines), delimiter=delimiter, strict=True)
    try:
        header_cells = next(reader)
    except csv.Error as error:
        raise _file_error(f"Kopfzeile: {_csv_message(str(error), 1, text_lines.longest)}", 1) from None
    single_byte = codec in _LEGACY_ENCODINGS
    if (byte := _bad_bytes(header_cells, single_byte)) is not None:
        raise ImportFileError([RowError(1, None, _undecodable(byte, encoding_name))])
    header = _header(header_cells, info)
    number = 1
    while True:
        number += 1
        start = reader.line_num + 1
        text_lines.new_record()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(number, None, _csv_message(str(error), start, text_lines.longest))
            continue
        if (byte := _bad_bytes(cells, single_byte)) is not None:
            yield RowError(number, None, _undecodable(byte, encoding_name))
            continue
        result = _row(number, header, cells, info)
        if result is not None:
            yield result


def _undecodable(byte: str, encoding_name: str) -> str:
    return f"Ungültiges Zeichen (Byte 0x{byte}) für die erkannte Kodierung {encoding_name}. {_UTF8_HINT}"


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _csv_message(error: str, line: int, longest_line: int) -> str:
    """German for the csv module's error; a field over its limit on one long line is a long cell, one that
    grew over many short lines is an unclosed quote."""
    too_long = "field larger than field limit" in error
    if too_long and longest_line > MAX_CELL_CHARS:
        return (
            f"Ein Wert ab Textzeile {line} ist länger als {german_int(MAX_CELL_CHARS)} Zeichen (Obergrenze je Zelle)."
        )
    if too_long:
        return f"Anführungszeichen ab Textzeile {line} nicht geschlossen; der Wert reicht über viele Zeilen."
    if "unexpected end of data" in error:
        return f"Anführungszeichen ab Textzeile {line} nicht geschlossen; der Wert reicht bis zum Dateiende."
    if "expected after" in error:
        return f'Fehlerhafte Anführungszeichen in Textzeile {line}: nach dem schließenden " folgt kein Trennzeichen.'
    return f"Fehlerhafte CSV-Zeile (Textzeile {line}): {excerpt(error)}."


# -- XLSX --------------------------------------------------------------------------------


_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)
_SHARED_STRINGS = "xl/sharedstrings.xml"
_XML_RUN_CHUNK = 1024 * 1024


def _check_xlsx(stream: BinaryIO) -> None:
    """Refuse an XLSX file whose parts would inflate beyond the limits, from the zip directory before any
    part is inflated; then scan the worksheets and shared strings as streams for a giant text node or tag.

    The zip reader never inflates a part beyond the size its directory entry declares, so the declared
    sizes bound the work even when they lie.
    """
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _file_error(f"Keine lesbare XLSX-Datei ({excerpt(str(error))}).") from None
    with archive:
        parts = archive.infolist()
        sheets = [p for p in parts if _WORKSHEET.fullmatch(p.filename)]
        if len(sheets) > MAX_SHEETS:
            raise _file_error(f"Die Arbeitsmappe hat {len(sheets)} Tabellenblätter; höchstens {MAX_SHEETS}.")
        for part in parts:
            shared = part.filename.lower() == _SHARED_STRINGS
            limit = MAX_SHARED_STRINGS_BYTES if shared else MAX_XLSX_PART_BYTES
            if part.file_size > limit:
                what = "Die gemeinsamen Texte (sharedStrings)" if shared else f"Der Teil {excerpt(part.filename)}"
                raise _file_error(
                    f"{what} der XLSX-Datei wären entpackt {german_int(part.file_size)} Bytes groß; höchstens "
                    f"{german_int(limit)} Bytes. Große Listen bitte als CSV importieren."
                )
        for part in [*sheets, *(p for p in parts if p.filename.lower() == _SHARED_STRINGS)]:
            try:
                with archive.open(part) as xml:
                    _check_xml_runs(xml)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
                raise _file_error(f"Keine lesbare XLSX-Datei ({excerpt(str(error))}).") from None


def _check_xml_runs(xml: IO[bytes]) -> None:
    """No text node and no tag longer than :data:`MAX_XML_RUN_BYTES` (runs without '<' or without '>'),
    checked chunk by chunk at C speed, before the XML parser would build the whole node."""
    carry = {b"<": 0, b">": 0}
    while chunk := xml.read(_XML_RUN_CHUNK):
        for separator in carry:
            pieces = chunk.split(separator)
            longest = max(carry[separator] + len(pieces[0]), max(map(len, pieces)))
            if longest > MAX_XML_RUN_BYTES:
                raise _file_error(
                    f"Eine Zelle der XLSX-Datei ist länger als {german_int(MAX_CELL_CHARS)} Zeichen "
                    "(Obergrenze je Zelle)."
                )
            carry[separator] = len(pieces[-1]) if len(pieces) > 1 else carry[separator] + len(chunk)


# What openpyxl and the XML parser raise on a broken workbook (ParseError is a SyntaxError).
_XLSX_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, OSError, TypeError, SyntaxError)


def _unreadable_xlsx(error: Exception) -> ImportFileError:
    return _file_error(f"Keine lesbare XLSX-Datei ({excerpt(str(error) or type(error).__name__)}).")


def _sheet_rows(workbook: Any) -> Iterator[tuple[object, ...]]:
    """The first sheet's rows as values; a broken part is :class:`ImportFileError`, not a library error."""
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except ImportFileError:
        raise
    except (*_XLSX_BROKEN, ValueError) as error:
        raise _unreadable_xlsx(error) from None


def _xlsx_rows(stream: BinaryIO, info: ReadInfo) -> Iterator[RawRow | RowError]:
    import openpyxl

    if not stream.seekable():
        stream = io.BytesIO(stream.read())
    _check_xlsx(stream)
    stream.seek(0)
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (*_XLSX_BROKEN, ValueError) as error:
        raise _unreadable_xlsx(error) from None
    try:
        rows = _sheet_rows(workbook)
        first = next(rows, None)
        if first is None:
            message = f"Das erste Tabellenblatt ist leer. Erlaubt: {info.columns.allowed}."
            raise ImportFileError([RowError(1, None, message)])
        header = _header(first, info)
        for number, values in enumerate(rows, start=2):
            cells = [_text(v) for v in values]
            cells += [""] * (len(header) - len(cells))  # XLSX rows have no ragged ends, only omitted empty cells
            result = _row(number, header, cells, info)
            if result is not None:
                yield result
    finally:
        workbook.close()


# -- GeoJSON -----------------------------------------------------------------------------


_JSON_STRING_OR_BRACKET = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _check_nesting(data: bytes) -> None:
    """Refuse a document nested deeper than :data:`MAX_NESTING` before json.loads would recurse into it."""
    depth = 0
    for match in _JSON_STRING_OR_BRACKET.finditer(data):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_NESTING:
                raise _file_error(
                    f"Das GeoJSON ist tiefer als {MAX_NESTING} Ebenen verschachtelt (Obergrenze); erwartet wird "
                    "eine FeatureCollection mit Punkten oder Flächen."
                )
        elif token in (b"]", b"}"):
            depth -= 1


def _geojson_rows(stream: BinaryIO, info: ReadInfo) -> Iterator[RawRow | RowError]:
    data = stream.read(MAX_GEOJSON_BYTES + 1)
    if len(data) > MAX_GEOJSON_BYTES:
        raise _file_error(
            f"GeoJSON-Dateien dürfen höchstens {german_int(MAX_GEOJSON_BYTES)} Bytes groß sein; größere Listen "
            "bitte als CSV oder XLSX importieren."
        )
    _check_nesting(data)
    try:
        document = json.loads(data)
    except UnicodeDecodeError:
        raise ImportFileError([RowError(None, None, "GeoJSON muss UTF-8-kodiert sein.")]) from None
    except json.JSONDecodeError as error:
        raise ImportFileError(
            [RowError(None, None, f"Kein gültiges JSON (Zeile {error.lineno}, Spalte {error.colno}).")]
        ) from None
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        raise ImportFileError([RowError(None, None, "Erwartet wird eine GeoJSON-FeatureCollection.")])
    keys: dict[str, None] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        keys.update(dict.fromkeys(properties or {}))
    names = list(keys)
    columns = dict(zip(names, _header(names, info, extra=GEOJSON_DERIVED, check_required=False), strict=False))
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
            yield RowError(number, None, "Feature ohne gültige properties.")
            continue
        properties = feature.get("properties") or {}
        values = {
            column: text
            for key, value in properties.items()
            if (column := columns.get(key)) and value is not None and (text := _text(value).strip())
        }
        long_cell = next((column for column, text in values.items() if len(text) > MAX_CELL_CHARS), None)
        if long_cell is not None:
            yield RowError(number, long_cell, _too_long(values[long_cell]))
            continue
        if not ({"lat", "lon", "postcode"} & values.keys()):
            point = _point(feature.get("geometry"))
            if point is not None:
                values["lon"], values["lat"] = point
        yield RawRow(number, _completed(values, info))


def _point(geometry: object) -> tuple[str, str] | None:
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    return _text(coordinates[0]), _text(coordinates[1])
