"""Hypothesis over the readers: whatever the bytes, reading ends in rows, row errors or ImportFileError with
a short German message (never another exception). Deterministic (derandomize) and small."""

from __future__ import annotations

import io
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.io import ImportFileError, RowError, read_rows

FUZZ = settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HEADER = b"id,kind,name,employees,lat,lon\n"
CSV_ALPHABET = st.sampled_from([b",", b";", b'"', b"\n", b"\r", b"a", b"1", b"\xe4", b"\xc3\xa4", b"\xff", b"\x00"])


def read_all(data: bytes, filename: str) -> None:
    messages: list[str] = []
    try:
        messages += [item.message for item in read_rows(data, filename) if isinstance(item, RowError)]
    except ImportFileError as error:
        messages += [e.message for e in error.errors]
    assert all(len(message) < 1_000 for message in messages)


@FUZZ
@given(st.lists(CSV_ALPHABET, max_size=400).map(b"".join))
def test_csv_bytes_never_crash_the_reader(body: bytes) -> None:
    read_all(HEADER + body, "f.csv")
    read_all(body, "f.csv")


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["f.geojson", "f.xlsx", "f.csv"]))
def test_arbitrary_bytes_never_crash_the_reader(data: bytes, filename: str) -> None:
    read_all(data, filename)


JSON_PIECES = st.sampled_from(
    ['{"type": "FeatureCollection", "features": ', "[", "]", "{", "}", '"a"', ":", ",", "1", "null"]
)


@FUZZ
@given(st.lists(JSON_PIECES, max_size=200).map("".join))
def test_json_like_text_never_crashes_the_reader(text: str) -> None:
    read_all(text.encode(), "f.geojson")


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["xl/workbook.xml", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "[Content_Types].xml"]),
        st.binary(max_size=200),
    )
)
def test_zip_archives_with_garbage_parts_never_crash_the_reader(parts: dict[str, bytes]) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    read_all(buffer.getvalue(), "f.xlsx")
