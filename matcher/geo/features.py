"""Location features from the real reference data: transit quality, urbanisation, density, commuting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.geo.distance import chord_to_km, to_unit_vectors
from matcher.geo.reference import GeoReference
from matcher.models import Location, LocationFeatures, assembled
from matcher.settings import TransitSettings
from matcher.transit.quality import transit_access
from matcher.vocabulary import URBANISATION_BY_DESTATIS_CODE, Urbanisation


def location_features(
    geo: GeoReference, locations: Sequence[Location], transit: TransitSettings | None = None
) -> list[LocationFeatures]:
    """Features for many resolved locations (each stop search is one vectorised k-d tree query).

    The features depend on the point and its municipality only, so each distinct site is computed once and its
    (frozen) features shared: a member list located by postcode centroids has a few thousand distinct sites
    among a million rows."""
    if not locations:
        return []
    first_of: dict[tuple[float, float, str], int] = {}
    site = [first_of.setdefault((loc.lat, loc.lon, loc.municipality_ags), len(first_of)) for loc in locations]
    if len(first_of) < len(locations):
        distinct = _location_features(geo, [locations[i] for i in _firsts(site)], transit)
        return [distinct[s] for s in site]
    return _location_features(geo, locations, transit)


def _firsts(site: list[int]) -> list[int]:
    """The position of each site's first location, in site order."""
    firsts: dict[int, int] = {}
    for position, s in enumerate(site):
        firsts.setdefault(s, position)
    return list(firsts.values())


def _location_features(
    geo: GeoReference, locations: Sequence[Location], transit: TransitSettings | None
) -> list[LocationFeatures]:
    lat = np.array([loc.lat for loc in locations], dtype=np.float64)
    lon = np.array([loc.lon for loc in locations], dtype=np.float64)
    chord, station = geo.station_tree.query(to_unit_vectors(lat, lon), k=1)
    station_km = chord_to_km(np.atleast_1d(chord))
    # Indexed before converting: converting whole tables costs milliseconds per call.
    station_names = geo.stations["name"].to_numpy()[np.atleast_1d(station)].astype(str)
    municipalities = geo.municipalities
    density = municipalities["density_per_km2"].to_numpy(dtype=np.float64)
    urbanisation = municipalities["urbanisation_code"].to_numpy()
    positions = [geo.municipality_position[loc.municipality_ags] for loc in locations]
    settlement = [URBANISATION_BY_DESTATIS_CODE[str(urbanisation[p])] for p in positions]
    access = transit_access(
        geo.transit, lat, lon, transit or TransitSettings(), sparse=[u is Urbanisation.SPARSE for u in settlement]
    )
    features = []
    for i, loc in enumerate(locations):
        balance = geo.kreis_commuter_balance.get(loc.kreis_code, 0)
        population = max(geo.kreis_population[loc.kreis_code], 1)
        # The values are what validating them gives (plain floats, str, int, enums, validated stops): assembled
        # without validating again, in field order (tests/matcher/geo/test_features.py holds it to validation).
        fields = {
            "station_distance_km": float(station_km[i]),
            "nearest_station": str(station_names[i]),
            "transit_class": access[i].transit_class,
            "transit_stop": access[i].best,
            "transit_stops": list(access[i].stops),
            "urbanisation": settlement[i],
            "population_density": float(density[positions[i]]),
            "kreis_commuter_balance": int(balance),
            "kreis_commuter_balance_per_1000": 1000.0 * balance / population,
        }
        features.append(assembled(LocationFeatures, fields, _FEATURE_FIELDS))
    return features


_FEATURE_FIELDS = frozenset(LocationFeatures.model_fields)
