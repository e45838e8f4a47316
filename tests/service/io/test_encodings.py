"""Files as German Excel saves them: Windows-1252, ISO-8859-15, UTF-8 with BOM, UTF-16 "Unicode-Text"."""

from __future__ import annotations

import pytest

from service.io import RawRow, RowError, read_rows
from service.io.reading import ReadInfo, detect_encoding, sniff_delimiter

HEADER = "id;kind;name;sector;employees;lat;lon"
ROWS = (
    "a1;company;Müller & Söhne GmbH;C;120;51,4434;7,3526",
    "a2;craft_business;Bäckerei Groß – „Brot“ für 5 €;C;8;48,7758;9,1829",
)


def rows(data: bytes, filename: str = "mitglieder.csv") -> tuple[list[RawRow | RowError], ReadInfo]:
    info = ReadInfo()
    return list(read_rows(data, filename, info)), info


def names(items: list[RawRow | RowError]) -> list[str]:
    return [item.values["name"] for item in items if isinstance(item, RawRow)]


@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda text: text.encode("cp1252"), "Windows-1252"),
        (lambda text: text.encode("utf-8"), "UTF-8"),
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "UTF-8 mit BOM"),
    ],
)
def test_semicolon_files_in_each_encoding_give_the_same_text(encode: object, expected: str) -> None:
    text = "\r\n".join((HEADER, *ROWS)) + "\r\n"
    items, info = rows(encode(text))  # type: ignore[operator]
    assert names(items) == ["Müller & Söhne GmbH", "Bäckerei Groß – „Brot“ für 5 €"]
    assert info.encoding is not None
    assert info.encoding.startswith(expected)
    assert info.delimiter == "Semikolon"


@pytest.mark.parametrize("codec", ["iso8859_1", "iso8859_15"])
def test_latin_files_without_typographic_characters_read_the_same(codec: str) -> None:
    # ISO-8859-1 has no „“ – or €; with plain German letters the Latin encodings and Windows-1252 share every
    # byte, so the report may name any of them (today: Windows-1252) and the text is the same.
    plain = (
        "a1;company;Müller & Söhne GmbH;C;120;51,4434;7,3526",
        "a2;craft_business;Bäckerei Groß;C;8;48,7758;9,1829",
    )
    items, info = rows(("\r\n".join((HEADER, *plain)) + "\r\n").encode(codec))
    assert names(items) == ["Müller & Söhne GmbH", "Bäckerei Groß"]
    assert info.encoding is not None
    assert info.encoding.startswith(("Windows-1252", "ISO-8859"))
    assert info.delimiter == "Semikolon"


@pytest.mark.parametrize(
    ("separator", "delimiter"),
    [(",", "Komma"), ("\t", "Tabulator"), (";", "Semikolon")],
)
def test_each_delimiter_is_detected_and_reported(separator: str, delimiter: str) -> None:
    lines = (HEADER, '"a1";company;"Müller, Söhne";C;120;"51,4434";"7,3526"')
    items, info = rows(("\n".join(line.replace(";", separator) for line in lines) + "\n").encode("utf-8"))
    assert names(items) == ["Müller, Söhne"]
    assert info.delimiter == delimiter
    first = items[0]
    assert isinstance(first, RawRow)
    assert first.values["lat"] == "51,4434"


def test_utf16_unicode_text_is_tab_separated() -> None:
    # Excel "Unicode-Text": UTF-16 little endian with BOM, tab-separated, CRLF.
    text = "\r\n".join(line.replace(";", "\t") for line in (HEADER, *ROWS)) + "\r\n"
    items, info = rows(text.encode("utf-16"), "mitglieder.txt")
    assert names(items) == ["Müller & Söhne GmbH", "Bäckerei Groß – „Brot“ für 5 €"]
    assert info.encoding is not None
    assert info.encoding.startswith("UTF-16")
    assert info.delimiter == "Tabulator"
    first = items[0]
    assert isinstance(first, RawRow)
    assert first.values["lat"] == "51,4434"


def test_latin9_euro_sign_is_told_from_windows_1252() -> None:
    # ISO-8859-15 has € at 0xA4, where Windows-1252 has ¤; a file full of 0xA4 after digits is Latin-9.
    lines = [HEADER] + [f"a{i};company;Preis {i} € je Monat für Müller;C;10;51,44;7,35" for i in range(30)]
    data = ("\n".join(lines) + "\n").encode("iso8859_15")
    codec, name = detect_encoding(data)
    assert codec in {"iso8859_15", "cp1252", "latin_1"}  # all three decode German letters the same
    items, info = rows(data)
    assert all("Müller" in n for n in names(items))
    assert info.encoding == name


def test_undecodable_byte_is_a_row_error_and_the_other_rows_are_read() -> None:
    # 0x81 is undefined in Windows-1252: the row that holds it is named, nothing crashes.
    good = "\n".join((HEADER, *ROWS)).encode("cp1252")
    data = good + b"\na3;company;Kaputt \x81 GmbH;C;5;51,44;7,35\n"
    items, _info = rows(data)
    errors = [item for item in items if isinstance(item, RowError)]
    assert names(items) == ["Müller & Söhne GmbH", "Bäckerei Groß – „Brot“ für 5 €"]
    assert [(e.row, e.field) for e in errors] == [(4, None)]
    assert "0x81" in errors[0].message
    assert "Windows-1252" in errors[0].message


def test_invalid_utf8_in_a_utf8_file_is_a_row_error() -> None:
    lines = [HEADER] + [f"a{i};company;Straßenbau {i};F;10;51,44;7,35" for i in range(3)]
    data = ("\n".join(lines) + "\n").encode("utf-8") + b"a9;company;Kaputt \xc3\x28;F;1;51,44;7,35\n"
    items, _ = rows(data)
    errors = [item for item in items if isinstance(item, RowError)]
    assert len(names(items)) == 3
    assert [e.row for e in errors] == [5]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("id;name;employees", ";"),
        ("id,name,employees", ","),
        ("id\tname\temployees", "\t"),
        ('"Firma, Sitz";PLZ;Ort', ";"),  # a comma inside quotes does not count
        ("name", ","),
    ],
)
def test_delimiter_sniffing(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected
