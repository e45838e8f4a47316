"""``bmm transit import|status|remove``: GTFS feeds whose departures replace the mode proxy (docs/transit.md)."""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from matcher.wording import german_int, german_number
from service.cli.common import DbOption, existing_engine, fail, safe, settings_for
from service.cli.tables import format_table
from service.config import DEFAULT_DATABASE_URL

if TYPE_CHECKING:
    from sqlalchemy import Engine

app = typer.Typer(
    help="Fahrpläne (GTFS): Abfahrten je Haltestelle statt der Verkehrsmittel-Näherung für die ÖV-Güteklasse.",
    no_args_is_help=True,
)

FEED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
WEEKDAYS_DE = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


def _database(db: str) -> Engine:
    return existing_engine(db, hint="Anlegen mit 'bmm init --db {db}'")


@app.command("import")
def transit_import(
    feed: Annotated[Path, typer.Argument(help="GTFS-Feed als ZIP-Datei", exists=True, dir_okay=False, readable=True)],
    name: Annotated[
        str | None, typer.Option(help="Name des Feeds (Standard: Dateiname ohne .zip); ersetzt einen gleichnamigen")
    ] = None,
    on: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=["%Y-%m-%d"],
            help="gezählter Tag (JJJJ-MM-TT); Standard: der Werktag mit den meisten Fahrten in der ersten vollen Woche",
        ),
    ] = None,
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """GTFS-Feed einlesen: Abfahrten je Haltestelle in der Morgenspitze (6–9 Uhr) und zu den Schichtwechseln
    (6, 14, 22 Uhr ± 30 Minuten). Alles oder nichts; gespeicherte Profile werden neu eingestuft."""
    from matcher.reference import load_reference_data
    from matcher.transit.gtfs import FeedError
    from service.io.gtfs import ZipLimits
    from service.timetable import import_feed

    feed_name = name if name is not None else feed.name.removesuffix(".zip")
    if not FEED_NAME.fullmatch(feed_name):
        fail(
            f"Ungültiger Wert für '--name': „{feed_name}“; erlaubt sind 1–100 Buchstaben, Ziffern, '.', '_' und '-', "
            "beginnend mit Buchstabe oder Ziffer.",
            code=2,
        )
    engine = _database(db)
    settings = settings_for(db)
    started = time.perf_counter()
    reference = load_reference_data(settings.resolved_data_dir())
    limits = ZipLimits(entry_bytes=settings.gtfs_max_entry_bytes, total_bytes=settings.gtfs_max_bytes)
    try:
        outcome = import_feed(engine, reference, feed, feed_name, limits, on=on.date() if on is not None else None)
    except FeedError as error:
        fail(f"GTFS-Feed {feed.name} nicht importiert, die Datenbank ist unverändert: {error}")
    s = outcome.feed
    assert s is not None
    typer.echo(
        f"Feed „{s.name}“ importiert in {safe(db)}: Fahrplan {s.valid_from:%d.%m.%Y} bis {s.valid_to:%d.%m.%Y}, "
        f"gezählt am {_day(s.service_date)}."
    )
    typer.echo(
        f"Haltestellen mit Abfahrten: {german_int(s.feed_stops)}; der Haltestellentabelle zugeordnet "
        f"{german_int(s.matched_by_name)} über den Namen, {german_int(s.matched_by_position)} nur über die Lage, "
        f"nicht zugeordnet {german_int(s.unmatched)}; abgedeckt {german_int(s.stops_covered)} Haltestellen."
    )
    typer.echo(
        f"{german_int(outcome.changed)} gespeicherte Organisationen neu eingestuft "
        f"({german_number(round(time.perf_counter() - started, 1))} s)."
    )


def _day(day: date) -> str:
    return f"{WEEKDAYS_DE[day.weekday()]}, {day:%d.%m.%Y}"


@app.command("status")
def transit_status(db: DbOption = DEFAULT_DATABASE_URL) -> None:
    """Importierte Feeds auflisten: Name, Fahrplanzeitraum, gezählter Tag, abgedeckte Haltestellen, Importzeit."""
    from service.storage.transit import SqlTransitStore

    feeds = SqlTransitStore(_database(db)).feeds()
    if not feeds:
        typer.echo(f"Keine GTFS-Feeds in {safe(db)}; die ÖV-Güteklasse nutzt überall die Verkehrsmittel-Näherung.")
        typer.echo("Importieren mit: bmm transit import FEED.zip")
        return
    rows = [
        ("Name", "Datei", "Fahrplan", "gezählt am", "abgedeckt", "zugeordnet", "nicht zugeordnet", "importiert (UTC)")
    ]
    for f in feeds:
        rows.append(
            (
                f.name,
                f.source,
                f"{f.valid_from:%d.%m.%Y}–{f.valid_to:%d.%m.%Y}",
                _day(f.service_date),
                german_int(f.stops_covered),
                german_int(f.matched_by_name + f.matched_by_position),
                german_int(f.unmatched),
                f"{f.imported_at:%Y-%m-%d %H:%M}",
            )
        )
    for line in format_table(rows, right=[False, False, False, False, True, True, True, False]):
        typer.echo(line)


@app.command("remove")
def transit_remove(
    name: Annotated[str, typer.Argument(help="Name des Feeds, siehe 'bmm transit status'")],
    db: DbOption = DEFAULT_DATABASE_URL,
) -> None:
    """Feed entfernen; wo er Haltestellen abdeckte, gilt wieder die Verkehrsmittel-Näherung."""
    from matcher.reference import load_reference_data
    from service.timetable import remove_feed

    engine = _database(db)
    outcome = remove_feed(engine, load_reference_data(settings_for(db).resolved_data_dir()), name)
    if outcome is None:
        fail(f"Kein GTFS-Feed „{name}“ in {safe(db)}; die Namen zeigt 'bmm transit status'.")
    typer.echo(f"Feed „{name}“ entfernt; {german_int(outcome.changed)} gespeicherte Organisationen neu eingestuft.")
