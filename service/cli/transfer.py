"""Transfer commands: ``bmm import`` and ``bmm export`` (CSV, XLSX, GeoJSON)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import OperationalError

from matcher.vocabulary import OrganisationKind
from matcher.wording import count_noun, german_int, german_number
from service.cli.common import DbOption, fail, migrated_engine, safe, settings_for, sqlite_file
from service.config import DEFAULT_DATABASE_URL
from service.geocoding.locating import GeocodingReport
from service.io.exporting import ExportFormat
from service.io.reading import ReadInfo
from service.storage.database import is_disk_full, make_engine, upgrade
from service.storage.repository import WriteMode

app = typer.Typer()

_SHOWN_ERRORS = 50


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV (UTF-8, Windows-1252, ISO-8859-15 oder UTF-16; ';', ',' oder Tab), XLSX oder GeoJSON",
        ),
    ],
    db: DbOption = DEFAULT_DATABASE_URL,
    mode: Annotated[
        WriteMode,
        typer.Option(
            case_sensitive=False, help="upsert: gespeicherte ids ersetzen; insert: eine gespeicherte id ist ein Fehler"
        ),
    ] = WriteMode.UPSERT,
    kind: Annotated[
        OrganisationKind | None,
        typer.Option(case_sensitive=False, help="Art für Zeilen ohne eigene, z. B. craft_business für eine HWK-Liste"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="nur prüfen: Kodierung, Zuordnung, Anzahlen, Fehler; nichts speichern")
    ] = False,
) -> None:
    """Organisationen aus einer Datei importieren: alle Zeilen oder keine (jede ungültige Zeile stoppt den Import).

    Spalten: id, kind, name, sector, employees, lat, lon, postcode, address, estate, issues, measures_in_place,
    shift_work, visible_to_peers, contact_shareable, share_residence_aggregates, contact_name, contact_email,
    contact_phone (auch deutsche Überschriften). Pflicht sind kind, name, employees und lat+lon oder postcode; ohne
    sector (WZ 2008) gilt die Branche als unbekannt. Fehler nennen die Zeile wie eine Tabellenkalkulation
    (Kopfzeile = 1).
    """
    from matcher.profiles import ProfileBuilder
    from matcher.reference import load_reference_data
    from matcher.settings import MatcherSettings
    from service.geocoding.cache import GeocodeCache
    from service.geocoding.locating import build_locator
    from service.io import ImportFailed, import_organisations
    from service.io.workers import DatabaseBuilder
    from service.storage.locks import LockBusyError, import_lock
    from service.storage.sql_repository import SqlOrganisationRepository
    from service.timetable import stored_reference

    settings = settings_for(db)
    engine = make_engine(db)
    upgrade(engine)
    reference = stored_reference(engine, load_reference_data(settings.resolved_data_dir()))
    builder = ProfileBuilder(reference, MatcherSettings())  # transit with the imported timetable, as the API
    locator = build_locator(settings, GeocodeCache(engine))

    typer.echo(f"Prüfe {file} …", err=True)
    try:
        with import_lock(engine) as lock:  # one import at a time, also beside a running server

            def progress(rows: int) -> None:
                lock.refresh()
                typer.echo(f"… {count_noun(rows, 'Zeile', 'Zeilen')} geprüft", err=True)

            # As in 'bmm demo': millions of new acyclic objects make full cyclic collections rescan them.
            gc.disable()
            try:
                result = import_organisations(
                    file,
                    SqlOrganisationRepository(engine),
                    builder,
                    mode=mode,
                    filename=file.name,
                    kind=kind,
                    dry_run=dry_run,
                    locator=locator,
                    progress=progress,
                    workers=settings.import_workers,
                    recipe=DatabaseBuilder(settings.database_url, settings.resolved_data_dir()),
                )
            finally:
                gc.enable()
    except LockBusyError as busy:
        until = f" (Sperre bis {busy.until:%Y-%m-%d %H:%M} UTC)" if busy.until else ""
        fail(f"Es läuft bereits ein Import{until}; bitte danach erneut versuchen.")
    except OperationalError as database_error:
        if not is_disk_full(database_error):
            raise
        fail(
            "Speicherplatz der Datenbank erschöpft; nichts wurde gespeichert. "
            "Bitte Platz schaffen und erneut importieren."
        )
    _echo_info(result.info)
    if isinstance(result, ImportFailed):
        for error in result.errors[:_SHOWN_ERRORS]:
            typer.echo(str(error), err=True)
        if result.error_count > _SHOWN_ERRORS:
            typer.echo(f"… und {german_int(result.error_count - _SHOWN_ERRORS)} weitere Fehler", err=True)
        fail(f"Import abgebrochen: {count_noun(result.error_count, 'Fehler', 'Fehler')}, nichts gespeichert.")
    if result.geocoding is not None:
        typer.echo(_geocoding_line(result.geocoding, result.dry_run), err=True)
    if result.dry_run:
        rows = count_noun(result.rows, "gültige Zeile", "gültige Zeilen")
        would = "würde" if result.created == 1 else "würden"
        typer.echo(
            f"Probelauf: {rows}, {german_int(result.created)} {would} neu angelegt, {german_int(result.updated)} "
            "aktualisiert; nichts gespeichert."
        )
        return
    typer.echo(
        f"Importiert: {german_int(result.created)} neu, {german_int(result.updated)} aktualisiert "
        f"({count_noun(result.rows, 'Zeile', 'Zeilen')}; geprüft in {german_number(round(result.check_seconds, 1))} s, "
        f"gespeichert in {german_number(round(result.store_seconds, 1))} s) in {safe(db)}."
    )


def _geocoding_line(report: GeocodingReport, dry_run: bool) -> str:
    addresses = count_noun(report.addresses, "Zeile", "Zeilen")
    if dry_run:
        return (
            f"Geokodierung: {addresses} mit Adresse ohne Koordinaten, davon {german_int(report.cached)} schon im "
            f"Zwischenspeicher; {count_noun(report.to_query, 'Adresse würde', 'Adressen würden')} abgefragt "
            "(im Probelauf wird nichts gesendet)."
        )
    return (
        f"Geokodierung: {addresses} mit Adresse ohne Koordinaten, {german_int(report.cached)} aus dem "
        f"Zwischenspeicher, {count_noun(report.queried, 'Adresse', 'Adressen')} abgefragt, "
        f"{german_int(report.located)} an der Adresse verortet (die übrigen am Mittelpunkt der Postleitzahl)."
    )


def _echo_info(info: ReadInfo) -> None:
    """What reading detected: encoding, delimiter, the column mapping and warnings (German, to stderr)."""
    if info.encoding:
        typer.echo(f"Kodierung: {info.encoding}; Trennzeichen: {info.delimiter}", err=True)
    if info.mapping:
        typer.echo("Spalten: " + ", ".join(f"{header} → {column}" for header, column in info.mapping.items()), err=True)
    for warning in info.warnings:
        typer.echo(f"Hinweis: {warning}", err=True)


@app.command("export")
def export_file(
    db: DbOption = DEFAULT_DATABASE_URL,
    file_format: Annotated[
        ExportFormat, typer.Option("--format", case_sensitive=False, help="csv, xlsx oder geojson (WGS84-Punkte)")
    ] = ExportFormat.CSV,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Ausgabedatei (Standard: stdout; Pflicht für xlsx)")
    ] = None,
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help="Kontaktspalten füllen (personenbezogene Daten!)")
    ] = False,
    excel: Annotated[
        bool, typer.Option("--excel", help="CSV für deutsches Excel: ';', Dezimalkomma, UTF-8 mit BOM")
    ] = False,
) -> None:
    """Alle Organisationen mit den Spalten des Imports exportieren (ein Export lässt sich wieder importieren)."""
    import sys

    from service.io import export_csv, export_geojson, export_organisations
    from service.io.exporting import EXPORT_PAGE_SIZE
    from service.storage.repository import OrganisationQuery
    from service.storage.sql_repository import SqlOrganisationRepository

    if excel:
        if file_format is not ExportFormat.CSV:
            fail("--excel gilt nur für CSV (--format csv).", code=2)
        file_format = ExportFormat.CSV_EXCEL
    if file_format is ExportFormat.XLSX and out is None:
        fail("Für --format xlsx bitte --out DATEI.xlsx angeben.", code=2)
    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(f"Die Datenbankdatei {database_file} gibt es nicht.")
    # Keyset pages, written as they are read: memory holds one page, whatever the size of the database.
    organisations = SqlOrganisationRepository(migrated_engine(db)).iter_matching(
        OrganisationQuery(), batch_size=EXPORT_PAGE_SIZE
    )
    if out is not None:
        count = export_organisations(organisations, file_format, out, include_contacts=include_contacts)
        typer.echo(
            f"Exportiert: {count_noun(count, 'Organisation', 'Organisationen')} nach {out} ({file_format.value}).",
            err=True,
        )
    elif file_format is ExportFormat.GEOJSON:
        export_geojson(organisations, sys.stdout, include_contacts=include_contacts)
    elif file_format is ExportFormat.CSV_EXCEL:
        sys.stdout.write("\ufeff")
        export_csv(organisations, sys.stdout, include_contacts=include_contacts, delimiter=";", decimal_comma=True)
    else:
        export_csv(organisations, sys.stdout, include_contacts=include_contacts)
