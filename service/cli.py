"""The ``bmm`` command line."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine, make_url

from service.auth import Role
from service.config import DEFAULT_DATABASE_URL
from service.io.exporting import ExportFormat
from service.storage.database import (
    DatabaseNotReadyError,
    current_revision,
    ensure_up_to_date,
    make_engine,
    upgrade,
)
from service.storage.repository import WriteMode

app = typer.Typer(
    help=(
        "bmm-match: Matchmaking für Betriebliches Mobilitätsmanagement (BMM) in NRW und der Region Stuttgart.\n\n"
        "Typical start: 'bmm demo' fills a local SQLite database with synthetic demo organisations, "
        "'bmm serve' starts the HTTP service at http://127.0.0.1:8000."
    ),
    no_args_is_help=True,
    add_completion=False,
)

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="BMM_DATABASE_URL",
        help="Database URL (SQLAlchemy), e.g. sqlite:///bmm.db or postgresql+psycopg://user@host/bmm.",
        show_default=True,
    ),
]


def _fail(message: str, code: int = 1) -> None:
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def _sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def _sqlite_size(url: str) -> str:
    path = _sqlite_file(url)
    if path is None or not path.exists():
        return ""
    # In WAL mode recent writes may still sit in the -wal file next to the database.
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return f", database files {size / 1e6:.1f} MB"


@app.command()
def init(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Create the database or migrate it to the newest schema (stores no data)."""
    engine = make_engine(db)
    upgrade(engine)
    typer.echo(f"Database ready at schema revision {current_revision(engine)}: {_safe(db)}")


@app.command()
def demo(
    db: DbOption = DEFAULT_DATABASE_URL,
    size: Annotated[int, typer.Option(min=1, max=5_000_000, help="number of organisations to generate")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="random seed; the same seed gives the same data")] = 42,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="only seed a database without organisations")] = False,
) -> None:
    """Fill the database with synthetic demo organisations on the real geography of NRW and the Region Stuttgart.

    Earlier synthetic organisations are replaced; real profiles are never touched. Prints one fresh API key
    per role for the demo (admin, advisor IHK Dortmund, planner NRW, a demo company in Dortmund).
    """
    from matcher.reference import load_reference_data
    from service.auth import SqlApiKeyRepository
    from service.seeding import issue_demo_keys, seed_demo
    from service.storage.sql_repository import SqlOrganisationRepository

    engine = make_engine(db)
    upgrade(engine)
    repository = SqlOrganisationRepository(engine)
    reference = load_reference_data()
    if if_empty and (existing := repository.count()):
        typer.echo(f"{_safe(db)} already holds {existing:,} organisations; nothing generated (--if-empty).")
    else:
        typer.echo(f"Generating {size:,} synthetic organisations (seed {seed}) …")
        try:
            report = seed_demo(repository, reference, size=size, seed=seed)
        except ValueError as error:  # e.g. a size too small for the region's public bodies
            _fail(f"Invalid value for '--size': {error}", code=2)
        typer.echo(
            f"Stored {report.organisations:,} synthetic organisations in {_safe(db)} (generated in "
            f"{report.generate_seconds:.1f} s, stored in {report.store_seconds:.1f} s{_sqlite_size(db)})."
        )
    typer.echo("Demo keys (header X-API-Key; earlier demo keys are revoked):")
    for role, subject, secret in issue_demo_keys(SqlApiKeyRepository(engine), repository, reference):
        typer.echo(f"  {role.value:<12} {subject or '-':<22} {secret}")


@app.command()
def fit(
    db: DbOption = DEFAULT_DATABASE_URL,
    from_db: Annotated[
        bool, typer.Option("--from-db", help="fit on the stored organisations instead of demo data")
    ] = False,
    size: Annotated[int, typer.Option(min=611, help="demo organisations to fit on")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="seed of the demo data")] = 42,
    out: Annotated[Path | None, typer.Option(help="folder for the artefacts (default: the package's models/)")] = None,
) -> None:
    """Fit the profile vectoriser and write it with its model card to models/ (reproducible)."""
    from matcher.reference import load_reference_data
    from matcher.resources import models_dir
    from matcher.settings import MatcherSettings
    from service.fitting import fit_from_demo, fit_from_repository
    from service.storage.sql_repository import SqlOrganisationRepository

    target = out or models_dir()
    settings = MatcherSettings()
    if from_db:
        engine = make_engine(db)
        try:
            ensure_up_to_date(engine)
        except DatabaseNotReadyError as error:
            _fail(str(error))
        card = fit_from_repository(SqlOrganisationRepository(engine), settings, target)
    else:
        card = fit_from_demo(load_reference_data(), settings, target, size=size, seed=seed)
    typer.echo(f"Fitted on {card.training_data}: {card.training_size:,} organisations, {card.dimension} dimensions.")
    typer.echo(f"Wrote {target}/vectoriser.joblib, model_card.json and MODEL_CARD.md")


