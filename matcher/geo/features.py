"""Location features from the real reference data: transit proxy, urbanisation, density, commuting."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from matcher.geo.distance import chord_to_km, to_unit_vectors
from matcher.geo.reference import GeoReference
from matcher.models import Location, LocationFeatures
from matcher.vocabulary import URBANISATION_BY_DESTATIS_CODE


def location_features(geo: GeoReference, locations: Sequence[Location]) -> list[LocationFeatures]:
    """Features for many resolved locations (the station search is one vectorised k-d tree query)."""
    if not locations:
        return []
    lat = np.array([loc.lat for loc in locations], dtype=np.float64)
    lon = np.array([loc.lon for loc in locations], dtype=np.float64)
    chord, station = geo.station_tree.query(to_unit_vectors(lat, lon), k=1)
    station_km = chord_to_km(np.atleast_1d(chord))
    station_names = geo.stations["name"].to_numpy(dtype=str)[np.atleast_1d(station)]
    features = []
    for i, loc in enumerate(locations):
        municipality = geo.municipality_row(loc.municipality_ags)
        kreis = geo.kreise.loc[loc.kreis_code]
        balance = int(geo.commuters.loc[loc.kreis_code, "pendlersaldo"]) if loc.kreis_code in geo.commuters.index else 0
        population = max(int(kreis["population"]), 1)
        features.append(
            LocationFeatures(
                station_distance_km=float(station_km[i]),
                nearest_station=str(station_names[i]),
                urbanisation=URBANISATION_BY_DESTATIS_CODE[str(municipality["urbanisation_code"])],
                population_density=float(municipality["density_per_km2"]),
                kreis_commuter_balance=balance,
                kreis_commuter_balance_per_1000=1000.0 * balance / population,
            )
        )
    return features
