"""Which homes could reach the site without driving alone: thresholds on the estimated road distance.

Walk ≤ 2 km, bike ≤ 5 km, pedelec ≤ 15 km (cumulative: whoever can walk can also cycle) are the distances
German BMM guides commonly work with (everyday walking up to about 2 km, cycling up to 5 km, pedelec
10–15 km); they are settings, not measurements. Transit: the home postcode's centroid and the site both
have a good transit class (A or B, docs/transit.md). Carpool: homes beyond pedelec range with at least two
colleagues living in the same postcode or one whose centroid is within 5 km (a neighbouring postcode).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from matcher.geo.distance import FloatArray, km_to_chord, to_unit_vectors
from matcher.transit.model import TRANSIT_CLASS_ORDER, TransitClass

MODES = ("walk", "bike", "pedelec", "transit", "carpool")


@dataclass(frozen=True)
class PotentialSettings:
    walk_km: float = 2.0
    bike_km: float = 5.0
    pedelec_km: float = 15.0
    good_transit: tuple[TransitClass, ...] = (TransitClass.A, TransitClass.B)
    carpool_radius_km: float = 5.0  # postcode centroids this close count as neighbours
    carpool_min_colleagues: int = 2

    def __post_init__(self) -> None:
        if not 0 < self.walk_km <= self.bike_km <= self.pedelec_km:
            raise ValueError("walk_km, bike_km, pedelec_km: müssen positiv und aufsteigend sein")
        if self.carpool_radius_km < 0:
            raise ValueError("carpool_radius_km: darf nicht negativ sein")

    @property
    def transit_rule(self) -> str:
        classes = " oder ".join(c.value for c in self.good_transit)
        return f"Wohn-PLZ (Mittelpunkt) und Standort haben ÖV-Güteklasse {classes}"


def good_transit_ranks(settings: PotentialSettings) -> np.ndarray:
    return np.array([TRANSIT_CLASS_ORDER.index(c) for c in settings.good_transit], dtype=np.int64)


def potential_counts(
    counts: np.ndarray,
    distance_km: FloatArray,
    transit_rank: np.ndarray,
    site_transit: TransitClass,
    lat: FloatArray,
    lon: FloatArray,
    settings: PotentialSettings,
) -> dict[str, int]:
    """People per potential (vectorised over postcodes); ``counts`` are people per postcode."""
    good = np.isin(transit_rank, good_transit_ranks(settings)) & (site_transit in settings.good_transit)
    far = distance_km > settings.pedelec_km
    return {
        "walk": int(counts[distance_km <= settings.walk_km].sum()),
        "bike": int(counts[distance_km <= settings.bike_km].sum()),
        "pedelec": int(counts[distance_km <= settings.pedelec_km].sum()),
        "transit": int(counts[good].sum()),
        "carpool": int(counts[far & carpool_mask(counts, lat, lon, settings)].sum()),
    }


def carpool_mask(counts: np.ndarray, lat: FloatArray, lon: FloatArray, settings: PotentialSettings) -> np.ndarray:
    """Postcodes whose people have ≥ ``carpool_min_colleagues`` colleagues in the same or a neighbouring postcode."""
    if len(counts) == 0:
        return np.zeros(0, dtype=bool)
    tree = cKDTree(to_unit_vectors(lat, lon))
    pairs = tree.sparse_distance_matrix(tree, km_to_chord(settings.carpool_radius_km), output_type="coo_matrix")
    around = np.asarray(counts, dtype=np.int64).copy()  # the postcode itself (zero distance is not stored)
    off_diagonal = pairs.row != pairs.col
    np.add.at(around, pairs.row[off_diagonal], np.asarray(counts)[pairs.col[off_diagonal]])
    return np.asarray(around - 1 >= settings.carpool_min_colleagues, dtype=bool)
