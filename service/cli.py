"""The ``bmm`` command line."""

from __future__ import annotations

import gc
import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import Engine, make_url

from matcher.vocabulary import ProblemCode
from matcher.wording import german_int
from service.api.cluster_schemas import ClusterState
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
from service.storage.repository import OrganisationRepository, WriteMode

if TYPE_CHECKING:
    from matcher.planning.clusters.models import ClusterAnswer, RegionFilter
    from service.engine import MatchingEngine
    from service.live import Snapshot

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
    from matcher.evaluation.report import evaluate as run_evaluation
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
    typer.echo(f"Web-Oberfläche: http://{host}:{port}/app/   API-Dokumentation: http://{host}:{port}/docs")
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


class ClusterOutput(StrEnum):
    TABLE = "table"
    JSON = "json"
    GEOJSON = "geojson"


_CLUSTER_OPTIONS = {"eps_km": "--eps-km", "min_members": "--min-size", "limit": "--limit", "region.kreis": "--kreis"}


def _range_text(name: str) -> str:
    """The allowed range of a ClusterSettings field in German, e.g. 'größer als 0 und höchstens 20'."""
    from matcher.settings import ClusterSettings

    words = {"gt": "größer als", "ge": "mindestens", "lt": "kleiner als", "le": "höchstens"}
    metadata = ClusterSettings.model_fields[name].metadata
    return " und ".join(f"{text} {getattr(m, key)}" for m in metadata for key, text in words.items() if hasattr(m, key))


def _cluster_region(kreis: str | None, state: str | None, bbox: str | None) -> RegionFilter | None:
    """The region of the options, or exit 2 naming the bad option."""
    from pydantic import ValidationError

    from matcher.planning.clusters.models import CLUSTER_STATES, RegionFilter
    from service.access import region_state

    box: tuple[float, float, float, float] | None = None
    if bbox is not None:
        try:
            min_lon, min_lat, max_lon, max_lat = (float(part) for part in bbox.split(","))
            box = RegionFilter(bbox=(min_lon, min_lat, max_lon, max_lat)).bbox
        except (ValueError, ValidationError):
            _fail(
                f"Ungültiger Wert für '--bbox': {bbox!r}; erwartet minlon,minlat,maxlon,maxlat (WGS84, min < max), "
                "z. B. 7.3,51.45,7.6,51.6.",
                code=2,
            )
    if kreis is not None and (len(kreis) != 5 or not kreis.isdigit() or region_state(kreis) not in CLUSTER_STATES):
        _fail(
            f"Ungültiger Wert für '--kreis': {kreis!r} ist kein Kreisschlüssel in NRW oder BW; erwartet 5 Ziffern, "
            "beginnend mit 05 (NRW) oder 08 (BW), z. B. 05913 für Dortmund.",
            code=2,
        )
    if kreis is None and state is None and box is None:
        return None
    land = state or (region_state(kreis) if kreis is not None else None)
    if kreis is not None and land != region_state(kreis):
        _fail(f"Ungültige Kombination '--kreis' {kreis} und '--state' {state}: der Kreis liegt nicht in {state}.", 2)
    return RegionFilter(kreis=kreis, state=land, bbox=box)


