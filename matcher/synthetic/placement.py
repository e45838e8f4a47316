"""Random points in discs that stay inside a given municipality."""

from __future__ import annotations

import numpy as np

from matcher.geo.boundaries import IntArray
from matcher.geo.distance import EARTH_RADIUS_KM, FloatArray
from matcher.geo.reference import GeoReference
from matcher.synthetic.regions import BoolArray

COORDINATE_DECIMALS = 6  # about 0.1 m; keeps the output short and identical across runs


def offset_points(
    lat: FloatArray, lon: FloatArray, east_km: FloatArray, north_km: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Move points by km offsets along great circles (so haversine distances match exactly), rounded."""
    distance = np.hypot(east_km, north_km) / EARTH_RADIUS_KM
    bearing = np.arctan2(east_km, north_km)
    phi = np.radians(lat)
    new_phi = np.arcsin(np.sin(phi) * np.cos(distance) + np.cos(phi) * np.sin(distance) * np.cos(bearing))
    new_lon = np.radians(lon) + np.arctan2(
        np.sin(bearing) * np.sin(distance) * np.cos(phi), np.cos(distance) - np.sin(phi) * np.sin(new_phi)
    )
    return (
        np.round(np.degrees(new_phi), COORDINATE_DECIMALS),
        np.round(np.degrees(new_lon), COORDINATE_DECIMALS),
    )


def random_disc_offsets(
    rng: np.random.Generator, radius_km: FloatArray, *, uniform: bool = True
) -> tuple[FloatArray, FloatArray]:
    """East/north offsets uniformly distributed in discs of ``radius_km`` (or uniformly in distance)."""
    n = len(radius_km)
    angle = rng.uniform(0.0, 2.0 * np.pi, n)
    fraction = rng.random(n)
    distance = radius_km * (np.sqrt(fraction) if uniform else fraction)
    return distance * np.sin(angle), distance * np.cos(angle)


class PolygonLocator:
    """Municipality row position of points by the VG5000 polygons alone (vectorised, no edge rules).

    The full resolver costs ~40 µs a point, too slow for a million firms; the polygon test is
    ~2 µs and agrees with it except within the resolver's boundary band (docs/demo-data.md).
    """

    def __init__(self, geo: GeoReference) -> None:
        self.geo = geo
        codes = geo.boundaries.municipality_codes
        self._polygon_position = np.array([geo.municipality_position[str(c)] for c in codes], dtype=np.int64)

    def positions(self, lat: FloatArray, lon: FloatArray) -> IntArray:
        polygon = self.geo.boundaries.municipality_of(lat, lon)
        return np.where(polygon >= 0, self._polygon_position[np.maximum(polygon, 0)], -1)


def scatter_within(
    rng: np.random.Generator,
    locator: PolygonLocator,
    anchor_lat: FloatArray,
    anchor_lon: FloatArray,
    radius_km: FloatArray,
    target: IntArray,
    *,
    resamples: int,
    pulls: int,
    uniform: bool = True,
) -> tuple[FloatArray, FloatArray]:
    """Points in a disc around each anchor that lie in municipality ``target`` by the polygon test.

    A point outside is drawn again (``resamples`` times), then its offset is halved (``pulls`` times);
    the last resort is the anchor itself, which the caller guarantees to be inside.
    """
    east, north = random_disc_offsets(rng, radius_km, uniform=uniform)
    lat, lon = offset_points(anchor_lat, anchor_lon, east, north)
    bad: IntArray = np.flatnonzero(locator.positions(lat, lon) != target)
    for attempt in range(resamples + pulls):
        if len(bad) == 0:
            break
        if attempt < resamples:
            east[bad], north[bad] = random_disc_offsets(rng, radius_km[bad], uniform=uniform)
        else:
            east[bad] *= 0.5
            north[bad] *= 0.5
        lat[bad], lon[bad] = offset_points(anchor_lat[bad], anchor_lon[bad], east[bad], north[bad])
        still: BoolArray = locator.positions(lat[bad], lon[bad]) != target[bad]
        bad = bad[still]
    lat[bad] = anchor_lat[bad]
    lon[bad] = anchor_lon[bad]
    return lat, lon
