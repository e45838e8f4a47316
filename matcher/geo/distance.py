"""Great-circle geometry in float64.

float32 cannot resolve kilometre distances on unit vectors (see docs/performance-anchors), so
everything here is float64. Chord length on unit vectors is monotone in the great-circle angle,
which lets a Euclidean k-d tree answer exact great-circle radius and nearest-neighbour queries.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius

FloatArray = npt.NDArray[np.float64]


def haversine_km(
    lat1: FloatArray | float, lon1: FloatArray | float, lat2: FloatArray | float, lon2: FloatArray | float
) -> FloatArray:
    """Great-circle distance in km (vectorised, float64)."""
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dphi = phi2 - phi1
    dlmb = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=np.float64)


def to_unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """(n, 3) float64 unit vectors for latitude/longitude in degrees."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lmb = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lmb), cos_phi * np.sin(lmb), np.sin(phi)))


def km_to_chord(distance_km: float) -> float:
    """Euclidean chord between unit vectors that are ``distance_km`` apart on the sphere."""
    return float(2.0 * np.sin(distance_km / (2.0 * EARTH_RADIUS_KM)))


def chord_to_km(chord: FloatArray) -> FloatArray:
    """Great-circle km for a chord length between unit vectors."""
    return np.asarray(
        2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(np.asarray(chord, dtype=np.float64) / 2.0, 0.0, 1.0)),
        dtype=np.float64,
    )
