"""Transfer commands: ``bmm import`` and ``bmm export`` (CSV, XLSX, GeoJSON)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated

import typer

from matcher.vocabulary import OrganisationKind
from matcher.wording import german_int
from service.cli.common import DbOption, fail, migrated_engine, safe, settings_for, sqlite_file
from service.config import DEFAULT_DATABASE_URL
from service.io.exporting import ExportFormat
from service.io.reading import ReadInfo
from service.storage.database import make_engine, upgrade
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
        typer.Option(case_sensitive=False, help="upsert: replace stored ids; insert: a stored id is an error"),
    ] = WriteMode.UPSERT,
    kind: Annotated[
        OrganisationKind | None,
        typer.Option(case_sensitive=False, help="Art für Zeilen ohne eigene, z. B. craft_business für eine HWK-Liste"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="nur prüfen: Kodierung, Zuordnung, Anzahlen, Fehler; nichts speichern")
    ] = False,
) -> None:
    """Import organisations from a file: all rows or none (any invalid row stops the import).

    Columns: id, kind, name, sector, employees, lat, lon, postcode, address, estate, issues, measures_in_place,
    shift_work, visible_to_peers, contact_shareable, contact_name, contact_email, contact_phone. Required are
    kind, name, employees and lat+lon or postcode. Errors name the row as a spreadsheet shows it (header = 1).
    """
    from matcher.profiles import ProfileBuilder
    from matcher.reference import load_reference_data
    from matcher.settings import MatcherSettings
    from service.io import ImportFailed, import_organisations
    from service.storage.sql_repository import SqlOrganisationRepository

    engine = make_engine(db)
    upgrade(engine)
    builder = ProfileBuilder(load_reference_data(settings_for(db).resolved_data_dir()), MatcherSettings())

    def progress(rows: int) -> None:
        typer.echo(f"… {rows:,} Zeilen geprüft (rows checked)", err=True)

    typer.echo(f"Prüfe {file} … (checking)", err=True)
    # As in 'bmm demo': millions of new acyclic objects make full cyclic collections rescan them repeatedly.
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
            progress=progress,
        )
    finally:
        gc.enable()
    _echo_info(result.info)
    if isinstance(result, ImportFailed):
        for error in result.errors[:_SHOWN_ERRORS]:
            typer.echo(str(error), err=True)
        if result.error_count > _SHOWN_ERRORS:
            typer.echo(f"… und {result.error_count - _SHOWN_ERRORS:,} weitere Fehler (more errors)", err=True)
        fail(
            f"Import abgebrochen: {result.error_count:,} Fehler, nichts gespeichert. "
            f"(Import failed: {result.error_count:,} errors, nothing stored.)"
        )
    if result.dry_run:
        rows = f"{german_int(result.rows)} gültige {'Zeile' if result.rows == 1 else 'Zeilen'}"
        would = "würde" if result.created == 1 else "würden"
        typer.echo(
            f"Probelauf: {rows}, {german_int(result.created)} {would} neu angelegt, {german_int(result.updated)} "
            "aktualisiert; nichts gespeichert. (Dry run: nothing stored.)"
        )
        return
    typer.echo(
        f"Importiert: {result.created:,} neu, {result.updated:,} aktualisiert ({result.rows:,} Zeilen; geprüft in "
        f"{result.check_seconds:.1f} s, gespeichert in {result.store_seconds:.1f} s) in {safe(db)}. "
        f"(Imported: {result.created:,} created, {result.updated:,} updated.)"
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
        ExportFormat, typer.Option("--format", case_sensitive=False, help="csv, xlsx or geojson (WGS84 points)")
    ] = ExportFormat.CSV,
    out: Annotated[
        Path | None, typer.Option(dir_okay=False, help="output file (default: stdout; required for xlsx)")
    ] = None,
    include_contacts: Annotated[
        bool, typer.Option("--include-contacts", help="fill the contact columns (personal data!)")
    ] = False,
    excel: Annotated[
        bool, typer.Option("--excel", help="CSV für deutsches Excel: ';', Dezimalkomma, UTF-8 mit BOM")
    ] = False,
) -> None:
    """Export all organisations with the import's columns (an export can be imported again)."""
    import sys

    from service.io import export_csv, export_geojson, export_organisations
    from service.storage.sql_repository import SqlOrganisationRepository

    if excel:
        if file_format is not ExportFormat.CSV:
            fail("--excel gilt nur für CSV (--format csv).", code=2)
        file_format = ExportFormat.CSV_EXCEL
    if file_format is ExportFormat.XLSX and out is None:
        fail("Für --format xlsx bitte --out DATEI.xlsx angeben (xlsx needs --out).", code=2)
    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(f"The database file {database_file} does not exist.")
    organisations = SqlOrganisationRepository(migrated_engine(db)).iter_all()
    if out is not None:
        count = export_organisations(organisations, file_format, out, include_contacts=include_contacts)
        typer.echo(f"Exportiert: {count:,} Organisationen nach {out} ({file_format.value}).", err=True)
    elif file_format is ExportFormat.GEOJSON:
        export_geojson(organisations, sys.stdout, include_contacts=include_contacts)
    elif file_format is ExportFormat.CSV_EXCEL:
        sys.stdout.write("\ufeff")
        export_csv(organisations, sys.stdout, include_contacts=include_contacts, delimiter=";", decimal_comma=True)
    else:
        export_csv(organisations, sys.stdout, include_contacts=include_contacts)
