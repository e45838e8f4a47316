"""Transit quality of sites: the nearest stop per mode class and a class A–D/none after the Swiss ÖV-Güteklassen.

The class of a site is the best class any single stop gives it; a stop's class follows from its category and its
distance in the bands of ``TransitSettings``. The category comes from the stop's departures where an imported
timetable covers it (``matcher.transit.departures``), else from the mode as a proxy for the interval
(long-distance station > RE/RB/S-Bahn > Stadtbahn/tram > bus). Distances are great-circle, not walking routes.
See docs/transit.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.geo.distance import FloatArray, chord_to_km, to_unit_vectors
from matcher.models import assembled
from matcher.settings import TransitBands, TransitSettings
from matcher.transit.departures import GroupDepartures, ModeGroup, StopDepartures, StopLevel, stop_level
from matcher.transit.model import TRANSIT_CLASS_ORDER, HourDepartures, NearestStop, TransitClass, TransitMode
from matcher.transit.stops import CATEGORY_GROUP, CategoryStops, StopCategory, TransitStops

# The reported nearest stop per mode class comes from these categories (hubs are also rail stops).
MODE_CATEGORY = {
    TransitMode.RAIL: StopCategory.RAIL,
    TransitMode.SUBURBAN: StopCategory.SUBURBAN,
    TransitMode.LIGHT_RAIL: StopCategory.LIGHT_RAIL,
    TransitMode.BUS: StopCategory.BUS,
}


# The mode a proxy category's stop is named by, and a timetabled stop by the group giving its class (rail: by
# its letters, S-Bahn where only S-Bahn trains call).
CATEGORY_MODE = {
    StopCategory.HUB: TransitMode.RAIL,
    StopCategory.RAIL: TransitMode.RAIL,
    StopCategory.SUBURBAN: TransitMode.SUBURBAN,
    StopCategory.LIGHT_RAIL: TransitMode.LIGHT_RAIL,
    StopCategory.BUS: TransitMode.BUS,
}
GROUP_MODE = {ModeGroup.LIGHT_RAIL: TransitMode.LIGHT_RAIL, ModeGroup.BUS: TransitMode.BUS}
NO_CLASS = TransitBands(a_km=0.0, b_km=0.0, c_km=0.0, d_km=0.0)  # bands never reached: a stop giving no class


@dataclass(frozen=True)
class TransitAccess:
    """Transit quality of one site: its class, the stop that gives it (None for class none) and every mode's nearest."""

    transit_class: TransitClass
    best: NearestStop | None
    stops: list[NearestStop]  # one per mode class present in the data, in TransitMode order


def category_bands(settings: TransitSettings) -> dict[StopCategory, TransitBands]:
    return {
        StopCategory.HUB: settings.hub,
        StopCategory.RAIL: settings.rail,
        StopCategory.SUBURBAN: settings.rail,
        StopCategory.LIGHT_RAIL: settings.light_rail,
        StopCategory.BUS: settings.bus,
    }


def level_bands(settings: TransitSettings) -> dict[StopLevel, TransitBands]:
    """The distance bands of a category from departures: the same rows as the proxy's categories I–V."""
    return {
        StopLevel.I: settings.hub,
        StopLevel.II: settings.rail,
        StopLevel.III: settings.light_rail,
        StopLevel.IV: settings.bus,
        StopLevel.V: settings.rural_bus,
    }


def class_rank(distance_km: FloatArray, bands: TransitBands) -> npt.NDArray[np.int64]:
    """Index into TRANSIT_CLASS_ORDER (0 = A … 4 = none) per distance; a band's limit belongs to it."""
    limits = np.array([bands.a_km, bands.b_km, bands.c_km, bands.d_km], dtype=np.float64)
    # A class whose limit is 0 is never reached (a bus stop on the spot is still not class A).
    reachable = limits > 0
    rank = np.full(distance_km.shape, len(limits), dtype=np.int64)
    for i in range(len(limits) - 1, -1, -1):
        if reachable[i]:
            rank[distance_km <= limits[i]] = i
    return rank


def _rank(distance_km: float, bands: TransitBands) -> int:
    """:func:`class_rank` of one distance, without an array (called for every stop of every imported site)."""
    rank = 4
    for i, limit in ((3, bands.d_km), (2, bands.c_km), (1, bands.b_km), (0, bands.a_km)):
        if limit > 0 and distance_km <= limit:
            rank = i
    return rank


def stop_label(mode: TransitMode, letters: str) -> str:
    """German kind of stop from its mode letters (F long-distance, R RE/RB, S, U Stadtbahn, T tram, B bus)."""
    if mode is TransitMode.RAIL:
        return "Fernverkehrsbahnhof" if "F" in letters else "Bahnhof"
    if mode is TransitMode.SUBURBAN:
        return "S-Bahn-Halt"
    if mode is TransitMode.LIGHT_RAIL:
        # HAFAS calls most Stadtbahn lines "subway" (Dortmund, Köln), some "tram" (Stuttgart): only U is certain.
        return "Stadtbahn-Haltestelle" if "U" in letters else "Stadtbahn-/Straßenbahn-Haltestelle"
    return "Bushaltestelle"