@app.command()
def evaluate(
    size: Annotated[int, typer.Option(min=611, help="background demo organisations")] = 5_000,
    groups: Annotated[int, typer.Option(min=1, max=200, help="planted peer groups per scenario")] = 40,
    seed: Annotated[int, typer.Option(min=0, help="seed of the scenario")] = 11,
    models: Annotated[Path | None, typer.Option(help="model folder whose card receives the figures")] = None,
    write: Annotated[bool, typer.Option(help="write the figures into the model card")] = True,
) -> None:
    """Evaluate on a generated scenario with planted truth: peers precision/recall and expert cases."""
    from matcher.artefacts import load_model, write_card
    from matcher.evaluation import evaluate as run_evaluation
    from matcher.reference import load_reference_data
    from matcher.resources import models_dir
    from matcher.settings import MatcherSettings

    target = models or models_dir()
    vectoriser, card = load_model(target)
    report = run_evaluation(
        load_reference_data(),
        MatcherSettings(),
        size=size,
        groups=groups,
        seed=seed,
        vectoriser=vectoriser,
        vectoriser_description=f"the model in {target.name}/ (fitted on {card.training_data})",
    )
    summary = report.summary()
    for key, value in summary.items():
        typer.echo(f"{key}: {value}")
    if write:
        write_card(target, card.model_copy(update={"evaluation": summary}))
        typer.echo(f"Wrote the figures into {target}/model_card.json and MODEL_CARD.md")
    if report.failed_cases:
        raise typer.Exit(code=1)


@app.command()
def serve(
    db: DbOption = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="worker processes")] = 1,
) -> None:
    """Start the HTTP service (API docs at /docs). Refuses a database that lacks migrations."""
    import uvicorn

    database_file = _sqlite_file(db)
    if database_file is not None and not database_file.exists():
        _fail(
            f"The database file {database_file} does not exist. Run 'bmm demo --db {_safe(db)}' for demo data "
            f"or 'bmm init --db {_safe(db)}' for an empty database."
        )
    try:
        ensure_up_to_date(make_engine(db))
    except DatabaseNotReadyError as error:
        _fail(str(error))
    os.environ["BMM_DATABASE_URL"] = db  # worker processes build the app from the environment
    typer.echo(f"Serving bmm-match on http://{host}:{port} (database {_safe(db)}) — stop with Ctrl+C")
    uvicorn.run("service.api.app:create_app", factory=True, host=host, port=port, workers=workers)


_SHOWN_ERRORS = 50


@app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="CSV (UTF-8, ',' or ';'), XLSX or GeoJSON file"
        ),
    ],
    db: DbOption = DEFAULT_DATABASE_URL,
    mode: Annotated[
        WriteMode,
        typer.Option(case_sensitive=False, help="upsert: replace stored ids; insert: a stored id is an error"),
    ] = WriteMode.UPSERT,
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
    builder = ProfileBuilder(load_reference_data(), MatcherSettings())

    def progress(rows: int) -> None:
        typer.echo(f"… {rows:,} Zeilen geprüft (rows checked)", err=True)

    typer.echo(f"Prüfe {file} … (checking)", err=True)
    # As in 'bmm demo': millions of new acyclic objects make full cyclic collections rescan them repeatedly.
    gc.disable()
    try:
        result = import_organisations(
            file, SqlOrganisationRepository(engine), builder, mode=mode, filename=file.name, progress=progress
        )
    finally:
        gc.enable()
    if isinstance(result, ImportFailed):
        for error in result.errors[:_SHOWN_ERRORS]:
            typer.echo(str(error), err=True)
        if result.error_count > _SHOWN_ERRORS:
            typer.echo(f"… und {result.error_count - _SHOWN_ERRORS:,} weitere Fehler (more errors)", err=True)
        _fail(
            f"Import abgebrochen: {result.error_count:,} Fehler, nichts gespeichert. "
            f"(Import failed: {result.error_count:,} errors, nothing stored.)"
        )
        return
    typer.echo(
        f"Importiert: {result.created:,} neu, {result.updated:,} aktualisiert ({result.rows:,} Zeilen; geprüft in "
        f"{result.check_seconds:.1f} s, gespeichert in {result.store_seconds:.1f} s) in {_safe(db)}. "
        f"(Imported: {result.created:,} created, {result.updated:,} updated.)"
    )


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
) -> None:
    """Export all organisations with the import's columns (an export can be imported again)."""
    import sys

    from service.io import export_csv, export_geojson, export_organisations
    from service.storage.sql_repository import SqlOrganisationRepository

    if file_format is ExportFormat.XLSX and out is None:
        _fail("Für --format xlsx bitte --out DATEI.xlsx angeben (xlsx needs --out).", code=2)
    database_file = _sqlite_file(db)
    if database_file is not None and not database_file.exists():
        _fail(f"The database file {database_file} does not exist.")
    organisations = SqlOrganisationRepository(_migrated_engine(db)).iter_all()
    if out is not None:
        count = export_organisations(organisations, file_format, out, include_contacts=include_contacts)
        typer.echo(f"Exportiert: {count:,} Organisationen nach {out} ({file_format.value}).", err=True)
    elif file_format is ExportFormat.GEOJSON:
        export_geojson(organisations, sys.stdout, include_contacts=include_contacts)
    else:
        export_csv(organisations, sys.stdout, include_contacts=include_contacts)


