"""Import of CSV/XLSX/GeoJSON: parsing, German row errors, all-or-nothing, duplicate ids."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl
import pytest

from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.vocabulary import OrganisationKind
from service.io import (
    ImportFailed,
    ImportFileError,
    ImportReport,
    RawRow,
    RowError,
    import_organisations,
    parse_profile,
    prepare_import,
    read_rows,
)
from service.io.reading import ReadInfo
from service.storage.repository import WriteMode
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.conftest import OrganisationFactory

HEADER = "id,kind,name,sector,employees,lat,lon,postcode,issues,measures_in_place,shift_work"
GOOD = "a1,company,Beispiel GmbH,H,120,51.4434,7.3526,,parking_shortage;shift_work,carpool_matching,ja"


def csv_bytes(*lines: str, newline: str = "\n", bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + newline.join(lines) + newline).encode("utf-8")


def prepared(data: bytes, builder: ProfileBuilder, filename: str = "f.csv") -> list[Organisation]:
    result = prepare_import(data, builder, filename=filename)
    assert not isinstance(result, ImportFailed), result.errors
    return result


def failed(data: bytes, builder: ProfileBuilder, filename: str = "f.csv") -> list[RowError]:
    result = prepare_import(data, builder, filename=filename)
    assert isinstance(result, ImportFailed), result
    return result.errors


def fields(errors: list[RowError]) -> set[tuple[int | None, str | None]]:
    return {(e.row, e.field) for e in errors}


# -- reading and parsing ----------------------------------------------------------------------


def test_comma_separated_csv(builder: ProfileBuilder) -> None:
    [organisation] = prepared(csv_bytes(HEADER, GOOD), builder)
    assert organisation.id == "a1"
    assert organisation.kind.value == "company"
    assert [i.value for i in organisation.issues] == ["parking_shortage", "shift_work"]
    assert organisation.measures_in_place == ["carpool_matching"]
    assert organisation.shift_work is True
    assert organisation.location.state == "DE-NW"


def test_semicolon_csv_with_bom_crlf_and_decimal_commas(builder: ProfileBuilder) -> None:
    data = csv_bytes(
        "id;kind;name;sector;employees;lat;lon;issues;shift_work",
        'a1;company;Müller & Söhne GmbH;H;120;51,4434;7,3526;"parking_shortage;shift_work";x',
        "a2;craft_business;Bäckerei Groß;C;8;48,7758;9,1829;parking_shortage|congestion;",
        newline="\r\n",
        bom=True,
    )
    first, second = prepared(data, builder)
    assert first.name == "Müller & Söhne GmbH"
    assert (first.lat, first.lon) == (51.4434, 7.3526)
    assert first.shift_work is True
    assert [i.value for i in second.issues] == ["congestion", "parking_shortage"]
    assert second.shift_work is False
    assert second.location.state == "DE-BW"


def test_only_required_columns_and_empty_cells(builder: ProfileBuilder) -> None:
    data = csv_bytes(
        "kind,name,employees,postcode,sector,estate",
        "municipality,Stadt Bochum,3000,44787,,",
        "company,Ohne Branche,,44787,H,",
    )
    errors = failed(data, builder)
    assert fields(errors) == {(3, "employees")}
    assert "Pflichtangabe" in errors[0].message
    [organisation] = prepared(data.replace(b"Branche,,", b"Branche,12,"), builder)[1:]
    assert organisation.id.startswith("org-")
    assert len(organisation.id) == 20
    assert organisation.sector is not None
    assert organisation.estate is None


def test_companies_and_crafts_may_leave_the_sector_out(builder: ProfileBuilder) -> None:
    # An IHK list whose WZ cell is empty in some rows, and an HWK list without a WZ column at all.
    chamber = csv_bytes(
        "Mitgliedsnummer;Firma;PLZ;Art;WZ 2008;Beschäftigte",
        "4711;Müller GmbH;44787;Unternehmen;25.62.0;120",
        "4712;Ohne WZ KG;44789;Unternehmen;;8",
        "4713;Tischlerei Holz;44791;Handwerksbetrieb;;5",
    )
    known, company, craft = prepared(chamber, builder)
    assert (known.sector, known.wz_code) == ("C", "25.62.0")
    assert (company.kind, company.sector, company.wz_code, company.sector_unknown) == ("company", None, None, True)
    assert (craft.kind, craft.sector, craft.sector_unknown) == ("craft_business", None, True)
    hwk = csv_bytes("Betriebsnummer;Betrieb;PLZ;MA", "H-1;Elektro Funke;44135;12")
    result = prepare_import(hwk, builder, filename="hwk.csv", kind=OrganisationKind.CRAFT_BUSINESS)
    assert not isinstance(result, ImportFailed), result.errors
    [electrician] = result
    assert (electrician.kind, electrician.sector, electrician.employees) == ("craft_business", None, 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("true", True), ("FALSE", False), ("ja", True), ("Nein", False), ("1", True), ("0", False)],
        *[("yes", True), ("no", False), ("x", True), ("X", True), ("WAHR", True), ("falsch", False)],
    ],
)
def test_booleans(text: str, expected: bool) -> None:
    raw = RawRow(2, {"kind": "municipality", "name": "A", "employees": "1", "postcode": "44787", "shift_work": text})
    profile = parse_profile(raw)
    assert not isinstance(profile, list)
    assert profile.shift_work is expected


def test_empty_boolean_means_not_given() -> None:
    profile = parse_profile(RawRow(2, {"kind": "municipality", "name": "A", "employees": "1", "postcode": "44787"}))
    assert not isinstance(profile, list)
    assert (profile.shift_work, profile.visible_to_peers, profile.contact_shareable) == (False, False, False)


def test_contact_columns_make_a_contact() -> None:
    values = {"kind": "municipality", "name": "A", "employees": "1", "postcode": "44787"}
    profile = parse_profile(RawRow(2, values | {"contact_name": "Frau Kurz", "contact_email": "kurz@example.de"}))
    assert not isinstance(profile, list)
    assert profile.contact is not None
    assert (profile.contact.name, profile.contact.email) == ("Frau Kurz", "kurz@example.de")
    errors = parse_profile(RawRow(7, values | {"contact_email": "kein-mail"}))
    assert isinstance(errors, list)
    assert [(e.row, e.field) for e in errors] == [(7, "contact_email")]
    assert "kein-mail" not in errors[0].message  # personal data stays out of messages


def test_four_digit_postcode_gets_its_leading_zero() -> None:
    profile = parse_profile(RawRow(2, {"kind": "municipality", "name": "A", "employees": "1", "postcode": "1067"}))
    assert not isinstance(profile, list)
    assert profile.postcode == "01067"


def test_row_errors_name_row_field_and_what_is_allowed(builder: ProfileBuilder) -> None:
    data = csv_bytes(
        HEADER,
        GOOD,
        "b1,firma,Falsche Art,H,10,51.44,7.35,,,,",
        "b2,company,Negativ,H,-5,51.44,7.35,,,,",
        "b3,municipality,Unbekannte PLZ,,10,,,99999,,,",
        "b4,company,Paris,H,10,48.8566,2.3522,,,,",
        "b5,company,Problem,H,10,51.44,7.35,,no_such_problem,,",
        "b6,company,Maßnahme,H,10,51.44,7.35,,,no_such_measure,",
        "b7,company,Schicht,H,10,51.44,7.35,,,,vielleicht",
        "b8,company,Koordinaten,H,10,51.4x,7.35,,,,",
    )
    errors = failed(data, builder)
    assert fields(errors) == {
        (3, "kind"),
        (4, "employees"),
        (5, "postcode"),
        (6, "lat"),
        (7, "issues"),
        (8, "measures_in_place"),
        (9, "shift_work"),
        (10, "lat"),
    }
    by_row = {e.row: e.message for e in errors}
    assert "company" in by_row[3]
    assert "mindestens 0" in by_row[4]
    assert "99999" in by_row[5]
    assert "nicht in" in by_row[6]
    assert "no_such_problem" in by_row[7]
    assert "parking_shortage" in by_row[7]
    assert "no_such_measure" in by_row[8]
    assert "ja/nein" in by_row[9]
    assert "Dezimalzahl" in by_row[10]


def test_unknown_columns_are_ignored_with_one_warning_naming_them(builder: ProfileBuilder) -> None:
    info = ReadInfo()
    items = list(read_rows(csv_bytes(HEADER + ",farbe,größe", GOOD + ",rot,L"), "f.csv", info))
    assert [item.values.get("name") for item in items if isinstance(item, RawRow)] == ["Beispiel GmbH"]
    assert "farbe" not in items[0].values  # type: ignore[union-attr]
    assert len(info.warnings) == 1
    assert "„farbe“, „größe“" in info.warnings[0]
    [organisation] = prepared(csv_bytes(HEADER + ",farbe", GOOD + ",rot"), builder)
    assert organisation.name == "Beispiel GmbH"


def test_missing_required_columns(builder: ProfileBuilder) -> None:
    errors = failed(csv_bytes("id,kind,name", "a,company,A"), builder)
    assert "employees" in errors[0].message
    assert "lat+lon oder postcode" in errors[0].message


def test_cp1252_file_is_read_as_windows_1252(builder: ProfileBuilder) -> None:
    data = (HEADER + "\n" + GOOD.replace("Beispiel", "Müller") + "\n").encode("cp1252")
    [organisation] = prepared(data, builder)
    assert organisation.name == "Müller GmbH"


def test_ragged_rows_are_row_errors(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, GOOD, "a2,company,Zu kurz,H,10", "a3,company,Zu lang,H,10,51.44,7.35,,,,,extra", "")
    errors = failed(data, builder)
    assert fields(errors) == {(3, None), (4, None)}
    assert "Zeile hat nur 5 Werte" in errors[0].message


def test_trailing_empty_cells_and_blank_lines_are_tolerated(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, GOOD + ",,", "", ",,,,,,,,,,")
    assert len(prepared(data, builder)) == 1


def test_unclosed_quote_is_reported(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, GOOD, 'a2,company,"Nicht geschlossen,H,10,51.44,7.35,,,,', GOOD.replace("a1", "a3"))
    errors = failed(data, builder)
    assert [(e.row, e.field) for e in errors] == [(3, None)]
    assert "nicht geschlossen" in errors[0].message
    assert "Textzeile 3" in errors[0].message


def test_stray_quote_is_reported_and_reading_goes_on(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, 'a2,company,"Name"X,H,10,51.44,7.35,,,,', "a3,firma,A,H,1,51.44,7.35,,,,")
    assert fields(failed(data, builder)) == {(2, None), (3, "kind")}


def test_duplicate_ids_within_the_file(builder: ProfileBuilder) -> None:
    errors = failed(csv_bytes(HEADER, GOOD, GOOD, GOOD), builder)
    assert fields(errors) == {(3, "id"), (4, "id")}
    assert "a1" in errors[0].message
    assert "Zeile 2" in errors[0].message


def test_error_list_is_capped_with_a_count(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, *[f"x{i},firma,A,H,1,51.44,7.35,,,," for i in range(30)])
    result = prepare_import(data, builder, filename="f.csv", max_errors=10)
    assert isinstance(result, ImportFailed)
    assert (len(result.errors), result.error_count, result.omitted) == (10, 30, 20)
    assert result.as_dict()["omitted"] == 20


def test_chunks_and_progress(builder: ProfileBuilder) -> None:
    data = csv_bytes(HEADER, *[GOOD.replace("a1", f"a{i}") for i in range(7)])
    seen: list[int] = []
    result = prepare_import(data, builder, filename="f.csv", chunk_size=3, progress=seen.append)
    assert isinstance(result, list)
    assert [o.id for o in result] == [f"a{i}" for i in range(7)]
    assert seen == [3, 6, 7]


def test_xlsx_with_typed_cells(builder: ProfileBuilder) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["ID", "Kind", "name", "sector", "employees", "lat", "lon", "postcode", "shift_work", "issues"])
    sheet.append(["x1", "company", "Tabellen GmbH", "C", 250, 48.7758, 9.1829, None, True, "congestion|shift_work"])
    sheet.append(["x2", "municipality", "Gemeinde", None, 1200.0, None, None, 44787, None, None])
    sheet.append([None] * 10)
    buffer = io.BytesIO()
    workbook.save(buffer)
    first, second = prepared(buffer.getvalue(), builder, filename="upload.xlsx")
    assert (first.employees, first.shift_work, first.lat) == (250, True, 48.7758)
    assert [i.value for i in first.issues] == ["congestion", "shift_work"]
    assert (second.employees, second.postcode) == (1200, "44787")
    # Detected by content as well, e.g. an upload without a file name.
    assert len(prepared(buffer.getvalue(), builder, filename="")) == 2


def test_xlsx_errors_use_spreadsheet_rows(builder: ProfileBuilder) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kind", "name", "employees", "postcode"])
    sheet.append(["municipality", "A", 10, "44787"])
    sheet.append(["municipality", "B", -1, "44787"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert fields(failed(buffer.getvalue(), builder, filename="a.xlsx")) == {(3, "employees")}


def test_broken_xlsx_and_unsupported_formats() -> None:
    with pytest.raises(ImportFileError, match="XLSX"):
        list(read_rows(b"PK\x03\x04 not really a zip", "a.xlsx"))
    with pytest.raises(ImportFileError, match=r"\.xls"):
        list(read_rows(b"whatever", "old.xls"))


def test_geojson_features_are_rows(builder: ProfileBuilder) -> None:
    document: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [7.3526, 51.4434]},
                "properties": {"kind": "company", "name": "Punkt", "sector": "H", "employees": 5, "state": "DE-NW"},
            }
        ],
    }
    [organisation] = prepared(json.dumps(document).encode(), builder, filename="a.geojson")
    assert (organisation.lat, organisation.lon) == (51.4434, 7.3526)
    document["features"][0]["properties"]["colour"] = "red"
    info = ReadInfo()
    [row] = read_rows(json.dumps(document).encode(), "a.geojson", info)
    assert isinstance(row, RawRow)
    assert "colour" not in row.values
    assert "„colour“" in info.warnings[0]


# -- storing: all or nothing, modes ----------------------------------------------------------


def test_all_or_nothing(builder: ProfileBuilder, repository: SqlOrganisationRepository) -> None:
    data = csv_bytes(HEADER, GOOD, "b1,firma,X,H,1,51.44,7.35,,,,")
    result = import_organisations(data, repository, builder, filename="f.csv")
    assert isinstance(result, ImportFailed)
    assert repository.count() == 0
    report = import_organisations(csv_bytes(HEADER, GOOD), repository, builder, filename="f.csv")
    assert isinstance(report, ImportReport)
    assert (report.rows, report.created, report.updated) == (1, 1, 0)
    assert repository.get("a1") is not None


def test_insert_refuses_stored_ids_and_upsert_replaces_them(
    builder: ProfileBuilder, repository: SqlOrganisationRepository, make_organisation: OrganisationFactory
) -> None:
    repository.add_many([make_organisation(id="a1", name="Alt")])
    data = csv_bytes(HEADER, GOOD, GOOD.replace("a1", "a2"))
    refused = import_organisations(data, repository, builder, mode=WriteMode.INSERT, filename="f.csv")
    assert isinstance(refused, ImportFailed)
    assert [(e.row, e.field) for e in refused.errors] == [(2, "id")]
    assert "a1" in refused.errors[0].message
    assert repository.count() == 1
    report = import_organisations(data, repository, builder, mode=WriteMode.UPSERT, filename="f.csv")
    assert isinstance(report, ImportReport)
    assert (report.created, report.updated) == (1, 1)
    stored = repository.get("a1")
    assert stored is not None
    assert stored.name == "Beispiel GmbH"


def test_next_months_list_updates_by_member_number(
    builder: ProfileBuilder, repository: SqlOrganisationRepository
) -> None:
    header = "Mitgliedsnummer;Firma;PLZ;Art;WZ;Beschäftigte"
    first = csv_bytes(header, "4711;Müller GmbH;44787;Unternehmen;25.62;120", "4712;Groß KG;44789;Unternehmen;C;8")
    report = import_organisations(first, repository, builder, filename="mitglieder.csv")
    assert isinstance(report, ImportReport)
    assert (report.created, report.updated) == (2, 0)
    second = csv_bytes(header, "4711;Müller GmbH & Co. KG;44787;Unternehmen;25.62;135", "4713;Neu AG;44791;company;G;3")
    preview = import_organisations(second, repository, builder, filename="mitglieder.csv", dry_run=True)
    assert isinstance(preview, ImportReport)
    assert (preview.dry_run, preview.created, preview.updated) == (True, 1, 1)
    assert repository.count() == 2  # the dry run stored nothing
    report = import_organisations(second, repository, builder, filename="mitglieder.csv")
    assert isinstance(report, ImportReport)
    assert (report.created, report.updated) == (1, 1)
    assert repository.count() == 3
    updated = repository.get("4711")
    assert updated is not None
    assert (updated.name, updated.employees) == ("Müller GmbH & Co. KG", 135)
    refused = import_organisations(second, repository, builder, mode=WriteMode.INSERT, dry_run=True)
    assert isinstance(refused, ImportFailed)
    assert {e.row for e in refused.errors} == {2, 3}


def test_rows_outside_nrw_and_bw_are_kept_with_one_warning(
    builder: ProfileBuilder, repository: SqlOrganisationRepository
) -> None:
    munich = "b1,company,Bayern GmbH,H,120,48.1372,11.5755,,,,"
    report = import_organisations(csv_bytes(HEADER, GOOD, munich), repository, builder, filename="f.csv")
    assert isinstance(report, ImportReport)
    assert report.created == 2
    assert {o.location.state for o in repository.get_many(["a1", "b1"])} == {"DE-NW", "DE-BY"}
    [warning] = report.info.warnings
    assert warning.startswith("1 Zeile liegt außerhalb von Nordrhein-Westfalen und Baden-Württemberg")
    assert "Zeile 3: Bayern" in warning
    only_nrw = import_organisations(csv_bytes(HEADER, GOOD), repository, builder, filename="f.csv")
    assert isinstance(only_nrw, ImportReport)
    assert only_nrw.info.warnings == []
