"""``bmm keys create|list|revoke``: API keys (stored hashed; a new key is printed once)."""

from __future__ import annotations

from typing import Annotated

import typer

from service.auth import Role
from service.cli.common import DbOption, fail, migrated_engine, safe, settings_for
from service.cli.tables import format_table
from service.config import DEFAULT_DATABASE_URL
from service.storage.database import make_engine, upgrade

app = typer.Typer(
    help="API-Schlüssel verwalten: erzeugen, auflisten, widerrufen (Header X-API-Key).",
    no_args_is_help=True,
)


@app.command("create")
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
    """API-Schlüssel erzeugen und einmal ausgeben (als letzte Zeile). Migriert zuerst die Datenbank wie 'init'."""
    from matcher.reference import load_reference_data
    from service.auth import InvalidSubjectError, SqlApiKeyRepository, SubjectRules

    rules = SubjectRules.from_reference(load_reference_data(settings_for(db).resolved_data_dir()))
    try:
        rules.check(role, subject)
    except InvalidSubjectError as error:
        fail(f"Ungültiger Wert für '--subject': {str(error).removeprefix('subject: ')}", code=2)
    engine = make_engine(db)
    upgrade(engine)
    key_id, secret = SqlApiKeyRepository(engine).create(role, subject, rules=rules, label=label)
    bound = f" für {subject.strip()}" if subject and subject.strip() else ""
    typer.echo(f"API-Schlüssel {key_id} angelegt (Rolle {role.value}{bound}) in {safe(db)}.")
    typer.echo("Er wird nur dieses eine Mal angezeigt; gespeichert ist nur sein Hash. Senden im Header X-API-Key:")
    typer.echo(secret)


@app.command("list")
def keys_list(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """API-Schlüssel auflisten (nie ihre Geheimnisse), widerrufene mit Grund und Zeitpunkt."""
    from service.auth import SqlApiKeyRepository

    keys = SqlApiKeyRepository(migrated_engine(db)).list()
    if not keys:
        typer.echo(f"Keine API-Schlüssel in {safe(db)}. Anlegen mit: bmm keys create --role admin")
        return
    rows = [("id", "Rolle", "gilt für", "Notiz", "angelegt", "widerrufen")]
    for key in keys:
        rows.append(
            (
                key.id,
                key.role.value,
                key.subject or "-",
                key.label or "-",
                f"{key.created_at:%Y-%m-%d %H:%M}",
                key.revocation_de(),
            )
        )
    for line in format_table(rows):
        typer.echo(line)


@app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="id des Schlüssels, siehe 'bmm keys list'")],
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """API-Schlüssel widerrufen; er wird ab dann abgewiesen (der Eintrag bleibt gelistet)."""
    from service.auth import SqlApiKeyRepository

    if not SqlApiKeyRepository(migrated_engine(db)).revoke(key_id):
        fail(f"Kein API-Schlüssel mit der id '{key_id}' in {safe(db)}; die ids zeigt 'bmm keys list'.")
    typer.echo(f"API-Schlüssel {key_id} ist widerrufen.")
