"""Departures per stop from the tables of a GTFS feed, and the feed's stops matched to the packaged stop table.

Pure: the tables come in as frames (``service/io/gtfs.py`` reads the zip with partridge); times are seconds
after midnight of the service day, as partridge parses them. The rules (docs/transit.md, "Fahrpläne (GTFS)"):

- one representative weekday: the Monday–Friday date with the most trips in the feed's first full week
  (Monday–Sunday), else over the whole feed; a caller may name the date instead;
- a departure is a stop time of a trip running that day with a time, not the trip's last stop and not
  ``pickup_type`` 1 (no boarding); ``frequencies.txt`` trips are expanded by their headway;
- per stop, mode group and direction (``direction_id``; a feed without it counts as one direction with half
  the departures, assuming stops are served both ways) the departures in the morning peak (per hour) and
  within ± the window of each shift-change hour; the stop's figure is its busiest direction.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from matcher.geo.distance import chord_to_km, km_to_chord, to_unit_vectors
from matcher.settings import TimetableSettings
from matcher.transit.departures import MODE_GROUP_ORDER, GroupDepartures, ModeGroup, StopDepartures
from matcher.transit.model import HourDepartures
from matcher.transit.stops import TransitStops


class FeedError(ValueError):
    """The feed cannot be used; the message is German and names the file and field."""


def mode_group(route_type: int) -> ModeGroup | None:
    """GTFS route_type (basic and extended types) → mode group; ferries, cable cars and taxis count in none."""
    if route_type == 2 or 100 <= route_type <= 199:
        return ModeGroup.RAIL
    if route_type in (0, 1, 5, 7, 12) or 400 <= route_type <= 499 or 900 <= route_type <= 999:
        return ModeGroup.LIGHT_RAIL
    if route_type in (3, 11) or 200 <= route_type <= 299 or 700 <= route_type <= 899:
        return ModeGroup.BUS
    return None


def representative_day(trips_by_date: Mapping[date, int]) -> date:
    """The Monday–Friday date with the most trips in the first full week (Monday–Sunday) of the feed's period,
    else over the whole period; the earliest of equals."""
    served = {d: n for d, n in trips_by_date.items() if n > 0}
    if not served:
        raise FeedError("Der Feed hat an keinem Tag Fahrten (calendar.txt/calendar_dates.txt).")
    first, last = min(served), max(served)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    if monday + timedelta(days=6) <= last:
        week = [monday + timedelta(days=i) for i in range(5)]
        candidates = {d: served.get(d, 0) for d in week}
    else:
        candidates = {d: n for d, n in served.items() if d.weekday() < 5}
    if not candidates or max(candidates.values()) == 0:
        raise FeedError("Der Feed hat an keinem Werktag (Montag bis Freitag) Fahrten; bitte --date angeben.")
    return min(candidates, key=lambda d: (-candidates[d], d))


@dataclass(frozen=True)
class FeedTables:
    """What the count needs from a feed; times in seconds after midnight of the service day."""

    stops: pd.DataFrame  # stop_id, stop_name, stop_lat, stop_lon
    routes: pd.DataFrame  # route_id, route_type
    trips: pd.DataFrame  # trip_id, route_id, service_id, [direction_id]
    stop_times: pd.DataFrame  # trip_id, stop_id, stop_sequence, arrival_time, departure_time, [pickup_type]
    frequencies: pd.DataFrame | None = None  # trip_id, start_time, end_time, headway_secs


def departure_times(tables: FeedTables, service_ids: frozenset[str]) -> pd.DataFrame:
    """One row per departure on a day with these services: stop_id, group, direction, time (seconds)."""
    trips = tables.trips.loc[tables.trips["service_id"].astype(str).isin(service_ids)]
    routes = tables.routes.assign(group=tables.routes["route_type"].map(lambda t: mode_group(int(t))))
    trips = trips.merge(routes[["route_id", "group"]], on="route_id", how="inner")
    trips = trips.loc[trips["group"].notna()]
    if "direction_id" in trips:
        direction = pd.to_numeric(trips["direction_id"], errors="coerce").fillna(-1).astype(int)
    else:
        direction = pd.Series(-1, index=trips.index)
    trips = trips.assign(direction=direction)[["trip_id", "group", "direction"]]
    times = tables.stop_times.merge(trips, on="trip_id", how="inner")
    if times.empty:
        return pd.DataFrame({"stop_id": [], "group": [], "direction": [], "time": []})
    times = times.assign(time=times["departure_time"].fillna(times["arrival_time"]))
    last = times.groupby("trip_id")["stop_sequence"].transform("max")
    keep = (times["stop_sequence"] < last) & times["time"].notna()
    if "pickup_type" in times:
        keep &= pd.to_numeric(times["pickup_type"], errors="coerce").fillna(0) != 1
    times = times.loc[keep, ["trip_id", "stop_id", "group", "direction", "time"]]
    return _expand_frequencies(times, tables.frequencies)[["stop_id", "group", "direction", "time"]]


def _expand_frequencies(times: pd.DataFrame, frequencies: pd.DataFrame | None) -> pd.DataFrame:
    """Trips in frequencies.txt run every ``headway_secs`` from start to end time; their stop times are a template."""
    if frequencies is None or frequencies.empty:
        return times
    templated = times["trip_id"].isin(frequencies["trip_id"])
    template = times.loc[templated]
    offset = template["time"] - template.groupby("trip_id")["time"].transform("min")
    template = template.assign(offset=offset)
    runs = []
    for row in frequencies.to_dict("records"):
        headway = float(row["headway_secs"])
        if not headway > 0:
            raise FeedError(f"frequencies.txt: headway_secs muss größer als 0 sein (Fahrt {row['trip_id']}).")
        starts = np.arange(float(row["start_time"]), float(row["end_time"]), headway)
        stops = template.loc[template["trip_id"] == row["trip_id"]]
        if stops.empty or len(starts) == 0:
            continue
        repeated = stops.loc[stops.index.repeat(len(starts))]
        runs.append(repeated.assign(time=np.tile(starts, len(stops)) + repeated["offset"].to_numpy()))
    expanded: pd.DataFrame = pd.concat([times.loc[~templated], *runs], ignore_index=True)
    return expanded


def count_windows(departures: pd.DataFrame, settings: TimetableSettings) -> pd.DataFrame:
    """Per stop_id, group and direction: departures in the peak (``peak``) and around each shift hour (``h6``…)."""
    time = departures["time"].to_numpy(dtype=np.float64)
    columns = {"peak": (time >= settings.peak_start_hour * 3600) & (time < settings.peak_end_hour * 3600)}
    window = settings.shift_window_minutes * 60
    for hour in settings.shift_hours:
        columns[f"h{hour}"] = (time >= hour * 3600 - window) & (time < hour * 3600 + window)
    flags = pd.DataFrame({k: v.astype(np.int64) for k, v in columns.items()}, index=departures.index)
    keys = departures[["stop_id", "group", "direction"]]
    return pd.concat([keys, flags], axis=1).groupby(["stop_id", "group", "direction"], as_index=False).sum()


def stop_departures(
    counts: pd.DataFrame, stop_of: Mapping[str, str], settings: TimetableSettings
) -> dict[str, StopDepartures]:
    """Counts per feed stop (from :func:`count_windows`) summed per packaged stop (``stop_of``: feed stop id →
    packaged id; unmatched feed stops are left out), the busiest direction per window."""
    matched = counts.assign(stop=counts["stop_id"].map(stop_of)).dropna(subset=["stop"])
    windows = ["peak", *(f"h{h}" for h in settings.shift_hours)]
    per_direction = matched.groupby(["stop", "group", "direction"], as_index=False)[windows].sum()
    per_direction[windows] = per_direction[windows].astype(np.float64)
    # A feed without direction_id (-1) counts as one direction: half its departures go each way.
    undirected = per_direction["direction"] == -1
    per_direction.loc[undirected, windows] = per_direction.loc[undirected, windows] / 2
    busiest = per_direction.groupby(["stop", "group"], as_index=False)[windows].max()
    hours = settings.peak_end_hour - settings.peak_start_hour
    result: dict[str, list[GroupDepartures]] = {}
    for values in busiest.to_dict("records"):
        # Halved counts of a feed without directions round up: one departure is still one.
        shift = [HourDepartures(hour=h, departures=math.ceil(values[f"h{h}"])) for h in settings.shift_hours]
        group = ModeGroup(str(values["group"]))
        entry = GroupDepartures(group=group, peak_per_hour=float(values["peak"]) / hours, shift=shift)
        result.setdefault(str(values["stop"]), []).append(entry)
    return {
        stop: StopDepartures(groups=sorted(groups, key=lambda g: MODE_GROUP_ORDER.index(g.group)))
        for stop, groups in result.items()
    }


# -- matching the feed's stops to the packaged stop table -------------------------------------------------------

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Words that say what a stop is, not which one: sharing them proves nothing.
_GENERIC = {
    "bahnhof",
    "bf",
    "hbf",
    "haltestelle",
    "hst",
    "bus",
    "busbahnhof",
    "zob",
    "platz",
    "str",
    "strasse",
    "gleis",
    "steig",
    "bstg",
    "richtung",
    "mitte",
    "nord",
    "sued",
    "ost",
    "west",
    "markt",
}


def name_words(name: str) -> set[str]:
    """Lower-case words of a stop name, umlauts folded, generic words and words under 3 letters left out."""
    folded = unicodedata.normalize("NFC", name.lower()).translate(_FOLD)
    words = re.split(r"[^a-z0-9]+", unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode())
    return {w for w in words if len(w) >= 3 and w not in _GENERIC}


def _stop_words(packaged_name: str) -> set[str]:
    """The words of a packaged name without its town ('Kampstraße, Dortmund' → {'kampstrasse'})."""
    stop, _, town = packaged_name.rpartition(",")
    return name_words(stop) if stop else name_words(town)


def _share_a_word(a: set[str], b: set[str]) -> bool:
    # 'kampstr' (feed abbreviation) and 'kampstrasse' share a word: one starts with the other (4+ letters).
    return any(x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x))) for x in a for y in b)


@dataclass(frozen=True)
class StopMatch:
    feed_stop_id: str
    stop_id: str | None  # packaged id; None: unmatched
    distance_km: float | None
    by_name: bool


def match_stops(feed_stops: pd.DataFrame, packaged: TransitStops, settings: TimetableSettings) -> list[StopMatch]:
    """Each feed stop (stop_id, stop_name, stop_lat, stop_lon) to the nearest packaged stop within
    ``match_radius_km`` that shares a name word, else to the nearest one within ``match_position_km``."""
    frame = packaged.frame
    located = np.isfinite(feed_stops["stop_lat"].to_numpy(dtype=np.float64)) & np.isfinite(
        feed_stops["stop_lon"].to_numpy(dtype=np.float64)
    )
    # A stop without coordinates (GTFS allows them for some location types) cannot be placed: unmatched.
    unplaced = [StopMatch(str(i), None, None, False) for i in feed_stops.loc[~located, "stop_id"]]
    feed_stops = feed_stops.loc[located]
    tree = cKDTree(to_unit_vectors(frame["lat"].to_numpy(dtype=np.float64), frame["lon"].to_numpy(dtype=np.float64)))
    vectors = to_unit_vectors(
        feed_stops["stop_lat"].to_numpy(dtype=np.float64), feed_stops["stop_lon"].to_numpy(dtype=np.float64)
    )
    candidates = tree.query_ball_point(vectors, r=km_to_chord(settings.match_radius_km))
    ids = frame["id"].to_numpy(dtype=str)
    names = frame["name"].to_numpy(dtype=str)
    matches = []
    for row, near, vector in zip(feed_stops.itertuples(index=False), candidates, vectors, strict=True):
        words = name_words(str(row.stop_name))
        chords = np.linalg.norm(tree.data[near] - vector, axis=1) if near else np.empty(0)
        ranked = sorted(zip(chord_to_km(chords).tolist(), near, strict=True))
        named = [(km, j) for km, j in ranked if _share_a_word(words, _stop_words(names[j]))]
        if named:
            km, j = named[0]
            matches.append(StopMatch(str(row.stop_id), str(ids[j]), km, True))
        elif ranked and ranked[0][0] <= settings.match_position_km:
            km, j = ranked[0]
            matches.append(StopMatch(str(row.stop_id), str(ids[j]), km, False))
        else:
            matches.append(StopMatch(str(row.stop_id), None, None, False))
    return matches + unplaced
