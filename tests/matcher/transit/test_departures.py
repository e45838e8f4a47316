"""Departures from a timetable: category table, counting rules, representative day, stop matching, and the class
of sites near covered stops (the mode proxy elsewhere)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from matcher.geo.reference import GeoReference
from matcher.settings import TimetableSettings, TransitSettings
from matcher.transit.departures import (
    GroupDepartures,
    ModeGroup,
    StopDepartures,
    StopLevel,
    merge_timetables,
    stop_level,
)
from matcher.transit.gtfs import (
    FeedError,
    FeedTables,
    count_windows,
    departure_times,
    match_stops,
    mode_group,
    name_words,
    representative_day,
    stop_departures,
)
from matcher.transit.model import HourDepartures, NearestStop, TransitClass
from matcher.transit.quality import transit_access
from matcher.transit.text import class_phrase, shift_phrase
from tests.factories_gtfs import GRAEVINGHOLZ, NUSSBREDDE, north_of

SETTINGS = TransitSettings()
TIMETABLE = TimetableSettings()
STUTTGART = (48.7758, 9.1829)


def group(kind: ModeGroup, per_hour: float, shift: tuple[int, int, int] = (4, 4, 2)) -> GroupDepartures:
    hours = [HourDepartures(hour=h, departures=n) for h, n in zip((6, 14, 22), shift, strict=True)]
    return GroupDepartures(group=kind, peak_per_hour=per_hour, shift=hours)


@pytest.mark.parametrize(
    ("kind", "per_hour", "expected"),
    [
        (ModeGroup.RAIL, 13, StopLevel.I),  # interval < 5 min
        (ModeGroup.RAIL, 12, StopLevel.I),  # 5 min
        (ModeGroup.RAIL, 4, StopLevel.II),  # 15 min
        (ModeGroup.RAIL, 2, StopLevel.III),  # 30 min
        (ModeGroup.RAIL, 1, StopLevel.IV),  # 60 min: the last interval still counts
        (ModeGroup.LIGHT_RAIL, 12, StopLevel.II),
        (ModeGroup.LIGHT_RAIL, 6, StopLevel.III),  # 10 min
        (ModeGroup.BUS, 6, StopLevel.IV),
        (ModeGroup.BUS, 3, StopLevel.V),  # 20 min
        (ModeGroup.BUS, 1, StopLevel.V),
        (ModeGroup.BUS, 0.9, None),  # less than hourly: no category
        (ModeGroup.RAIL, 0, None),
    ],
)
def test_category_from_mode_group_and_interval(kind: ModeGroup, per_hour: float, expected: StopLevel | None) -> None:
    assert stop_level(kind, per_hour) is expected


def test_a_stop_takes_the_best_category_of_its_groups_and_feeds_merge_per_group() -> None:
    stop = StopDepartures(groups=[group(ModeGroup.LIGHT_RAIL, 4), group(ModeGroup.BUS, 13)])
    assert stop.level() == (StopLevel.II, stop.groups[1])  # buses every 4-5 min beat a 15-min tram
    assert [(d.hour, d.departures) for d in stop.shift_total()] == [(6, 8), (14, 8), (22, 4)]
    merged = merge_timetables(
        [{"s": StopDepartures(groups=[group(ModeGroup.BUS, 4)])},
         {"s": StopDepartures(groups=[group(ModeGroup.BUS, 6), group(ModeGroup.RAIL, 2)])}]
    )  # fmt: skip
    assert [(g.group, g.peak_per_hour) for g in merged["s"].groups] == [(ModeGroup.RAIL, 2), (ModeGroup.BUS, 6)]


@pytest.mark.parametrize(
    ("route_type", "expected"),
    [(2, ModeGroup.RAIL), (109, ModeGroup.RAIL), (0, ModeGroup.LIGHT_RAIL), (400, ModeGroup.LIGHT_RAIL),
     (900, ModeGroup.LIGHT_RAIL), (3, ModeGroup.BUS), (700, ModeGroup.BUS), (4, None), (1000, None)],
)  # fmt: skip
def test_route_types(route_type: int, expected: ModeGroup | None) -> None:
    assert mode_group(route_type) is expected


def test_representative_day_is_the_busiest_weekday_of_the_first_full_week() -> None:
    start = date(2026, 1, 1)  # a Thursday: the first full week starts on Monday 5 January
    trips = {start + timedelta(days=i): 100 for i in range(60)}
    trips[date(2026, 1, 2)] = 500  # busier, but before the first full week
    trips[date(2026, 1, 7)] = 120  # the Wednesday of the first full week
    trips[date(2026, 1, 10)] = 900  # a Saturday does not count
    assert representative_day(trips) == date(2026, 1, 7)
    # Shorter than a week: the busiest weekday of all; the earliest of equals.
    assert representative_day({date(2026, 1, 5): 10, date(2026, 1, 6): 10, date(2026, 1, 10): 50}) == date(2026, 1, 5)
    with pytest.raises(FeedError, match="Werktag"):
        representative_day({date(2026, 1, 10): 5, date(2026, 1, 11): 5})
    with pytest.raises(FeedError, match="keinem Tag"):
        representative_day({})


def _tables(stop_times: list[tuple[str, str, int, float | None, int]], trips: list[tuple[str, int | None]],
            frequencies: pd.DataFrame | None = None) -> FeedTables:  # fmt: skip
    """Trips (trip_id, direction_id) of one bus route; stop times (trip, stop, sequence, seconds, pickup_type)."""
    return FeedTables(
        stops=pd.DataFrame(columns=["stop_id", "stop_name", "stop_lat", "stop_lon"]),
        routes=pd.DataFrame({"route_id": ["r"], "route_type": [3]}),
        trips=pd.DataFrame(
            {
                "trip_id": [t for t, _ in trips],
                "route_id": "r",
                "service_id": "wk",
                "direction_id": [d for _, d in trips],
            }
        ),
        stop_times=pd.DataFrame(
            stop_times, columns=["trip_id", "stop_id", "stop_sequence", "departure_time", "pickup_type"]
        ).assign(arrival_time=lambda f: f["departure_time"]),
        frequencies=frequencies,
    )


def test_counting_leaves_out_last_stops_no_boarding_and_untimed_stops() -> None:
    h = 3600.0
    tables = _tables(
        [("t1", "a", 1, 7 * h, 0), ("t1", "b", 2, 7 * h + 60, 1), ("t1", "c", 3, None, 0),
         ("t1", "d", 4, 7 * h + 300, 0), ("t2", "a", 1, 13.6 * h, 0), ("t2", "d", 2, 13.7 * h, 0)],
        [("t1", 0), ("t2", 0)],
    )  # fmt: skip
    departures = departure_times(tables, frozenset({"wk"}))
    assert sorted(departures["stop_id"]) == ["a", "a"]  # b: no boarding; c: no time; d: last stop
    counts = count_windows(departures, TIMETABLE).set_index("stop_id")
    assert counts.loc["a", "peak"] == 1
    assert counts.loc["a", "h14"] == 1  # 13:36 is within 14 h ± 30 min
    assert counts.loc["a", "h6"] == 0
    assert departure_times(tables, frozenset({"weekend"})).empty


def test_frequencies_expand_and_the_busiest_direction_counts() -> None:
    h = 3600.0
    frequencies = pd.DataFrame({"trip_id": ["f"], "start_time": [6 * h], "end_time": [9 * h], "headway_secs": [600.0]})
    tables = _tables(
        [("f", "a", 1, 0.0, 0), ("f", "b", 2, 120.0, 0), ("back", "a", 1, 7 * h, 0), ("back", "z", 2, 7.1 * h, 0)],
        [("f", 0), ("back", 1)],
        frequencies,
    )
    counts = count_windows(departure_times(tables, frozenset({"wk"})), TIMETABLE)
    result = stop_departures(counts, {"a": "A"}, TIMETABLE)
    (bus,) = result["A"].groups
    assert bus.peak_per_hour == 6.0  # every 10 minutes in direction 0; direction 1 has one trip
    assert [(d.hour, d.departures) for d in bus.shift] == [(6, 3), (14, 0), (22, 0)]
    # Without direction_id half the departures count for each direction (a stop is served both ways).
    undirected = _tables([("f", "a", 1, 0.0, 0), ("f", "b", 2, 120.0, 0)], [("f", None)], frequencies)
    counts = count_windows(departure_times(undirected, frozenset({"wk"})), TIMETABLE)
    assert stop_departures(counts, {"a": "A"}, TIMETABLE)["A"].groups[0].peak_per_hour == 3.0


def test_name_words_fold_umlauts_and_leave_out_generic_words() -> None:
    assert name_words("Dortmund Grävingholz") == {"dortmund", "graevingholz"}
    assert name_words("Hbf (Bstg. 3)") == set()
    assert name_words("Kampstraße") == {"kampstrasse"}


def test_feed_stops_match_by_name_within_300_m_else_by_position_within_100_m(geo: GeoReference) -> None:
    g_lat, g_lon = GRAEVINGHOLZ[2], GRAEVINGHOLZ[3]
    feed_stops = pd.DataFrame(
        [
            ("by-name", "Grävingholz", *north_of(g_lat, g_lon, 180)),
            ("by-position", "Haltepunkt Nord", *north_of(g_lat, g_lon, 40)),
            ("too-far", "Haltepunkt Süd", *north_of(g_lat, g_lon, -250)),
            ("wrong-name", "Brechten Zentrum", *north_of(g_lat, g_lon, 150)),
            ("no-position", "Grävingholz", float("nan"), float("nan")),
        ],
        columns=["stop_id", "stop_name", "stop_lat", "stop_lon"],
    )
    matches = {m.feed_stop_id: m for m in match_stops(feed_stops, geo.transit, TIMETABLE)}
    assert (matches["by-name"].stop_id, matches["by-name"].by_name) == (GRAEVINGHOLZ[0], True)
    assert matches["by-name"].distance_km == pytest.approx(0.18, abs=0.005)
    assert (matches["by-position"].stop_id, matches["by-position"].by_name) == (GRAEVINGHOLZ[0], False)
    assert matches["too-far"].stop_id is None
    assert matches["no-position"].stop_id is None
    assert matches["wrong-name"].stop_id != GRAEVINGHOLZ[0] or not matches["wrong-name"].by_name


def test_a_site_near_a_covered_stop_gets_its_class_from_departures_elsewhere_the_proxy_stays(geo: GeoReference) -> None:
    site = north_of(GRAEVINGHOLZ[2], GRAEVINGHOLZ[3], 150)
    lat, lon = [site[0], STUTTGART[0]], [site[1], STUTTGART[1]]
    before = transit_access(geo.transit, lat, lon, SETTINGS)
    assert before[0].transit_class is TransitClass.B  # Stadtbahn by the mode proxy: category III, ≤ 300 m
    assert before[0].best is not None
    assert before[0].best.departures_per_hour is None

    every_5_min = StopDepartures(groups=[group(ModeGroup.LIGHT_RAIL, 12, (12, 3, 2))])
    after = transit_access(geo.transit.with_timetable({GRAEVINGHOLZ[0]: every_5_min}), lat, lon, SETTINGS)
    assert after[0].transit_class is TransitClass.A  # every 5 minutes: category II, ≤ 300 m
    best = after[0].best
    assert best is not None
    assert (best.name, best.label, best.departures_per_hour) == (GRAEVINGHOLZ[1], "Stadtbahn-Haltestelle", 12)
    assert [(d.hour, d.departures) for d in best.shift_departures or []] == [(6, 12), (14, 3), (22, 2)]
    assert after[1] == before[1]  # Stuttgart: no feed there, the proxy as before
    phrase = class_phrase(after[0].transit_class, best, after[0].stops)
    assert "Stadtbahn-Haltestelle Grävingholz, Dortmund, 150 m, 12 Abfahrten/h in der Morgenspitze" in phrase
    assert shift_phrase(best.shift_departures or []) == "um 6 Uhr 12, um 14 Uhr 3 und um 22 Uhr 2 Abfahrten"


def test_a_rarely_served_stop_gives_no_class_and_a_bus_feed_leaves_the_rail_proxy(geo: GeoReference) -> None:
    site = north_of(NUSSBREDDE[2], NUSSBREDDE[3], 100)
    (before,) = transit_access(geo.transit, [site[0]], [site[1]], SETTINGS)
    assert before.transit_class is TransitClass.C
    assert before.best is not None
    assert before.best.name == NUSSBREDDE[1]
    school_bus = StopDepartures(groups=[group(ModeGroup.BUS, 1 / 3, (0, 0, 0))])
    (after,) = transit_access(geo.transit.with_timetable({NUSSBREDDE[0]: school_bus}), [site[0]], [site[1]], SETTINGS)
    assert after.best is None or after.best.name != NUSSBREDDE[1]
    (bus,) = [s for s in after.stops if s.name == NUSSBREDDE[1]]
    assert bus.transit_class is TransitClass.NONE
    assert bus.departures_per_hour == pytest.approx(0.33)

    frame = geo.transit.frame
    (hbf,) = frame.loc[frame["id"] == "8000080"].to_dict("records")  # Dortmund Hbf: ICE, RE, S, Stadtbahn, bus
    near = north_of(float(hbf["lat"]), float(hbf["lon"]), 200)
    rare_buses = StopDepartures(groups=[group(ModeGroup.BUS, 0.5, (0, 0, 0))])
    (station,) = transit_access(geo.transit.with_timetable({"8000080": rare_buses}), [near[0]], [near[1]], SETTINGS)
    assert station.transit_class is TransitClass.A  # the trains are not in the feed: the rail proxy stays


def test_sites_sharing_stops_get_what_each_alone_gets(geo: GeoReference) -> None:
    # transit_access looks each nearest stop up once per call: a crowd of sites around covered and uncovered stops,
    # sparse and not, must get exactly (values and fields set) what each site gets queried alone.
    timetable = {
        GRAEVINGHOLZ[0]: StopDepartures(groups=[group(ModeGroup.LIGHT_RAIL, 12, (12, 3, 2))]),
        NUSSBREDDE[0]: StopDepartures(groups=[group(ModeGroup.BUS, 0.5, (1, 0, 0))]),
    }
    stops = geo.transit.with_timetable(timetable)
    sites = [
        north_of(centre[2], centre[3] + 0.001 * (i % 3), 40.0 * i)
        for centre in (GRAEVINGHOLZ, NUSSBREDDE)
        for i in range(12)
    ] + [STUTTGART, north_of(*STUTTGART, 500)]
    lat, lon = [s[0] for s in sites], [s[1] for s in sites]
    sparse = [i % 2 == 0 for i in range(len(sites))]
    together = transit_access(stops, lat, lon, SETTINGS, sparse=sparse)
    alone = [transit_access(stops, [a], [o], SETTINGS, sparse=[s])[0] for a, o, s in zip(lat, lon, sparse, strict=True)]
    assert together == alone
    for shared, single in zip(together, alone, strict=True):
        assert [s.model_dump(exclude_unset=True) for s in shared.stops] == [
            s.model_dump(exclude_unset=True) for s in single.stops
        ]
    every_stop = [s for access in together for s in access.stops]
    assert any(s.departures_per_hour is not None for s in every_stop)  # the timetabled path is compared
    assert any(s.departures_per_hour is None for s in every_stop)  # and the proxy path
    assert len({s.name for s in every_stop}) < len(every_stop)  # sites do share stops
    for stop in every_stop:
        assert_as_validated(stop)


def assert_as_validated(stop: NearestStop) -> None:
    """A stop assembled without validation is what the validating constructor makes of its fields."""
    given = set(NearestStop.model_fields) - (
        {"departures_per_hour", "shift_departures"} if stop.shift_departures is None else set()
    )
    assert stop.model_fields_set == given  # the departure fields are given where a feed covers the stop
    again = NearestStop(**{name: getattr(stop, name) for name in given})
    assert stop == again
    assert stop.model_fields_set == again.model_fields_set
    assert stop.model_dump_json() == again.model_dump_json()
