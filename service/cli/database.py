"""Database commands: ``bmm init``, ``bmm demo``, ``bmm serve``."""

from __future__ import annotations

from functools import partial
from typing import Annotated

import typer

from service.cli.common import DbOption, fail, safe, settings_for, sqlite_file, sqlite_size
from service.config import DEFAULT_DATABASE_URL
from service.storage.database import DatabaseNotReadyError, current_revision, ensure_up_to_date, make_engine, upgrade

app = typer.Typer()


@app.command()
def init(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Create the database or migrate it to the newest schema (stores no data)."""
    engine = make_engine(db)
    upgrade(engine)
    typer.echo(f"Database ready at schema revision {current_revision(engine)}: {safe(db)}")


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
    reference = load_reference_data(settings_for(db).resolved_data_dir())
    if if_empty and (existing := repository.count()):
        typer.echo(f"{safe(db)} already holds {existing:,} organisations; nothing generated (--if-empty).")
    else:
        typer.echo(f"Generating {size:,} synthetic organisations (seed {seed}) …")
        try:
            report = seed_demo(repository, reference, size=size, seed=seed)
        except ValueError as error:  # e.g. a size too small for the region's public bodies
            fail(f"Invalid value for '--size': {error}", code=2)
        typer.echo(
            f"Stored {report.organisations:,} synthetic organisations in {safe(db)} (generated in "
            f"{report.generate_seconds:.1f} s, stored in {report.store_seconds:.1f} s{sqlite_size(db)})."
        )
    typer.echo("Demo keys (header X-API-Key; earlier demo keys are revoked):")
    for role, subject, secret in issue_demo_keys(SqlApiKeyRepository(engine), repository, reference):
        typer.echo(f"  {role.value:<12} {subject or '-':<22} {secret}")


@app.command()
def serve(
    db: DbOption = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="worker processes")] = 1,
) -> None:
    """Start the HTTP service (API docs at /docs). Refuses a database that lacks migrations."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from service.api.app import create_app

    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(
            f"The database file {database_file} does not exist. Run 'bmm demo --db {safe(db)}' for demo data "
            f"or 'bmm init --db {safe(db)}' for an empty database."
        )
    try:
        ensure_up_to_date(make_engine(db))
    except DatabaseNotReadyError as error:
        fail(str(error))
    typer.echo(f"Serving bmm-match on http://{host}:{port} (database {safe(db)}) — stop with Ctrl+C")
    typer.echo(f"Web-Oberfläche: http://{host}:{port}/app/   API-Dokumentation: http://{host}:{port}/docs")
    # The settings travel to the workers inside the factory: uvicorn pickles its Config (and so this
    # partial with the frozen settings) into every spawned worker. Nothing is written to os.environ, no
    # settings file can go stale or leak, and a worker builds exactly the app the parent checked above.
    # uvicorn.run() insists on an import string for workers, so this is its tail with Config and Server.
    config = uvicorn.Config(partial(create_app, settings_for(db)), factory=True, host=host, port=port, workers=workers)
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
        else:
            server.run()
    except KeyboardInterrupt:
        pass
    if workers == 1 and not server.started:
        raise typer.Exit(code=3)  # uvicorn's STARTUP_FAILURE, e.g. the port is taken