@dataclass(frozen=True)
class _Table:
    """One tree the class is looked up in: a proxy category or a category from departures."""

    stops: CategoryStops
    bands: TransitBands
    rural: TransitBands | None  # bands for sites in sparsely populated municipalities (proxy bus stops)
    category: StopCategory | None  # proxy category, None for a table from departures


def _tables(stops: TransitStops, settings: TransitSettings) -> list[_Table]:
    proxy_bands = category_bands(settings)
    tables = [
        _Table(table, proxy_bands[c], settings.rural_bus if c is StopCategory.BUS else None, c)
        for c, table in stops.proxy.items()
    ]
    by_level = level_bands(settings)
    tables.extend(_Table(table, by_level[level], None, None) for level, table in stops.timetabled.items())
    return tables


def transit_access(
    stops: TransitStops,
    lat: Sequence[float] | FloatArray,
    lon: Sequence[float] | FloatArray,
    settings: TransitSettings,
    sparse: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
) -> list[TransitAccess]:
    """Transit quality for many sites: one vectorised k-d tree query per stop table.

    ``sparse`` marks sites in sparsely populated municipalities, whose bus stops without a timetable count as
    category V."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    n = len(lat_a)
    if n == 0:
        return []
    rural = np.zeros(n, dtype=bool) if sparse is None else np.asarray(sparse, dtype=bool)
    vectors = to_unit_vectors(lat_a, lon_a)
    queried: dict[int, tuple[FloatArray, npt.NDArray[np.int64]]] = {}  # by table identity: proxy tables are
    # the full category tables wherever no feed covers a category, and are queried once for both uses
    tables, distances, positions, ranks = _per_table(stops, vectors, settings, rural, queried)
    nearest = _nearest_per_mode(stops, vectors, queried)
    if tables:
        rank_matrix, dist_matrix = np.stack(ranks), np.stack(distances)  # (tables, n)
        best_rank = rank_matrix.min(axis=0)
        # The stop giving the class is, among the tables reaching it, the nearest one.
        giving = np.where(rank_matrix == best_rank, dist_matrix, np.inf).argmin(axis=0)
    else:
        best_rank = np.full(n, len(TRANSIT_CLASS_ORDER) - 1)
        giving = np.zeros(n, dtype=np.int64)
    # Sites near each other share their nearest stops: what a stop is (name, label, bands, departures) is looked up
    # once per stop and call, each site adds only its distance and the class that distance gives.
    kinds: dict[tuple[TransitMode, int, bool], _StopKind] = {}
    per_mode_columns = [(mode, table, km.tolist(), pos.tolist()) for mode, (table, km, pos) in nearest.items()]
    rural_list = rural.tolist()
    result = []
    for i in range(n):
        per_mode = []
        for mode, table, km_list, pos_list in per_mode_columns:
            key = (mode, pos_list[i], rural_list[i])
            kind = kinds.get(key)
            if kind is None:
                kind = kinds[key] = _stop_kind(stops, settings, mode, table, pos_list[i], rural_list[i])
            per_mode.append(kind.at(km_list[i]))
        site_class = TRANSIT_CLASS_ORDER[int(best_rank[i])]
        best = None
        if site_class is not TransitClass.NONE:
            t = int(giving[i])
            best = _giving_stop(stops, tables[t], int(positions[t][i]), float(distances[t][i]), site_class)
        result.append(TransitAccess(transit_class=site_class, best=best, stops=per_mode))
    return result


def site_class_ranks(
    stops: TransitStops,
    lat: FloatArray,
    lon: FloatArray,
    settings: TransitSettings,
    sparse: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.int64]:
    """The class of each site as an index into TRANSIT_CLASS_ORDER (0 = A … 4 = none), as ``transit_access`` decides
    it but without the answer objects: the demo generator classifies up to a million sites."""
    n = len(lat)
    rural = np.zeros(n, dtype=bool) if sparse is None else np.asarray(sparse, dtype=bool)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    _, _, _, ranks = _per_table(stops, to_unit_vectors(lat, lon), settings, rural, {})
    if not ranks:
        return np.full(n, len(TRANSIT_CLASS_ORDER) - 1, dtype=np.int64)
    return np.asarray(np.stack(ranks).min(axis=0), dtype=np.int64)


def _per_table(
    stops: TransitStops,
    vectors: FloatArray,
    settings: TransitSettings,
    rural: npt.NDArray[np.bool_],
    queried: dict[int, tuple[FloatArray, npt.NDArray[np.int64]]],
) -> tuple[list[_Table], list[FloatArray], list[npt.NDArray[np.int64]], list[npt.NDArray[np.int64]]]:
    """Per stop table: the table, and each site's distance to its nearest stop there, that stop's position and the
    class rank it gives (rural bands for bus stops at sparse sites)."""
    tables = _tables(stops, settings)
    distances, positions, ranks = [], [], []
    for table in tables:
        km, position = _query(table.stops, vectors, queried)
        rank = class_rank(km, table.bands)
        if table.rural is not None:
            rank = np.where(rural, class_rank(km, table.rural), rank)
        distances.append(km)
        positions.append(position)
        ranks.append(rank)
    return tables, distances, positions, ranks


def _query(
    table: CategoryStops, vectors: FloatArray, queried: dict[int, tuple[FloatArray, npt.NDArray[np.int64]]]
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Distance (km) and position of each site's nearest stop in ``table``, queried once per table."""
    if id(table) not in queried:
        chord, position = table.tree.query(vectors, k=1)
        queried[id(table)] = (chord_to_km(np.atleast_1d(chord)), np.atleast_1d(position).astype(np.int64))
    return queried[id(table)]


