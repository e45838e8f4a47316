"""Read a GTFS feed (zip) into departures per packaged stop, with partridge; see docs/transit.md.

The zip is checked before anything is inflated: only the GTFS tables at its top level are extracted, each
and all together within the limits of ``ServiceSettings`` (declared sizes checked first, bytes counted while
extracting). Required files and columns are checked with a German message naming them; whatever else makes
the feed unreadable becomes a :class:`FeedError` too. Nothing is written here.
"""

from __future__ import annotations

import csv
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from matcher.settings import TimetableSettings
from matcher.transit.gtfs import (
    FeedError,
    FeedTables,
    count_windows,
    departure_times,
    match_stops,
    representative_day,
    stop_departures,
)
from matcher.transit.stops import TransitStops
from matcher.wording import german_number
from service.config import MEGABYTE
from service.storage.transit import FeedDepartures, FeedSummary

REQUIRED_COLUMNS = {
    "stops.txt": ("stop_id", "stop_name", "stop_lat", "stop_lon"),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
}
CALENDARS = ("calendar.txt", "calendar_dates.txt")  # at least one of them
# Files the count reads; others in the zip (shapes, fares, …) are neither inflated nor read.
USED = (*REQUIRED_COLUMNS, *CALENDARS, "agency.txt", "frequencies.txt")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class ZipLimits:
    entry_bytes: int
    total_bytes: int


def _megabytes(size: int) -> str:
    return f"{german_number(round(size / MEGABYTE, 1))} MB"


def extract_tables(path: Path, target: Path, limits: ZipLimits) -> list[str]:
    """Extract the GTFS tables the count reads from the zip's top level into ``target``; their names."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FeedError(f"{path.name} ist keine lesbare ZIP-Datei ({type(error).__name__}).") from None
    with archive:
        entries = [i for i in archive.infolist() if not i.is_dir() and i.filename in USED]
        for entry in entries:
            if entry.file_size > limits.entry_bytes:
                raise FeedError(
                    f"{entry.filename} ist entpackt {_megabytes(entry.file_size)} groß; erlaubt sind höchstens "
                    f"{_megabytes(limits.entry_bytes)} je Datei (BMM_GTFS_MAX_ENTRY_BYTES)."
                )
        total = sum(e.file_size for e in entries)
        if total > limits.total_bytes:
            raise FeedError(
                f"Die GTFS-Tabellen sind entpackt {_megabytes(total)} groß; erlaubt sind höchstens "
                f"{_megabytes(limits.total_bytes)} (BMM_GTFS_MAX_BYTES)."
            )
        written = 0
        for entry in entries:
            with archive.open(entry) as source, (target / entry.filename).open("wb") as sink:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > limits.total_bytes:  # a header that lies about the size
                        raise FeedError(f"{entry.filename} ist größer als im ZIP-Verzeichnis angegeben.")
                    sink.write(chunk)
    return [e.filename for e in entries]


def check_columns(directory: Path, names: list[str]) -> None:
    """Required files and their columns, and at least one calendar file."""
    for file, columns in REQUIRED_COLUMNS.items():
        if file not in names:
            raise FeedError(f"{file} fehlt im Feed (erwartet auf oberster Ebene der ZIP-Datei).")
        with (directory / file).open(encoding="utf-8-sig", newline="") as handle:
            header = {c.strip() for c in next(csv.reader(handle), [])}
        missing = [c for c in columns if c not in header]
        if missing:
            raise FeedError(f"{file}: Spalte(n) {', '.join(missing)} fehlen; erforderlich sind {', '.join(columns)}.")
    if not any(c in names for c in CALENDARS):
        raise FeedError("calendar.txt und calendar_dates.txt fehlen: der Feed sagt nicht, an welchen Tagen er fährt.")


def read_feed(
    path: Path,
    name: str,
    stops: TransitStops,
    settings: TimetableSettings,
    limits: ZipLimits,
    on: date | None = None,
) -> FeedDepartures:
    """Departures per packaged stop from the GTFS zip at ``path`` on ``on`` (default: the representative weekday)."""
    import partridge as ptg  # only the import command needs it

    with tempfile.TemporaryDirectory(prefix="bmm-gtfs-") as folder, warnings.catch_warnings():
        # partridge 1.1 calls DataFrame.rename(inplace=True), deprecated in pandas 3.1 (removed in 4, which
        # pyproject excludes); the warning says nothing about the feed.
        warnings.filterwarnings("ignore", message="The inplace keyword", module=r"partridge(\.|$)")
        directory = Path(folder)
        names = extract_tables(path, directory, limits)
        check_columns(directory, names)
        try:
            trips_by_date = ptg.read_trip_counts_by_date(str(directory))
            services_by_date = ptg.read_service_ids_by_date(str(directory))
            day = on if on is not None else representative_day(trips_by_date)
            if day not in services_by_date:
                first, last = min(services_by_date, default=None), max(services_by_date, default=None)
                raise FeedError(f"Am {day:%d.%m.%Y} fährt laut Feed nichts (Fahrplanzeitraum {first} bis {last}).")
            services = frozenset(str(s) for s in services_by_date[day])
            feed = ptg.load_feed(str(directory), view={"trips.txt": {"service_id": services}})
            frequencies = feed.frequencies if "frequencies.txt" in names else None
            tables = FeedTables(feed.stops, feed.routes, feed.trips, feed.stop_times, frequencies)
            departures = departure_times(tables, services)
            served = tables.stops.loc[tables.stops["stop_id"].isin(set(departures["stop_id"]))]
        except FeedError:
            raise
        # partridge checks feeds with assert ("No service found in feed.").
        except (
            AssertionError,
            KeyError,
            ValueError,
            TypeError,
            IndexError,
            UnicodeDecodeError,
            pd.errors.ParserError,
        ) as error:
            raise FeedError(f"Der Feed ist fehlerhaft ({type(error).__name__}: {error}).") from None
    if departures.empty:
        raise FeedError(f"Der Feed hat am {day:%d.%m.%Y} keine Abfahrten von Bus, Bahn, Stadtbahn oder Straßenbahn.")
    matches = match_stops(served, stops, settings)
    stop_of = {m.feed_stop_id: m.stop_id for m in matches if m.stop_id is not None}
    if not stop_of:
        raise FeedError(
            "Keine Haltestelle des Feeds liegt bei einer Haltestelle der mitgelieferten Tabelle (NRW, BW und Umland)."
        )
    by_stop = stop_departures(count_windows(departures, settings), stop_of, settings)
    feed_stop_ids: dict[str, list[str]] = {}
    for feed_stop, stop in sorted(stop_of.items()):
        feed_stop_ids.setdefault(stop, []).append(feed_stop)
    summary = FeedSummary(
        name=name,
        source=path.name,
        valid_from=min(services_by_date),
        valid_to=max(services_by_date),
        service_date=day,
        feed_stops=len(matches),
        matched_by_name=sum(m.by_name for m in matches if m.stop_id is not None),
        matched_by_position=sum(not m.by_name for m in matches if m.stop_id is not None),
        unmatched=sum(m.stop_id is None for m in matches),
        stops_covered=len(by_stop),
        imported_at=datetime.now(UTC),
    )
    return FeedDepartures(summary=summary, departures=by_stop, feed_stop_ids=feed_stop_ids)
