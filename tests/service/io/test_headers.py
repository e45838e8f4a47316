"""Headers as people write them: German and English names, case, spaces and punctuation do not matter."""

from __future__ import annotations

import io

import openpyxl
import pytest

from service.io import ImportFileError, RawRow, read_rows
from service.io.columns import COLUMNS, header_column, header_key
from service.io.reading import ReadInfo

KNOWN = frozenset(COLUMNS)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("ID", "id"),
        ("Mitgliedsnummer", "id"),
        ("Mitglieds-Nr.", "id"),
        ("IHK-Nr.", "id"),
        ("HWK-Nr.", "id"),
        ("Betriebsnummer", "id"),
        ("Kundennummer", "id"),
        ("Name", "name"),
        ("Firma", "name"),
        ("Firmenname", "name"),
        ("Unternehmen", "name"),
        ("Betrieb", "name"),
        ("Kommune", "name"),
        ("Straße", "address"),
        ("Strasse", "address"),
        ("Str.", "address"),
        ("Anschrift", "address"),
        ("Adresse", "address"),
        ("Hausnummer", "house_number"),
        ("Hausnr.", "house_number"),
        ("Nr.", "house_number"),
        ("PLZ", "postcode"),
        ("Postleitzahl", "postcode"),
        ("Ort", "city"),
        ("Stadt", "city"),
        ("Gemeinde", "city"),
        ("WZ", "sector"),
        ("WZ 2008", "sector"),
        ("WZ-Code", "sector"),
        ("WZ2008", "sector"),
        ("Wirtschaftszweig", "sector"),
        ("Abschnitt", "sector"),
        ("Beschäftigte", "employees"),
        ("Mitarbeiter", "employees"),
        ("Mitarbeitende", "employees"),
        ("MA", "employees"),
        ("Anzahl Beschäftigte", "employees"),
        ("Größenklasse", "size_class"),
        ("Beschäftigtengrößenklasse", "size_class"),
        ("GK", "size_class"),
        ("Art", "kind"),
        ("Typ", "kind"),
        ("Probleme", "issues"),
        ("Pendelprobleme", "issues"),
        ("Breitengrad", "lat"),
        ("Längengrad", "lon"),
        ("Breite", "lat"),
        ("Länge", "lon"),
        ("latitude", "lat"),
        ("Longitude", "lon"),
        ("  MEASURES IN PLACE ", "measures_in_place"),
        ("Contact-Email", "contact_email"),
        # the same synonyms written in other case, spacing and punctuation
        ("mitglieds nr", "id"),
        ("MITGLIEDS-NR", "id"),
        ("ihk nr.", "id"),
        ("hwk_nr", "id"),
        ("FIRMA", "name"),
        ("strasse:", "address"),
        ("STR", "address"),
        ("haus-nr", "house_number"),
        ("plz.", "postcode"),
        ("post-leitzahl", "postcode"),
        ("wz_2008", "sector"),
        ("Wz Code", "sector"),
        ("ANZAHL_BESCHAEFTIGTE", "employees"),
        ("Größen-Klasse", "size_class"),
        ("g.k.", "size_class"),
        ("TYP", "kind"),
        ("pendel-probleme", "issues"),
        ("BREITEN GRAD", "lat"),
        ("laengengrad", "lon"),
        ("LATITUDE", "lat"),
        ("Wohnorte teilen", "share_residence_aggregates"),
        ("Wohnorte freigeben", "share_residence_aggregates"),
        ("share_residence_aggregates", "share_residence_aggregates"),
    ],
)
def test_header_synonyms(header: str, column: str) -> None:
    assert header_column(header, KNOWN) == column


def test_header_key_ignores_case_spaces_punctuation_and_umlauts() -> None:
    assert header_key(" Mitglieds-Nr. ") == "mitgliedsnr"
    assert header_key("Anzahl  Beschäftigte") == header_key("anzahl_beschaeftigte")
    assert header_column("Lieblingsfarbe", KNOWN) is None


def test_a_chamber_export_with_german_headers() -> None:
    data = (
        "Mitglieds-Nr.;Firma;Straße;Hausnr.;PLZ;Ort;Art;Beschäftigte;WZ 2008;Bemerkung\r\n"
        "4711;Müller Metallbau GmbH;Industriestraße;12a;44787;Bochum;company;120;C;Stammkunde\r\n"
        "4712;Bäckerei Groß;;;44789;Bochum;craft_business;8;C;\r\n"
    ).encode("cp1252")
    info = ReadInfo()
    first, second = read_rows(data, "ihk.csv", info)
    assert isinstance(first, RawRow)
    assert first.values == {
        "id": "4711",
        "name": "Müller Metallbau GmbH",
        "address": "Industriestraße 12a",
        "postcode": "44787",
        "kind": "company",
        "employees": "120",
        "sector": "C",
    }
    assert isinstance(second, RawRow)
    assert "address" not in second.values
    assert info.mapping["Mitglieds-Nr."] == "id"
    assert info.mapping["Hausnr."] == "house_number"
    assert info.mapping["Ort"] == "city"
    assert info.warnings == [info.warnings[0]]
    assert "„Bemerkung“" in info.warnings[0]


def test_two_headers_for_one_column_are_refused_naming_both() -> None:
    with pytest.raises(ImportFileError) as caught:
        list(read_rows(b"Firma;Name;Art;MA;PLZ\nA;B;company;1;44787\n", "f.csv"))
    assert "„Firma“ und „Name“ meinen beide name" in caught.value.errors[0].message


def test_a_default_kind_satisfies_the_required_kind_column() -> None:
    info = ReadInfo(defaults={"kind": "craft_business"})
    [row] = read_rows(b"Betrieb;MA;PLZ\nTischlerei Holz;4;44787\n", "hwk.csv", info)
    assert isinstance(row, RawRow)
    assert row.values["kind"] == "craft_business"
    with pytest.raises(ImportFileError, match="kind"):
        list(read_rows(b"Betrieb;MA;PLZ\nTischlerei Holz;4;44787\n", "hwk.csv"))


def test_an_xlsx_with_german_headers_maps_them_and_reports_the_mapping() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["IHK-Nr.", "Firmenname", "Typ", "GK", "WZ-Code", "Postleitzahl", "Pendelprobleme", "Notiz"])
    sheet.append(["9001", "Schraubwerk KG", "Unternehmen", "50 bis 249", "25.94", 44787, "Parkplatzmangel", "x"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    info = ReadInfo()
    [row] = read_rows(buffer.getvalue(), "mitglieder.xlsx", info)
    assert isinstance(row, RawRow)
    assert row.values["id"] == "9001"
    assert row.values["name"] == "Schraubwerk KG"
    assert row.values["size_class"] == "50 bis 249"
    assert row.values["sector"] == "25.94"
    assert row.values["postcode"] == "44787"
    assert info.mapping["GK"] == "size_class"
    assert info.mapping["Pendelprobleme"] == "issues"
    assert len(info.warnings) == 1
    assert "„Notiz“" in info.warnings[0]