def _cluster_table(answer: ClusterAnswer) -> list[str]:
    """German table: rank, size, employees, dominant problems, municipalities, joint measure."""

    def cut(text: str, width: int) -> str:
        return text if len(text) <= width else text[: width - 1] + "…"

    rows: list[tuple[str, ...]] = [
        ("Rang", "Mitglieder", "Beschäftigte", "Hauptprobleme", "Gemeinden", "Gemeinsame Maßnahme")
    ]
    for rank, cluster in enumerate(answer.clusters, start=1):
        problems = ", ".join(f"{p.label} {round(p.share * 100)} %" for p in cluster.dominant_problems)
        places = ", ".join(f"{m.name} ({m.members})" for m in cluster.municipalities)
        measure = cluster.suggested_measures[0].name if cluster.suggested_measures else "-"
        cells = (str(rank), german_int(cluster.size), german_int(cluster.employees), problems, places, measure)
        rows.append(tuple(cut(cell, width) for cell, width in zip(cells, (4, 10, 12, 48, 36, 44), strict=True)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = (True, True, True, False, False, False)
    return [
        "  ".join(
            cell.rjust(width) if align else cell.ljust(width)
            for cell, width, align in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in rows
    ]


def _existing_repository(db: str) -> OrganisationRepository:
    from service.storage.sql_repository import SqlOrganisationRepository

    database_file = _sqlite_file(db)
    if database_file is not None and not database_file.exists():
        _fail(f"The database file {database_file} does not exist. Run 'bmm demo --db {_safe(db)}' for demo data.")
    return SqlOrganisationRepository(_migrated_engine(db))


def _load_snapshot(repository: OrganisationRepository, db: str) -> tuple[Snapshot, MatchingEngine]:
    """All stored organisations and their index (the service's LiveIndex), with the matching engine."""
    from service.engine import load_engine
    from service.live import LiveIndex

    typer.echo(f"Lade Organisationen aus {_safe(db)} … (loading)", err=True)
    engine = load_engine()
    return LiveIndex(repository, engine).current(), engine


@app.command()
def clusters(
    db: DbOption = DEFAULT_DATABASE_URL,
    issue: Annotated[
        ProblemCode | None, typer.Option(case_sensitive=False, help="nur Arbeitgeber mit diesem Problem")
    ] = None,
    kreis: Annotated[str | None, typer.Option(help="Kreisschlüssel in NRW (05…) oder BW (08…), z. B. 05913")] = None,
    state: Annotated[ClusterState | None, typer.Option(case_sensitive=False, help="Land: DE-NW oder DE-BW")] = None,
    bbox: Annotated[
        str | None, typer.Option(help="minlon,minlat,maxlon,maxlat (WGS84), z. B. 7.3,51.45,7.6,51.6")
    ] = None,
    min_size: Annotated[int | None, typer.Option(help="Mindestzahl Mitglieder je Cluster (2–1000, Standard 5)")] = None,
    eps_km: Annotated[
        float | None, typer.Option(help="Nachbarschaft in km (DBSCAN eps, > 0 bis 20, Standard 0.5)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="nur die besten N Cluster (Zählungen bleiben)")] = None,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Stichtag für Förderprogramme (Standard: heute)")
    ] = None,
    output: Annotated[
        ClusterOutput, typer.Option("--format", case_sensitive=False, help="table, json oder geojson (mit Mitgliedern)")
    ] = ClusterOutput.TABLE,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="Ausgabedatei (Standard: stdout)")] = None,
) -> None:
    """Clusters of employers sharing a problem (as GET /api/v1/clusters, with all member ids: admin level)."""
    import json
    from datetime import date

    from pydantic import ValidationError

    from matcher.errors import InputError
    from matcher.planning.clusters.finding import clusters_to_geojson, find_clusters
    from matcher.settings import ClusterSettings

    for name, value in (("eps_km", eps_km), ("min_members", min_size)):
        try:
            ClusterSettings.model_validate({name: value} if value is not None else {})
        except ValidationError:
            _fail(f"Ungültiger Wert für '{_CLUSTER_OPTIONS[name]}': {value}; erlaubt: {_range_text(name)}.", code=2)
    if limit is not None and limit < 1:
        _fail(f"Ungültiger Wert für '--limit': {limit}; erlaubt: mindestens 1.", code=2)
    region = _cluster_region(kreis, state.value if state is not None else None, bbox)
    snapshot, engine = _load_snapshot(_existing_repository(db), db)
    day = as_of.date() if as_of is not None else date.today()
    try:
        answer = find_clusters(
            snapshot.index, engine.reference, engine.settings, as_of=day, region=region, problem=issue,
            eps_km=eps_km, min_members=min_size, limit=limit,
        )  # fmt: skip
    except InputError as error:
        _fail(f"Ungültiger Wert für '{_CLUSTER_OPTIONS.get(error.field, error.field)}': {error.message}", code=2)
        return
    if output is ClusterOutput.TABLE:
        parameters = answer.parameters
        lines = [
            f"{german_int(len(answer.clusters))} Cluster (Stichtag {day:%d.%m.%Y}; eps "
            f"{str(parameters.eps_km).replace('.', ',')} km, mindestens {parameters.min_members} Mitglieder; "
            f"Problem: {parameters.problem_label or 'alle'}; Region: {_region_text(parameters.region)}). "
            f"Betrachtet {german_int(answer.considered)} Arbeitgeber, davon {german_int(answer.clustered)} in "
            f"Clustern, {german_int(answer.noise)} ohne Cluster.",
            *(_cluster_table(answer) if answer.clusters else []),
        ]
        text = "\n".join(lines) + "\n"
    elif output is ClusterOutput.JSON:
        text = answer.model_dump_json(indent=2) + "\n"
    else:
        text = json.dumps(clusters_to_geojson(answer, include_members=True), ensure_ascii=False, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Geschrieben: {len(answer.clusters):,} Cluster nach {out} ({output.value}).", err=True)


def _region_text(region: RegionFilter | None) -> str:
    if region is None:
        return "NRW und BW"
    parts = [
        f"Kreis {region.kreis}" if region.kreis else None,
        region.state,
        f"bbox {region.bbox}" if region.bbox else None,
    ]
    return ", ".join(part for part in parts if part)


@app.command()
def brief(
    organisation_id: Annotated[str, typer.Argument(metavar="ID", help="id der Organisation")],
    db: DbOption = DEFAULT_DATABASE_URL,
    as_of: Annotated[
        datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Stichtag für die Förderung (Standard: heute)")
    ] = None,
    out: Annotated[Path | None, typer.Option(dir_okay=False, help="HTML-Datei (Standard: brief-ID.html)")] = None,
) -> None:
    """Write the printable consultation brief of a stored organisation as HTML (one A4 page)."""
    from datetime import date

    from matcher.planning.brief import build_brief
    from service.brief_html import render_brief_html

    repository = _existing_repository(db)
    if repository.get(organisation_id) is None:  # before loading everything
        _fail(f"Organisation '{organisation_id}' nicht gefunden in {_safe(db)}. / Organisation not found.", code=2)
    snapshot, engine = _load_snapshot(repository, db)
    organisation = snapshot.organisations.get(organisation_id)
    if organisation is None:  # deleted in the meantime
        _fail(f"Organisation '{organisation_id}' nicht gefunden in {_safe(db)}. / Organisation not found.", code=2)
        return
    day = as_of.date() if as_of is not None else date.today()
    built = build_brief(
        organisation, snapshot.index, engine.vectoriser, engine.reference.catalog, engine.settings,
        as_of=day, include_invisible_peers=True,
    )  # fmt: skip
    peers = [snapshot.organisations[item.id] for item in built.peers.items if item.id in snapshot.organisations]
    target = out or Path(f"brief-{organisation_id}.html")
    target.write_text(render_brief_html(built, organisation, peers, engine.reference), encoding="utf-8")
    typer.echo(f"Beratungsbrief für {organisation_id} (Stand {day:%d.%m.%Y}) geschrieben: {target}")


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
