"""Imported GTFS feeds and their departures per stop (SQLAlchemy Core, SQLite and PostgreSQL).

A feed is written, replaced or removed in one transaction together with whatever the caller recomputes
from the new timetable (the stored organisations' transit fields, ``service/timetable.py``), so a reader
never sees departures without the profiles that follow from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, Engine, delete, select

from matcher.transit.departures import GroupDepartures, ModeGroup, StopDepartures, Timetable, merge_timetables
from matcher.transit.model import HourDepartures
from service.storage.tables import transit_departures, transit_feeds


@dataclass(frozen=True)
class FeedSummary:
    """What ``bmm transit status`` shows of one imported feed."""

    name: str
    source: str
    valid_from: date
    valid_to: date
    service_date: date
    feed_stops: int
    matched_by_name: int
    matched_by_position: int
    unmatched: int
    stops_covered: int
    imported_at: datetime


@dataclass(frozen=True)
class FeedDepartures:
    """An import ready to store: its summary and the departures per packaged stop with the feed's stop ids."""

    summary: FeedSummary
    departures: dict[str, StopDepartures]
    feed_stop_ids: dict[str, list[str]]  # packaged stop id → the feed's stops summed into it


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# Runs inside the write's transaction with the timetable as it will be after the write.
Recompute = Callable[[Connection, Timetable], object]


class SqlTransitStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def feeds(self) -> list[FeedSummary]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(transit_feeds).order_by(transit_feeds.c.name)).all()
        # SQLite returns naive timestamps (stored as UTC), PostgreSQL aware ones: aware on both.
        return [FeedSummary(**{**row._mapping, "imported_at": _aware(row.imported_at)}) for row in rows]

    def version(self) -> str:
        """Changes whenever a feed is imported, replaced or removed (cheap: one small table)."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(transit_feeds.c.name, transit_feeds.c.imported_at).order_by(transit_feeds.c.name)
            ).all()
        return hashlib.sha256(repr([(r.name, r.imported_at.isoformat()) for r in rows]).encode()).hexdigest()

    def timetable(self) -> dict[str, StopDepartures]:
        """Every feed's departures merged (per stop and mode group the feed with more departures wins)."""
        with self.engine.connect() as connection:
            return self._timetable(connection)

    def replace(self, feed: FeedDepartures, recompute: Recompute) -> None:
        """Store ``feed`` in place of an earlier import of the same name; all or nothing."""
        with self.engine.begin() as connection:
            self._delete(connection, feed.summary.name)
            connection.execute(transit_feeds.insert(), [vars(feed.summary)])
            rows = [
                {
                    "feed": feed.summary.name,
                    "stop_id": stop_id,
                    "mode_group": group.group.value,
                    "peak_per_hour": group.peak_per_hour,
                    "shift": [s.model_dump() for s in group.shift],
                    "feed_stop_ids": feed.feed_stop_ids.get(stop_id, []),
                }
                for stop_id, departures in feed.departures.items()
                for group in departures.groups
            ]
            for start in range(0, len(rows), 5_000):
                connection.execute(transit_departures.insert(), rows[start : start + 5_000])
            recompute(connection, self._timetable(connection))

    def remove(self, name: str, recompute: Recompute) -> bool:
        """Remove the feed ``name``; False if there is none."""
        with self.engine.begin() as connection:
            if not self._delete(connection, name):
                return False
            recompute(connection, self._timetable(connection))
            return True

    @staticmethod
    def _delete(connection: Connection, name: str) -> bool:
        # Departures explicitly too, so removal never depends on the backend's cascade settings.
        connection.execute(delete(transit_departures).where(transit_departures.c.feed == name))
        return connection.execute(delete(transit_feeds).where(transit_feeds.c.name == name)).rowcount > 0

    @staticmethod
    def _timetable(connection: Connection) -> dict[str, StopDepartures]:
        per_feed: dict[str, dict[str, list[GroupDepartures]]] = {}
        for row in connection.execute(select(transit_departures)):
            entry = GroupDepartures(
                group=ModeGroup(row.mode_group),
                peak_per_hour=row.peak_per_hour,
                shift=[HourDepartures.model_validate(s) for s in row.shift],
            )
            per_feed.setdefault(row.feed, {}).setdefault(row.stop_id, []).append(entry)
        timetables = [
            {stop: StopDepartures(groups=groups) for stop, groups in stops.items()} for stops in per_feed.values()
        ]
        return merge_timetables(timetables)
