"""A small GTFS feed written in code: stops near real packaged stops (data/geo/transit_stops.csv), trips and
stop times, zipped into a temporary folder. Synthetic: no real timetable."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# Real packaged stops the tests place feed stops at (id, name, lat, lon, modes).
GRAEVINGHOLZ = ("360186", "Grävingholz, Dortmund", 51.55859, 7.46446)  # Stadtbahn U + bus, no railway within 3 km
NUSSBREDDE = ("164724", "Mühlhausen Nußbredde, Unna", 51.54401, 7.74042)  # bus only
GERICHTSSTRASSE = ("414740", "Gerichtsstraße, Unna", 51.53165, 7.68629)  # bus
M_PER_DEG_LAT = 111_195.0


def north_of(lat: float, lon: float, metres: float) -> tuple[float, float]:
    return lat + metres / M_PER_DEG_LAT, lon


def every(start: str, end: str, minutes: int) -> list[str]:
    """Times 'HH:MM' from ``start`` (inclusive) to ``end`` (exclusive) every ``minutes``."""
    h, m = map(int, start.split(":"))
    stop_h, stop_m = map(int, end.split(":"))
    times, t = [], h * 60 + m
    while t < stop_h * 60 + stop_m:
        times.append(f"{t // 60:02d}:{t % 60:02d}")
        t += minutes
    return times


@dataclass
class FeedBuilder:
    """Tables of a feed; ``write`` zips them. Every trip runs from one stop to a second 10 minutes later."""

    stops: list[dict[str, object]] = field(default_factory=list)
    routes: list[dict[str, object]] = field(default_factory=list)
    trips: list[dict[str, object]] = field(default_factory=list)
    stop_times: list[dict[str, object]] = field(default_factory=list)
    # Monday 2026-01-05 to Friday 2026-03-27, weekdays only.
    calendar: list[dict[str, object]] = field(
        default_factory=lambda: [
            {"service_id": "wk", "monday": 1, "tuesday": 1, "wednesday": 1, "thursday": 1, "friday": 1,
             "saturday": 0, "sunday": 0, "start_date": "20260105", "end_date": "20260327"}
        ]
    )  # fmt: skip
    calendar_dates: list[dict[str, object]] = field(default_factory=list)  # exceptions, or the only calendar
    leave_out: dict[str, str] = field(default_factory=dict)  # file → column to drop (broken feeds)

    def stop(self, stop_id: str, name: str, lat: float, lon: float) -> FeedBuilder:
        self.stops.append({"stop_id": stop_id, "stop_name": name, "stop_lat": f"{lat:.6f}", "stop_lon": f"{lon:.6f}"})
        return self

    def route(self, route_id: str, route_type: int) -> FeedBuilder:
        self.routes.append({"route_id": route_id, "agency_id": "A", "route_short_name": route_id,
                            "route_type": route_type})  # fmt: skip
        return self

    def departures(
        self, route_id: str, origin: str, destination: str, times: list[str], direction: int = 0
    ) -> FeedBuilder:
        for time in times:
            trip_id = f"{route_id}-{origin}-{len(self.trips)}"
            self.trips.append({"route_id": route_id, "service_id": "wk", "trip_id": trip_id, "direction_id": direction})
            h, m = map(int, time.split(":"))
            arrive = h * 60 + m + 10
            for sequence, (stop_id, at) in enumerate(
                [(origin, f"{time}:00"), (destination, f"{arrive // 60:02d}:{arrive % 60:02d}:00")]
            ):
                self.stop_times.append({"trip_id": trip_id, "arrival_time": at, "departure_time": at,
                                        "stop_id": stop_id, "stop_sequence": sequence + 1})  # fmt: skip
        return self

    def line_trip(self, route_id: str, stops: list[str], time: str, direction: int = 0) -> FeedBuilder:
        """One trip through ``stops``, 2 minutes apart, leaving the first at ``time``."""
        trip_id = f"{route_id}-{len(self.trips)}"
        self.trips.append({"route_id": route_id, "service_id": "wk", "trip_id": trip_id, "direction_id": direction})
        h, m = map(int, time.split(":"))
        for sequence, stop_id in enumerate(stops):
            t = h * 60 + m + 2 * sequence
            at = f"{t // 60:02d}:{t % 60:02d}:00"
            self.stop_times.append({"trip_id": trip_id, "arrival_time": at, "departure_time": at,
                                    "stop_id": stop_id, "stop_sequence": sequence + 1})  # fmt: skip
        return self

    def write(self, path: Path) -> Path:
        tables: dict[str, list[dict[str, object]]] = {
            "agency.txt": [{"agency_id": "A", "agency_name": "Testverkehr (synthetisch)", "agency_url": "https://example.org",
                            "agency_timezone": "Europe/Berlin"}],
            "stops.txt": self.stops,
            "routes.txt": self.routes,
            "trips.txt": self.trips,
            "stop_times.txt": self.stop_times,
            "calendar.txt": self.calendar,
            "calendar_dates.txt": self.calendar_dates,
        }  # fmt: skip
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, rows in tables.items():
                if not rows:  # an empty table is left out of the zip
                    continue
                columns = [c for c in rows[0] if c != self.leave_out.get(name)]
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
                archive.writestr(name, buffer.getvalue())
        return path


def standard_feed(stadtbahn_every: int = 5) -> FeedBuilder:
    """A Stadtbahn at Grävingholz (every ``stadtbahn_every`` minutes 5–10 h, every 20 minutes until 21 h, then
    21:40 and 22:10), one school bus at Mühlhausen Nußbredde at 07:15, a bus at 'Unna Amtsgericht' next to the
    packaged Gerichtsstraße (matched by position only) and a terminus far outside the area (unmatched)."""
    g_lat, g_lon = GRAEVINGHOLZ[2] + 0.0001, GRAEVINGHOLZ[3]  # 11 m off the packaged position
    n_lat, n_lon = NUSSBREDDE[2], NUSSBREDDE[3] + 0.0002
    a_lat, a_lon = GERICHTSSTRASSE[2] + 0.0003, GERICHTSSTRASSE[3]  # 33 m off
    stadtbahn = every("05:00", "10:00", stadtbahn_every) + every("10:00", "21:00", 20) + ["21:40", "22:10"]
    return (
        FeedBuilder()
        .stop("g1", "Dortmund Grävingholz", g_lat, g_lon)
        .stop("n1", "Unna-Mühlhausen Nußbredde", n_lat, n_lon)
        .stop("a1", "Unna Amtsgericht", a_lat, a_lon)
        .stop("far", "Irgendwo Endstation", 54.5, 4.0)
        .route("U42", 400)
        .route("SB1", 700)
        .route("B7", 3)
        .departures("U42", "g1", "far", stadtbahn, direction=0)
        .departures("U42", "far", "g1", every("06:00", "09:00", 30), direction=1)
        .departures("SB1", "n1", "far", ["07:15"])
        .departures("B7", "a1", "far", every("06:00", "20:00", 30))
    )