def _nearest_per_mode(
    stops: TransitStops, vectors: FloatArray, queried: dict[int, tuple[FloatArray, npt.NDArray[np.int64]]]
) -> dict[TransitMode, tuple[CategoryStops, FloatArray, npt.NDArray[np.int64]]]:
    """Per mode class present in the data: its table, and the distance and position of each site's nearest stop."""
    nearest = {}
    for mode in TransitMode:
        table = stops.categories.get(MODE_CATEGORY[mode])
        if table is not None:
            nearest[mode] = (table, *_query(table, vectors, queried))
    return nearest


def _rail_mode(letters: str) -> TransitMode:
    return TransitMode.SUBURBAN if "S" in letters and not any(c in letters for c in "FR") else TransitMode.RAIL


def _timetabled(
    mode: TransitMode, name: str, letters: str, km: float, bands: TransitBands,
    group: GroupDepartures, departures: StopDepartures,
) -> NearestStop:  # fmt: skip
    return NearestStop(
        mode=mode,
        name=name,
        label=stop_label(mode, letters),
        distance_km=km,
        transit_class=TRANSIT_CLASS_ORDER[_rank(km, bands)],
        departures_per_hour=round(group.peak_per_hour, 2),
        shift_departures=departures.shift_total(),
    )


def _giving_stop(stops: TransitStops, table: _Table, position: int, km: float, site_class: TransitClass) -> NearestStop:
    """The stop that gives the site its class, named by the mode that gives it."""
    letters = str(table.stops.modes[position])
    name = str(table.stops.names[position])
    if table.category is None:
        departures = stops.timetable[str(table.stops.ids[position])]
        group = departures.level()[1]
        assert group is not None  # only stops with a category are in these tables
        mode = _rail_mode(letters) if group.group is ModeGroup.RAIL else GROUP_MODE[group.group]
        return _timetabled(mode, name, letters, km, table.bands, group, departures)
    mode = CATEGORY_MODE[table.category]
    return NearestStop(mode=mode, name=name, label=stop_label(mode, letters), distance_km=km, transit_class=site_class)


@dataclass(frozen=True, slots=True)
class _StopKind:
    """What the nearest stop of one mode class is, whatever the distance of the site: the class it gives follows
    from the distance in ``bands``; the departure fields are set where a feed covers it (as :func:`_timetabled`)."""

    mode: TransitMode
    name: str
    label: str
    bands: TransitBands
    departures_per_hour: float | None = None
    shift_departures: list[HourDepartures] | None = None

    def at(self, km: float) -> NearestStop:
        """This stop at ``km`` (a k-d tree's distance: a float, never negative): as ``NearestStop(...)`` with the
        departure fields given only where a feed covers the stop, without validating again (a million sites)."""
        shift = self.shift_departures
        fields = {
            "mode": self.mode,
            "name": self.name,
            "label": self.label,
            "distance_km": km,
            "transit_class": TRANSIT_CLASS_ORDER[_rank(km, self.bands)],
            "departures_per_hour": self.departures_per_hour,
            "shift_departures": None if shift is None else list(shift),
        }
        return assembled(NearestStop, fields, _PROXY_FIELDS if shift is None else _TIMETABLED_FIELDS)


_TIMETABLED_FIELDS = frozenset(NearestStop.model_fields)
_PROXY_FIELDS = _TIMETABLED_FIELDS - {"departures_per_hour", "shift_departures"}


def _stop_kind(
    stops: TransitStops, settings: TransitSettings, mode: TransitMode, table: CategoryStops, position: int, rural: bool
) -> _StopKind:
    """The nearest stop of one mode class and how the class it alone gives is decided: from its departures where a
    feed covers this mode there, else from its own letters (a rail stop with long-distance trains is a hub)."""
    letters = str(table.modes[position])
    name = str(table.names[position])
    label = stop_label(mode, letters)
    category = MODE_CATEGORY[mode]
    departures = stops.departures(str(table.ids[position]))
    group = None if departures is None else departures.group(CATEGORY_GROUP[category])
    if departures is not None and group is not None:
        level = stop_level(group.group, group.peak_per_hour)
        # Served less than hourly: the stop gives no class (bands that are never reached).
        bands = NO_CLASS if level is None else level_bands(settings)[level]
        return _StopKind(mode, name, label, bands, round(group.peak_per_hour, 2), departures.shift_total())
    own = StopCategory.HUB if mode is TransitMode.RAIL and "F" in letters else category
    bands = settings.rural_bus if rural and own is StopCategory.BUS else category_bands(settings)[own]
    return _StopKind(mode, name, label, bands)
