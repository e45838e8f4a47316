"""Great-circle distances: haversine against geopy, chord/km conversions, float64 throughout."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from geopy.distance import great_circle

from matcher.geo.distance import EARTH_RADIUS_KM, chord_to_km, haversine_km, km_to_chord, to_unit_vectors

REL_TOL = 1e-9

# Bounding box of Germany.
LAT_RANGE = (47.27, 55.06)
LON_RANGE = (5.87, 15.04)

LONG_PAIRS = [
    pytest.param((52.5200, 13.4050), (40.7128, -74.0060), id="Berlin-New York"),
    pytest.param((54.7937, 9.4469), (-33.8688, 151.2093), id="Flensburg-Sydney"),
    pytest.param((50.9375, 6.9603), (35.6762, 139.6503), id="Köln-Tokyo"),
    pytest.param((47.5596, 7.5886), (-47.0596, -172.4114), id="near-antipodal"),
    pytest.param((90.0, 0.0), (-90.0, 0.0), id="pole-to-pole"),
]


def german_points(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(*LAT_RANGE, n), rng.uniform(*LON_RANGE, n)


def geopy_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(great_circle((lat1, lon1), (lat2, lon2), radius=EARTH_RADIUS_KM).km)


def test_haversine_agrees_with_geopy_on_random_german_pairs() -> None:
    rng = np.random.default_rng(20261123)
    lat1, lon1 = german_points(rng, 2000)
    lat2, lon2 = german_points(rng, 2000)
    # Also many short pairs (a few metres to a few km), where cancellation would show first.
    lat2[:500] = lat1[:500] + rng.normal(0, 0.01, 500)
    lon2[:500] = lon1[:500] + rng.normal(0, 0.01, 500)
    ours = haversine_km(lat1, lon1, lat2, lon2)
    theirs = np.array([geopy_km(*pair) for pair in zip(lat1, lon1, lat2, lon2, strict=True)])
    np.testing.assert_allclose(ours, theirs, rtol=REL_TOL, atol=0)


@pytest.mark.parametrize(("a", "b"), LONG_PAIRS)
def test_haversine_agrees_with_geopy_on_long_pairs(a: tuple[float, float], b: tuple[float, float]) -> None:
    ours = float(haversine_km(a[0], a[1], b[0], b[1]))
    assert ours == pytest.approx(geopy_km(*a, *b), rel=REL_TOL)


def test_haversine_is_symmetric_zero_on_identity_and_bounded_by_half_circumference() -> None:
    rng = np.random.default_rng(7)
    lat1, lon1 = rng.uniform(-90, 90, 1000), rng.uniform(-180, 180, 1000)
    lat2, lon2 = rng.uniform(-90, 90, 1000), rng.uniform(-180, 180, 1000)
    forward = haversine_km(lat1, lon1, lat2, lon2)
    np.testing.assert_allclose(forward, haversine_km(lat2, lon2, lat1, lon1), rtol=REL_TOL)
    assert (haversine_km(lat1, lon1, lat1, lon1) == 0).all()
    assert (forward <= np.pi * EARTH_RADIUS_KM * (1 + REL_TOL)).all()


def test_haversine_broadcasts_a_point_against_many() -> None:
    lat, lon = np.array([50.0, 51.0, 52.0]), np.array([7.0, 8.0, 9.0])
    row = haversine_km(50.0, 7.0, lat, lon)
    assert row.shape == (3,)
    assert row[0] == 0.0
    assert row[1] < row[2]


def test_one_degree_of_latitude_is_a_360th_of_the_circumference() -> None:
    expected = 2 * np.pi * EARTH_RADIUS_KM / 360
    assert float(haversine_km(50.0, 7.0, 51.0, 7.0)) == pytest.approx(expected, rel=REL_TOL)


@pytest.mark.parametrize("distance_km", [0.0, 0.001, 0.3, 1.0, 25.0, 800.0, 5000.0, 19000.0])
def test_km_chord_round_trip(distance_km: float) -> None:
    chord = km_to_chord(distance_km)
    assert 0.0 <= chord <= 2.0
    assert float(chord_to_km(np.array([chord]))[0]) == pytest.approx(distance_km, rel=REL_TOL, abs=1e-9)


def test_chord_km_round_trip_over_the_whole_range() -> None:
    chords = np.linspace(0.0, 1.99, 500)
    back = np.array([km_to_chord(float(km)) for km in chord_to_km(chords)])
    np.testing.assert_allclose(back, chords, rtol=REL_TOL, atol=1e-15)


def test_chord_between_unit_vectors_gives_the_haversine_distance() -> None:
    rng = np.random.default_rng(11)
    lat1, lon1 = german_points(rng, 500)
    lat2, lon2 = german_points(rng, 500)
    vectors1, vectors2 = to_unit_vectors(lat1, lon1), to_unit_vectors(lat2, lon2)
    np.testing.assert_allclose(np.linalg.norm(vectors1, axis=1), 1.0, rtol=1e-12)
    chord = np.linalg.norm(vectors1 - vectors2, axis=1)
    np.testing.assert_allclose(chord_to_km(chord), haversine_km(lat1, lon1, lat2, lon2), rtol=1e-9)


def test_chord_is_monotone_in_distance() -> None:
    chords = [km_to_chord(km) for km in np.linspace(0, 20000, 200)]
    assert chords == sorted(chords)


def test_everything_is_float64_even_for_float32_input() -> None:
    # Typed as Any: the annotations ask for float64, but callers may hand in any float array at run time.
    lat: Any = np.array([50.1, 51.2], dtype=np.float32)
    lon: Any = np.array([7.1, 8.2], dtype=np.float32)
    assert haversine_km(lat, lon, lat[::-1], lon[::-1]).dtype == np.float64
    assert haversine_km(50.0, 7.0, 51.0, 8.0).dtype == np.float64
    assert to_unit_vectors(lat, lon).dtype == np.float64
    assert chord_to_km(np.array([0.1], dtype=np.float32)).dtype == np.float64
    assert isinstance(km_to_chord(1.0), float)


def test_float64_resolves_metres_on_unit_vectors() -> None:
    # Two points 1 m apart along the 50th parallel; float32 unit vectors could not tell them apart.
    degrees_per_km = 1.0 / (np.radians(1.0) * EARTH_RADIUS_KM * np.cos(np.radians(50.0)))
    vectors = to_unit_vectors(np.array([50.0, 50.0]), np.array([7.0, 7.0 + 1e-3 * degrees_per_km]))
    metres = 1000 * float(chord_to_km(np.array([np.linalg.norm(vectors[0] - vectors[1])]))[0])
    assert metres == pytest.approx(1.0, rel=1e-6)
