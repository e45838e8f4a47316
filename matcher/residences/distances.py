"""Home → site distance: great circle from the postcode centroid, times a detour factor for the road network.

The default factor 1.3 is the ratio of road to straight-line distance that Guhr and Schreckenberg's groups
(Universität Duisburg-Essen) found, 1.3 ± 0.1, for about 2,000 places in Germany, France, Spain, China and the USA
(npj Complexity 2024; press release https://idw-online.de/en/news846073). It is measured on motorway networks;
for short trips on local roads and paths it is an assumption (walking detour factors around 1.2 are accepted
in Swiss planning, VSS SN 640 070). Road distances from a routing engine (OSRM or Valhalla, asked by the service)
replace it where given: ``RoadDistances``; postcodes without a route keep the estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.geo.distance import FloatArray, chord_to_km, haversine_km, to_unit_vectors
from matcher.geo.reference import GeoReference
from matcher.settings import TransitSettings
from matcher.transit.model import TRANSIT_CLASS_ORDER, TransitClass
from matcher.transit.quality import category_bands, class_rank
from matcher.transit.stops import StopCategory
from matcher.wording import german_number

DETOUR_FACTOR = 1.3
DETOUR_SOURCE = (
    "Straßen- ÷ Luftlinienentfernung 1,3 ± 0,1 (Universität Duisburg-Essen, Guhr/Schreckenberg, "
    "npj Complexity 2024; https://idw-online.de/en/news846073)"
)


@dataclass(frozen=True)
class PostcodeTable:
    """Every postcode with what the analysis needs, computed once from the reference geography."""

    index: pd.Index  # postcode → position
    lat: FloatArray
    lon: FloatArray
    municipality: np.ndarray  # short name of the postcode's first municipality
    ags: np.ndarray  # AGS of that municipality ('' where the reference does not know it)
    kreis: np.ndarray  # Kreis code of that municipality
    transit_rank: np.ndarray  # index into TRANSIT_CLASS_ORDER (0 = A … 4 = none) of the centroid

    @classmethod
    def build(cls, geo: GeoReference, transit: TransitSettings | None = None) -> PostcodeTable:
        postcodes = geo.postcodes
        first_ags = postcodes["ags_list"].fillna("").str.split(";").str[0]
        municipalities = geo.municipalities.set_index("ags")
        known = first_ags.isin(municipalities.index)
        names = np.where(known, first_ags.map(municipalities["short_name"]), postcodes["name"]).astype(str)
        kreis = np.where(known, first_ags.map(municipalities["kreis_code"]), "").astype(str)
        ags = np.where(known, first_ags, "").astype(str)
        sparse = (first_ags.map(municipalities["urbanisation_code"]) == "03").to_numpy(dtype=bool)
        lat = postcodes["lat"].to_numpy(dtype=np.float64)
        lon = postcodes["lon"].to_numpy(dtype=np.float64)
        return cls(
            index=pd.Index(postcodes["plz"].astype(str)),
            lat=lat,
            lon=lon,
            municipality=names,
            ags=ags,
            kreis=kreis,
            transit_rank=transit_ranks(geo, lat, lon, sparse, transit or TransitSettings()),
        )

    def positions(self, postcodes: tuple[str, ...] | list[str]) -> np.ndarray:
        position = self.index.get_indexer(pd.Index(list(postcodes)))
        if (position < 0).any():
            missing = [p for p, i in zip(postcodes, position, strict=True) if i < 0]
            raise ValueError(f"postcode: unbekannte Postleitzahl „{missing[0]}“")
        return position


def transit_ranks(
    geo: GeoReference, lat: FloatArray, lon: FloatArray, sparse: np.ndarray, settings: TransitSettings
) -> np.ndarray:
    """Transit class rank per point, vectorised (the same rule as ``matcher.transit.quality.transit_access``)."""
    vectors = to_unit_vectors(lat, lon)
    bands = category_bands(settings)
    best = np.full(len(lat), len(TRANSIT_CLASS_ORDER) - 1, dtype=np.int64)
    for category, table in geo.transit.categories.items():
        chord, _ = table.tree.query(vectors, k=1)
        km = chord_to_km(np.atleast_1d(chord))
        rank = class_rank(km, bands[category])
        if category is StopCategory.BUS:
            rank = np.where(sparse, class_rank(km, settings.rural_bus), rank)
        best = np.minimum(best, rank)
    return best


def transit_class_of(rank: int) -> TransitClass:
    return TRANSIT_CLASS_ORDER[int(rank)]


def road_km(
    site_lat: float, site_lon: float, lat: FloatArray, lon: FloatArray, detour_factor: float = DETOUR_FACTOR
) -> FloatArray:
    """Estimated road distance in km: great circle from each centroid to the site × ``detour_factor``."""
    if not 1.0 <= detour_factor <= 3.0:
        raise ValueError(f"detour_factor: {detour_factor} liegt nicht zwischen 1 und 3")
    return np.asarray(haversine_km(lat, lon, site_lat, site_lon) * detour_factor, dtype=np.float64)


@dataclass(frozen=True)
class RoadDistances:
    """Road distances from a routing engine, asked by the service: km from each postcode centroid to the site.

    ``source`` names the engine as people read it ("OSRM, osrm.example.org"). Postcodes missing from ``km`` keep the
    detour-factor estimate: no route, farther than ``within_km`` in a straight line (not asked), or the engine
    failed (``failure`` says why, in German)."""

    source: str
    km: Mapping[str, float]
    failure: str | None = None
    within_km: float | None = None


@dataclass(frozen=True)
class HomeDistances:
    """Distance per postcode and how it was found, as ``assumptions`` reports it."""

    km: FloatArray
    method: str  # "Straßennetz (OSRM, host)" or "Luftlinie × 1,3", or both when some postcodes had no route
    note: str | None  # why the routing engine was not (fully) used


def _estimate_label(detour_factor: float) -> str:
    return f"Luftlinie × {german_number(detour_factor)}"


def home_distances(
    postcodes: Sequence[str],
    lat: FloatArray,
    lon: FloatArray,
    site_lat: float,
    site_lon: float,
    detour_factor: float,
    road: RoadDistances | None = None,
) -> HomeDistances:
    """Road distances where ``road`` has them, else great circle × ``detour_factor`` (see ``road_km``)."""
    estimated = road_km(site_lat, site_lon, lat, lon, detour_factor)
    estimate = _estimate_label(detour_factor)
    if road is None:
        return HomeDistances(estimated, estimate, None)
    routed = np.fromiter((road.km.get(p, np.nan) for p in postcodes), dtype=np.float64, count=len(postcodes))
    found = np.isfinite(routed) & (routed >= 0)
    km = np.where(found, routed, estimated)
    if found.all():
        return HomeDistances(km, f"Straßennetz ({road.source})", None)
    unrouted = "PLZ ohne Route"
    if road.within_km is not None:
        unrouted += f" oder weiter als {german_number(road.within_km)} km Luftlinie"
    if not found.any():
        return HomeDistances(km, estimate, road.failure or f"Straßennetz ({road.source}): {unrouted}")
    return HomeDistances(km, f"Straßennetz ({road.source}); {unrouted}: {estimate}", road.failure)
