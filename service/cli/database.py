"""Database commands: ``bmm init``, ``bmm demo``, ``bmm serve``."""

from __future__ import annotations

import copy
from functools import partial
from typing import Annotated, Any

import typer

from matcher.wording import count_noun, german_int, german_number
from service.cli.common import DbOption, fail, safe, settings_for, sqlite_file, sqlite_size
from service.config import DEFAULT_DATABASE_URL
from service.storage.database import DatabaseNotReadyError, current_revision, ensure_up_to_date, make_engine, upgrade

app = typer.Typer()

WORKER_HEALTHCHECK_SECONDS = 60  # a worker silent for this long is hung: uvicorn replaces it


@app.command()
def init(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Datenbank anlegen oder auf das neueste Schema migrieren (speichert keine Daten)."""
    engine = make_engine(db)
    upgrade(engine)
    typer.echo(f"Datenbank bereit (Schema-Revision {current_revision(engine)}): {safe(db)}")


@app.command()
def demo(
    db: DbOption = DEFAULT_DATABASE_URL,
    size: Annotated[int, typer.Option(min=1, max=5_000_000, help="Anzahl zu erzeugender Organisationen")] = 20_000,
    seed: Annotated[int, typer.Option(min=0, help="Zufallsstartwert; derselbe Wert ergibt dieselben Daten")] = 42,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="nur eine Datenbank ohne Organisationen füllen")] = False,
) -> None:
    """Datenbank mit synthetischen Demo-Organisationen auf der echten Geografie von NRW und der Region Stuttgart füllen.

    Frühere synthetische Organisationen werden ersetzt, echte Profile nie angefasst. Gibt je Rolle einen neuen
    API-Schlüssel für die Demo aus (admin, advisor IHK Dortmund, planner NRW, ein Demo-Betrieb in Dortmund).
    """
    from matcher.reference import load_reference_data
    from service.auth import SqlApiKeyRepository
    from service.seeding import issue_demo_keys, seed_demo
    from service.storage.residences import SqlResidenceRepository
    from service.storage.sql_repository import SqlOrganisationRepository
    from service.timetable import stored_reference

    engine = make_engine(db)
    upgrade(engine)
    repository = SqlOrganisationRepository(engine)
    # Demo profiles get their transit fields with the imported timetable, as the service would give them.
    reference = stored_reference(engine, load_reference_data(settings_for(db).resolved_data_dir()))
    if if_empty and (existing := repository.count()):
        typer.echo(
            f"{safe(db)} enthält bereits {count_noun(existing, 'Organisation', 'Organisationen')}; "
            "nichts erzeugt (--if-empty)."
        )
    else:
        typer.echo(
            f"Erzeuge {count_noun(size, 'synthetische Organisation', 'synthetische Organisationen')} "
            f"(Startwert {seed}) …"
        )
        try:
            report = seed_demo(
                repository, reference, size=size, seed=seed, residences=SqlResidenceRepository(engine),
                data_dir=settings_for(db).resolved_data_dir(),
            )  # fmt: skip
        except ValueError as error:  # e.g. a size too small for the region's public bodies
            fail(f"Ungültiger Wert für '--size': {error}", code=2)
        typer.echo(
            "Gespeichert: "
            f"{count_noun(report.organisations, 'synthetische Organisation', 'synthetische Organisationen')} "
            f"in {safe(db)} (erzeugt in {german_number(round(report.generate_seconds, 1))} s, gespeichert in "
            f"{german_number(round(report.store_seconds, 1))} s{sqlite_size(db)})."
        )
        typer.echo(
            f"Synthetische Wohnorte für {count_noun(report.residences, 'Betrieb', 'Betriebe')} ab 10 Beschäftigten "
            f"(aus den Pendlerströmen der Bundesagentur für Arbeit), davon "
            f"{german_int(report.residence_consents)} mit Einwilligung zum Poolen."
        )
    typer.echo("Demo-Schlüssel (Header X-API-Key; frühere Demo-Schlüssel sind widerrufen):")
    for role, subject, secret in issue_demo_keys(SqlApiKeyRepository(engine), repository, reference):
        typer.echo(f"  {role.value:<12} {subject or '-':<22} {secret}")


def service_log_config() -> dict[str, Any]:
    """uvicorn's logging plus the service's own INFO lines (index loads and compactions, imports, key changes):
    operational facts with ids and counts, never personal data."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["service"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


@app.command()
def serve(
    db: DbOption = DEFAULT_DATABASE_URL,
    host: Annotated[str, typer.Option(help="Netzwerkschnittstelle")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP-Port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Anzahl Worker-Prozesse")] = 1,
) -> None:
    """HTTP-Dienst starten (API-Dokumentation unter /docs). Verweigert eine Datenbank mit fehlenden Migrationen."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from service.api.app import create_app

    database_file = sqlite_file(db)
    if database_file is not None and not database_file.exists():
        fail(
            f"Die Datenbankdatei {database_file} gibt es nicht. Demodaten mit 'bmm demo --db {safe(db)}', "
            f"eine leere Datenbank mit 'bmm init --db {safe(db)}'."
        )
    try:
        ensure_up_to_date(make_engine(db))
    except DatabaseNotReadyError as error:
        fail(str(error))
    typer.echo(f"bmm-match läuft auf http://{host}:{port} (Datenbank {safe(db)}) — beenden mit Strg+C")
    typer.echo(f"Web-Oberfläche: http://{host}:{port}/app/   API-Dokumentation: http://{host}:{port}/docs")
    # The settings travel to the workers inside the factory: uvicorn pickles its Config (and so this
    # partial with the frozen settings) into every spawned worker. Nothing is written to os.environ, no
    # settings file can go stale or leak, and a worker builds exactly the app the parent checked above.
    # uvicorn.run() insists on an import string for workers, so this is its tail with Config and Server.
    # uvicorn's own access log stays off: it writes client addresses and raw paths with ids and query strings.
    # The service's access log (BMM_ACCESS_LOG=json, service/api/observing.py) writes none of them.
    # uvicorn's supervisor kills a worker that does not answer its ping within timeout_worker_healthcheck
    # (default 5 s); a worker answers only once its imports are done, which on a busy 2-core machine took
    # longer, so workers were killed and respawned in a loop and never started (benchmarks/bench_scale.py).
    config = uvicorn.Config(
        partial(create_app, settings_for(db)), factory=True, host=host, port=port, workers=workers,
        access_log=False, timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, log_config=service_log_config(),
    )  # fmt: skip
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
