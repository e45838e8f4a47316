"""The 'bmm import' and 'bmm export' commands."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from service.cli import app
from service.storage.database import make_engine, upgrade
from service.storage.sql_repository import SqlOrganisationRepository
from tests.service.full_disk import full_disk, organisations_csv, page_count
from tests.service.geocoding.stand_in import stand_in_server

runner = CliRunner()

CSV = (
    "id;kind;name;sector;employees;lat;lon;postcode;contact_email\r\n"
    "a1;company;Beispiel GmbH;H;120;51,4434;7,3526;;info@example.de\r\n"
    "a2;municipality;Stadt Bochum;;3100;;;44787;\r\n"
)


def test_import_then_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "firmen.csv"
    source.write_bytes(("\ufeff" + CSV).encode())
    result = runner.invoke(app, ["import", str(source), "--db", url, "--mode", "insert"])
    assert result.exit_code == 0, result.output
    assert "2 neu, 0 aktualisiert" in result.output
    assert SqlOrganisationRepository(make_engine(url)).count() == 2
    again = runner.invoke(app, ["import", str(source), "--db", url])
    assert again.exit_code == 0, again.output
    assert "0 neu, 2 aktualisiert" in again.output

    exported = runner.invoke(app, ["export", "--db", url])
    assert exported.exit_code == 0, exported.output
    lines = exported.output.splitlines()
    assert lines[0].startswith("id,kind,name")
    assert len(lines) == 3
    assert "info@example.de" not in exported.output
    with_contacts = runner.invoke(app, ["export", "--db", url, "--include-contacts"])
    assert "info@example.de" in with_contacts.output

    geojson = runner.invoke(app, ["export", "--db", url, "--format", "geojson"])
    assert geojson.exit_code == 0, geojson.output
    assert len(json.loads(geojson.output)["features"]) == 2

    target = tmp_path / "out.xlsx"
    xlsx = runner.invoke(app, ["export", "--db", url, "--format", "xlsx", "--out", str(target)])
    assert xlsx.exit_code == 0, xlsx.output
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    reimport = runner.invoke(app, ["import", str(target), "--db", fresh, "--mode", "insert"])
    assert reimport.exit_code == 0, reimport.output
    assert SqlOrganisationRepository(make_engine(fresh)).count() == 2


def test_import_lists_row_errors_and_stores_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "bad.csv"
    rows = "".join(f"x{i};firma;A;H;1;51,44;7,35;;\r\n" for i in range(60))
    source.write_text(CSV + rows, encoding="utf-8")
    result = runner.invoke(app, ["import", str(source), "--db", url])
    assert result.exit_code == 1
    assert "Zeile 4, kind: Unbekannte Art 'firma'" in result.output
    assert "… und 10 weitere Fehler" in result.output
    assert "nichts gespeichert" in result.output
    assert SqlOrganisationRepository(make_engine(url)).count() == 0


def test_import_reads_a_windows_1252_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "excel.csv"
    source.write_bytes(CSV.replace("Beispiel", "Müller").encode("cp1252"))
    result = runner.invoke(app, ["import", str(source), "--db", url])
    assert result.exit_code == 0, result.output
    assert any(o.name.startswith("Müller") for o in SqlOrganisationRepository(make_engine(url)).iter_all())


def test_export_xlsx_needs_out_and_export_needs_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert runner.invoke(app, ["export", "--db", url, "--format", "xlsx"]).exit_code == 2
    result = runner.invoke(app, ["export", "--db", url])
    assert result.exit_code == 1
    assert not (tmp_path / "missing.db").exists()


HWK_LIST = (
    "HWK-Nr.;Betrieb;Straße;Nr.;PLZ;Ort;WZ 2008;Größenklasse;Bemerkung\r\n"
    "h1;Tischlerei Holz;Werkstraße;4;44787;Bochum;16.23.0;1 bis 9;\r\n"
    "h2;Elektro Blitz;Am Markt;1;70173;Stuttgart;43.21;10-49;neu\r\n"
).encode("cp1252")


def test_import_dry_run_with_a_kind_for_the_whole_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "hwk.csv"
    source.write_bytes(HWK_LIST)
    result = runner.invoke(app, ["import", str(source), "--db", url, "--kind", "craft_business", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Kodierung: Windows-1252" in result.output
    assert "Trennzeichen: Semikolon" in result.output
    assert "HWK-Nr. → id" in result.output
    assert "„Bemerkung“" in result.output
    assert "Probelauf: 2 gültige Zeilen, 2 würden neu angelegt, 0 aktualisiert" in result.output
    assert SqlOrganisationRepository(make_engine(url)).count() == 0
    result = runner.invoke(app, ["import", str(source), "--db", url, "--kind", "craft_business"])
    assert result.exit_code == 0, result.output
    stored = SqlOrganisationRepository(make_engine(url)).get("h1")
    assert stored is not None
    assert (stored.kind.value, stored.wz_code, stored.size_class, stored.employees_estimated) == (
        "craft_business",
        "16.23.0",
        "1–9",
        True,
    )
    result = runner.invoke(app, ["import", str(source), "--db", url, "--kind", "craft_business", "--dry-run"])
    assert "0 würden neu angelegt, 2 aktualisiert" in result.output
    single = tmp_path / "eine.csv"
    single.write_bytes(HWK_LIST.split(b"\r\n")[0] + b"\r\n" + HWK_LIST.split(b"\r\n")[2] + b"\r\n")
    result = runner.invoke(app, ["import", str(single), "--db", url, "--kind", "craft_business", "--dry-run"])
    assert "Probelauf: 1 gültige Zeile, 0 würden neu angelegt, 1 aktualisiert" in result.output


def test_export_excel_writes_semicolons_decimal_commas_and_a_bom(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "firmen.csv"
    source.write_text(CSV, encoding="utf-8")
    assert runner.invoke(app, ["import", str(source), "--db", url]).exit_code == 0
    out = tmp_path / "excel.csv"
    result = runner.invoke(app, ["export", "--db", url, "--excel", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid;kind;name;")
    assert b";51,4434;7,3526;" in data
    assert runner.invoke(app, ["export", "--db", url, "--excel", "--format", "xlsx"]).exit_code == 2


GEOCODED_LIST = (
    "Mitgliedsnummer;Firma;Straße;Hausnr.;PLZ;Beschäftigte;WZ 2008\n"
    "G1;Alpha GmbH;Hauptstraße;12;44787;50;25.62\n"
    "G2;Beta GmbH;Unbekannter Weg;1;44787;20;C\n"
)


def test_import_geocodes_with_the_configured_geocoder_and_the_dry_run_sends_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'io.db'}"
    source = tmp_path / "ihk.csv"
    source.write_text(GEOCODED_LIST, encoding="utf-8")
    command = ["import", str(source), "--db", url, "--kind", "company"]
    with stand_in_server() as stand_in:
        stand_in.plant_nominatim("Hauptstraße 12", 51.4820, 7.2190)
        env = {"BMM_GEOCODER": "nominatim", "BMM_GEOCODER_URL": stand_in.url, "BMM_GEOCODER_RATE": "100"}
        dry = runner.invoke(app, [*command, "--dry-run"], env=env)
        assert dry.exit_code == 0, dry.output
        assert (
            "Geokodierung: 2 Zeilen mit Adresse ohne Koordinaten, davon 0 schon im Zwischenspeicher; "
            "2 Adressen würden abgefragt (im Probelauf wird nichts gesendet)."
        ) in dry.output
        assert stand_in.requests == []
        done = runner.invoke(app, command, env=env)
        assert done.exit_code == 0, done.output
        assert "2 Adressen abgefragt, 1 an der Adresse verortet" in done.output
        assert len(stand_in.requests) == 2
    stored = SqlOrganisationRepository(make_engine(url)).get("G1")
    assert stored is not None
    assert stored.location.precision.value == "address"


def test_an_insecure_geocoder_url_is_a_clear_error(tmp_path: Path) -> None:
    source = tmp_path / "ihk.csv"
    source.write_text(GEOCODED_LIST, encoding="utf-8")
    env = {"BMM_GEOCODER": "nominatim", "BMM_GEOCODER_URL": "http://geo.example.org"}
    result = runner.invoke(app, ["import", str(source), "--db", f"sqlite:///{tmp_path / 'x.db'}"], env=env)
    assert result.exit_code == 1
    assert "BMM_GEOCODER_URL „http://geo.example.org“ muss https verwenden" in result.output


def test_import_is_refused_while_another_holds_the_lock(tmp_path: Path) -> None:
    from service.storage.database import upgrade
    from service.storage.locks import import_lock

    source = tmp_path / "list.csv"
    source.write_text(CSV, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'bmm.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with import_lock(engine):  # e.g. an upload to the running server
        refused = runner.invoke(app, ["import", str(source), "--db", url])
    assert refused.exit_code == 1
    assert "läuft bereits ein Import" in refused.output
    assert SqlOrganisationRepository(engine).count() == 0
    assert runner.invoke(app, ["import", str(source), "--db", url]).exit_code == 0


def test_import_onto_a_full_disk_says_so_in_german_and_stores_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voll.db'}"
    engine = make_engine(url)
    upgrade(engine)
    source = tmp_path / "viele.csv"
    source.write_bytes(organisations_csv(3_000))
    with full_disk(Pool, page_count(engine)):  # every pool: the command opens its own engine
        result = runner.invoke(app, ["import", str(source), "--db", url])
    assert result.exit_code == 1, result.output
    assert "Speicherplatz der Datenbank erschöpft; nichts wurde gespeichert." in result.output
    assert SqlOrganisationRepository(engine).count() == 0
    engine.dispose()
