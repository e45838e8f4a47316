"""Transit quality of sites: the nearest stop per mode class and a class A–D/none after the Swiss ÖV-Güteklassen.

The class of a site is the best class any single stop gives it; a stop's class follows from its category (the
mode as a proxy for the interval: long-distance station > RE/RB/S-Bahn > Stadtbahn/tram > bus) and its distance
in the bands of ``TransitSettings``. Distances are great-circle, not walking routes. See docs/transit.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.geo.distance import FloatArray, chord_to_km, to_unit_vectors
from matcher.settings import TransitBands, TransitSettings
from matcher.transit.model import TRANSIT_CLASS_ORDER, NearestStop, TransitClass, TransitMode
from matcher.transit.stops import StopCategory, TransitStops

# The reported nearest stop per mode class comes from these categories (hubs are also rail stops).
MODE_CATEGORY = {
    TransitMode.RAIL: StopCategory.RAIL,
    TransitMode.SUBURBAN: StopCategory.SUBURBAN,
    TransitMode.LIGHT_RAIL: StopCategory.LIGHT_RAIL,
    TransitMode.BUS: StopCategory.BUS,
}


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


def transit_access(
    stops: TransitStops,
    lat: Sequence[float] | FloatArray,
    lon: Sequence[float] | FloatArray,
    settings: TransitSettings,
    sparse: Sequence[bool] | npt.NDArray[np.bool_] | None = None,
) -> list[TransitAccess]:
    """Transit quality for many sites: one vectorised k-d tree query per stop category.

    ``sparse`` marks sites in sparsely populated municipalities, whose bus stops count as category V."""
    lat_a = np.asarray(lat, dtype=np.float64)
    lon_a = np.asarray(lon, dtype=np.float64)
    n = len(lat_a)
    if n == 0:
        return []
    rural = np.zeros(n, dtype=bool) if sparse is None else np.asarray(sparse, dtype=bool)
    vectors = to_unit_vectors(lat_a, lon_a)
    bands = category_bands(settings)
    distance: dict[StopCategory, FloatArray] = {}
    nearest: dict[StopCategory, npt.NDArray[np.int64]] = {}
    rank: dict[StopCategory, npt.NDArray[np.int64]] = {}
    for category, table in stops.categories.items():
        chord, position = table.tree.query(vectors, k=1)
        distance[category] = chord_to_km(np.atleast_1d(chord))
        nearest[category] = np.atleast_1d(position).astype(np.int64)
        rank[category] = class_rank(distance[category], bands[category])
        if category is StopCategory.BUS:
            rank[category] = np.where(rural, class_rank(distance[category], settings.rural_bus), rank[category])
    # Best class per site; the stop giving it is, among the categories reaching that class, the nearest one.
    order = list(rank)
    ranks = np.stack([rank[c] for c in order])  # (categories, n)
    dists = np.stack([distance[c] for c in order])
    best_rank = ranks.min(axis=0)
    giving = np.where(ranks == best_rank, dists, np.inf).argmin(axis=0)
    result = []
    for i in range(n):
        site_bands = {**bands, StopCategory.BUS: settings.rural_bus} if rural[i] else bands
        per_mode = [
            _stop(
                stops,
                site_bands,
                MODE_CATEGORY[mode],
                int(nearest[MODE_CATEGORY[mode]][i]),
                float(distance[MODE_CATEGORY[mode]][i]),
            )
            for mode in TransitMode
            if MODE_CATEGORY[mode] in stops.categories
        ]
        site_class = TRANSIT_CLASS_ORDER[int(best_rank[i])]
        best = None
        if site_class is not TransitClass.NONE:
            category = order[int(giving[i])]
            best = _stop(stops, site_bands, category, int(nearest[category][i]), float(distance[category][i]))
        result.append(TransitAccess(transit_class=site_class, best=best, stops=per_mode))
    return result


def _stop(
    stops: TransitStops, bands: dict[StopCategory, TransitBands], category: StopCategory, position: int, km: float
) -> NearestStop:
    """The stop at ``position`` of ``category``'s table; its class from its own letters (a rail stop with
    long-distance trains is a hub)."""
    table = stops.categories[category]
    letters = str(table.modes[position])
    mode = TransitMode.RAIL if category in (StopCategory.HUB, StopCategory.RAIL) else TransitMode(category.value)
    own = StopCategory.HUB if mode is TransitMode.RAIL and "F" in letters else category
    rank = int(class_rank(np.array([km]), bands[own])[0])
    return NearestStop(
        mode=mode,
        name=str(table.names[position]),
        label=stop_label(mode, letters),
        distance_km=km,
        transit_class=TRANSIT_CLASS_ORDER[rank],
    )