keys_app = typer.Typer(
    help="API-Schlüssel verwalten: erzeugen, auflisten, widerrufen (Header X-API-Key).",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


def _migrated_engine(db: str) -> Engine:
    engine = make_engine(db)
    try:
        ensure_up_to_date(engine)
    except DatabaseNotReadyError as error:
        _fail(str(error))
    return engine


@keys_app.command("create")
def keys_create(
    role: Annotated[
        Role,
        typer.Option(
            case_sensitive=False,
            help="admin (alles), advisor (eine Beratungsstelle), planner (Land oder Kreis), organisation (ein Betrieb)",
        ),
    ],
    subject: Annotated[
        str | None,
        typer.Option(
            help="wofür der Schlüssel gilt: advisor-id (z. B. ihk_dortmund), DE-NW/DE-BW oder Kreisschlüssel, "
            "Organisations-id; bei admin weglassen"
        ),
    ] = None,
    label: Annotated[str | None, typer.Option(help="Notiz, z. B. wem der Schlüssel gehört")] = None,
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Create an API key and print it once (as the last line). Migrates the database first, like 'init'."""
    from matcher.reference import load_reference_data
    from service.auth import InvalidSubjectError, SqlApiKeyRepository, SubjectRules

    rules = SubjectRules.from_reference(load_reference_data())
    try:
        rules.check(role, subject)
    except InvalidSubjectError as error:
        _fail(f"Ungültiger Wert für '--subject': {str(error).removeprefix('subject: ')}", code=2)
    engine = make_engine(db)
    upgrade(engine)
    key_id, secret = SqlApiKeyRepository(engine).create(role, subject, rules=rules, label=label)
    bound = f" für {subject.strip()}" if subject and subject.strip() else ""
    typer.echo(f"API-Schlüssel {key_id} angelegt (Rolle {role.value}{bound}) in {_safe(db)}.")
    typer.echo("Er wird nur dieses eine Mal angezeigt; gespeichert ist nur sein Hash. Senden im Header X-API-Key:")
    typer.echo(secret)


@keys_app.command("list")
def keys_list(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """List the API keys (never their secrets)."""
    from service.auth import SqlApiKeyRepository

    keys = SqlApiKeyRepository(_migrated_engine(db)).list()
    if not keys:
        typer.echo(f"Keine API-Schlüssel in {_safe(db)}. Anlegen mit: bmm keys create --role admin")
        return
    rows = [("id", "role", "subject", "label", "created", "revoked")]
    for key in keys:
        rows.append(
            (
                key.id,
                key.role.value,
                key.subject or "-",
                key.label or "-",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="id des Schlüssels, siehe 'bmm keys list'")],
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Revoke an API key; it is refused from then on (the entry stays listed)."""
    from service.auth import SqlApiKeyRepository

    if not SqlApiKeyRepository(_migrated_engine(db)).revoke(key_id):
        _fail(f"Kein API-Schlüssel mit der id '{key_id}' in {_safe(db)}; die ids zeigt 'bmm keys list'.")
    typer.echo(f"API-Schlüssel {key_id} ist widerrufen.")


def _safe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    app(prog_name="bmm")


if __name__ == "__main__":
    main()
