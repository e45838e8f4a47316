"""What every command group shares: the ``--db`` option, failing with a message, opening the database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import Engine, make_url

from matcher.wording import german_number
from service.config import ServiceSettings
from service.storage.database import DatabaseNotReadyError, ensure_up_to_date, make_engine
from service.storage.repository import OrganisationRepository

if TYPE_CHECKING:
    from service.engine import MatchingEngine
    from service.live import Snapshot

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="BMM_DATABASE_URL",
        help="Datenbank-URL (SQLAlchemy), z. B. sqlite:///bmm.db oder postgresql+psycopg://user@host/bmm.",
        show_default=True,
    ),
]


def settings_for(db: str | None = None) -> ServiceSettings:
    """The service settings (environment, prefix ``BMM_``), with the command's ``--db`` if it has one; a bad
    setting (e.g. an http geocoder URL off localhost) exits with its message."""
    try:
        return ServiceSettings() if db is None else ServiceSettings(database_url=db)
    except ValidationError as error:
        fail("Ungültige Einstellung: " + "; ".join(_setting_error(e) for e in error.errors(include_url=False)))


def _setting_error(error: Any) -> str:
    field = "BMM_" + str(error["loc"][0]).upper() if error["loc"] else "Einstellungen"
    message = str(error["msg"]).removeprefix("Value error, ")
    return message if message.startswith("BMM_") else f"{field}: {message}"


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` in red on stderr and exit with ``code`` (2: a bad option value, as Click does)."""
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=code)


def safe(url: str) -> str:
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for other backends and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def sqlite_size(url: str) -> str:
    """', database files 1.2 MB' for an existing SQLite file, else ''."""
    path = sqlite_file(url)
    if path is None or not path.exists():
        return ""
    # In WAL mode recent writes may still sit in the -wal file next to the database.
    size = sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
    return f", Datenbankdateien {german_number(round(size / 1e6, 1))} MB"


def migrated_engine(db: str) -> Engine:
    """An engine on a database at the newest schema, or exit 1 saying what to run."""
    engine = make_engine(db)
    try:
        ensure_up_to_date(engine)
    except DatabaseNotReadyError as error:
        fail(str(error))
    return engine


def existing_engine(db: str, hint: str = "Demodaten mit 'bmm demo --db {db}'") -> Engine:
    """An engine on an existing, migrated database (a missing SQLite file is not created; the message ends in
    ``hint``, where ``{db}`` stands for the URL without its password)."""
    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(f"Die Datenbankdatei {database_file} gibt es nicht. {hint.format(db=safe(db))}.")
    return migrated_engine(db)


def existing_repository(db: str) -> OrganisationRepository:
    """The organisations of an existing, migrated database (a missing SQLite file is not created)."""
    from service.storage.sql_repository import SqlOrganisationRepository

    return SqlOrganisationRepository(existing_engine(db))


def load_snapshot(repository: OrganisationRepository, db: str) -> tuple[Snapshot, MatchingEngine]:
    """All stored organisations and their index (the service's LiveIndex), with the matching engine and the
    imported timetable."""
    from service.engine import load_engine
    from service.live import LiveIndex
    from service.residence_places import ResidencePlaces
    from service.residences import ResidenceAnalyst
    from service.storage.residences import SqlResidenceRepository
    from service.storage.transit import SqlTransitStore

    typer.echo(f"Lade Organisationen aus {safe(db)} …", err=True)
    settings = settings_for(db)
    engine = load_engine(settings.resolved_models_dir(), settings.resolved_data_dir())
    database = make_engine(db)
    analyst = ResidenceAnalyst(engine.reference, engine.settings.transit, settings.residence_k)
    places = ResidencePlaces(SqlResidenceRepository(database), analyst)
    snapshot = LiveIndex(repository, engine, SqlTransitStore(database), home_places=places).current()
    return snapshot, snapshot.engine
