"""One organisation's (or one pooled group's) residence analysis as the JSON-shaped answer of issue 14."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.anonymity import DEFAULT_K, Cell, check_k, merge_adjacent, visible_mask
from matcher.residences.distances import (
    DETOUR_FACTOR,
    DETOUR_SOURCE,
    PostcodeTable,
    RoadDistances,
    home_distances,
    transit_class_of,
)
from matcher.residences.potentials import MODES, PotentialSettings, potential_counts
from matcher.transit.model import TransitClass

BAND_EDGES_KM = (0.0, 2.0, 5.0, 10.0, 15.0, 25.0, 50.0)  # the last band is open: from 50 km on
TOP_MUNICIPALITIES = 10


@dataclass(frozen=True)
class Site:
    lat: float
    lon: float
    transit_class: TransitClass


@dataclass(frozen=True)
class AnalysisSettings:
    k: int = DEFAULT_K
    detour_factor: float = DETOUR_FACTOR
    potentials: PotentialSettings = field(default_factory=PotentialSettings)
    band_edges_km: tuple[float, ...] = BAND_EDGES_KM

    def __post_init__(self) -> None:
        check_k(self.k)


def _share(count: int | None, total: int) -> float | None:
    return None if count is None or total == 0 else round(count / total, 4)


def _cell(count: int, total: int, k: int) -> dict[str, Any]:
    cell = Cell.of(count, k)
    return {"count": cell.count, "suppressed": cell.suppressed, "share": _share(cell.count, total)}


@dataclass(frozen=True)
class Located:
    """Counts per postcode with their distances (internal to the analysis and pooling)."""

    postcodes: tuple[str, ...]
    counts: np.ndarray
    position: np.ndarray
    distance_km: np.ndarray
    distance_method: str
    distance_note: str | None


def locate(
    postcodes: tuple[str, ...],
    counts: np.ndarray,
    position: np.ndarray,
    site: Site,
    table: PostcodeTable,
    settings: AnalysisSettings,
    road: RoadDistances | None,
) -> Located:
    found = home_distances(
        postcodes, table.lat[position], table.lon[position], site.lat, site.lon, settings.detour_factor, road
    )
    return Located(postcodes, counts, position, found.km, found.method, found.note)


def analyse(
    residences: ResidenceCounts,
    site: Site,
    table: PostcodeTable,
    settings: AnalysisSettings | None = None,
    *,
    road: RoadDistances | None = None,
) -> dict[str, Any]:
    """``total``, ``k``, ``assumptions``, ``bands``, ``potentials``, ``origins``, ``other_origins``, ``municipalities``.

    Every cell holds 0 or ≥ k people or is suppressed (``count: null``); origins below k merge into
    ``other_origins`` (with secondary suppression, see ``anonymity``). ``road``: distances from a routing engine
    (the service asks it); where it has none, great circle × detour factor; ``assumptions`` says which."""
    settings = settings or AnalysisSettings()
    position = table.positions(residences.postcodes)
    counts = np.asarray(residences.counts, dtype=np.int64)
    located = locate(residences.postcodes, counts, position, site, table, settings, road)
    return analyse_located(located, site, table, settings)


def analyse_located(located: Located, site: Site, table: PostcodeTable, settings: AnalysisSettings) -> dict[str, Any]:
    k = settings.k
    counts, distance, position = located.counts, located.distance_km, located.position
    total = int(counts.sum())
    p = settings.potentials
    found = potential_counts(
        counts, distance, table.transit_rank[position], site.transit_class, table.lat[position],
        table.lon[position], p,
    )  # fmt: skip
    return {
        "total": total,
        "k": k,
        "assumptions": {
            "detour_factor": settings.detour_factor,
            "detour_factor_source": DETOUR_SOURCE,
            "walk_km": p.walk_km,
            "bike_km": p.bike_km,
            "pedelec_km": p.pedelec_km,
            "transit_rule": p.transit_rule,
            "carpool_rule": f"jenseits von {p.pedelec_km:g} km mit mindestens {p.carpool_min_colleagues} "
            f"Kolleginnen oder Kollegen in derselben PLZ oder einer PLZ im Umkreis von {p.carpool_radius_km:g} km",
            "distance": "vom PLZ-Mittelpunkt zum Standort",
            "distance_method": located.distance_method,
            "distance_note": located.distance_note,
        },
        "bands": bands(counts, distance, settings.band_edges_km, k),
        "potentials": {mode: _cell(found[mode], total, k) for mode in MODES},
        **origins(located, table, k),
        "municipalities": municipalities(counts, table.municipality[position], total, k),
    }


def bands(counts: np.ndarray, distance: np.ndarray, edges: tuple[float, ...], k: int) -> list[dict[str, Any]]:
    """Distance bands; adjacent bands merge until each holds 0 or ≥ k people (a lone band below k is suppressed)."""
    which = np.searchsorted(np.asarray(edges[1:]), distance, side="right")
    per_band = np.bincount(which, weights=counts, minlength=len(edges)).astype(np.int64)
    total = int(counts.sum())
    result = []
    for first, last in merge_adjacent(per_band, k):
        count = int(per_band[first : last + 1].sum())
        to_km = edges[last + 1] if last + 1 < len(edges) else None
        result.append({"from_km": edges[first], "to_km": to_km, **_cell(count, total, k)})
    return result


def origins(located: Located, table: PostcodeTable, k: int) -> dict[str, Any]:
    counts = located.counts
    total = int(counts.sum())
    visible = visible_mask(counts, k)
    rows = [
        {
            "postcode": located.postcodes[i],
            "municipality": str(table.municipality[located.position[i]]),
            "count": int(counts[i]),
            "share": _share(int(counts[i]), total),
            "distance_km": round(float(located.distance_km[i]), 1),
            "transit_class": transit_class_of(int(table.transit_rank[located.position[i]])).value,
        }
        for i in sorted(np.flatnonzero(visible), key=lambda i: (-int(counts[i]), located.postcodes[i]))
    ]
    return {"origins": rows, "other_origins": _cell(int(counts[~visible].sum()), total, k)}


def municipalities(counts: np.ndarray, names: np.ndarray, total: int, k: int) -> list[dict[str, Any]]:
    """Top origin municipalities (by people), each ≥ k; smaller ones stay in ``other_origins``-like anonymity."""
    unique, inverse = np.unique(names, return_inverse=True)
    per = np.bincount(inverse, weights=counts).astype(np.int64)
    visible = visible_mask(per, k)
    order = sorted(np.flatnonzero(visible), key=lambda i: (-per[i], str(unique[i])))[:TOP_MUNICIPALITIES]
    return [{"municipality": str(unique[i]), "count": int(per[i]), "share": _share(int(per[i]), total)} for i in order]
