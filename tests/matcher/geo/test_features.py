"""Location features: nearest station (against brute force) and values taken from the reference rows."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.geo.distance import haversine_km
from matcher.geo.features import location_features
from matcher.geo.reference import GeoReference
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import Location, LocationFeatures
from matcher.transit.model import TransitClass
from matcher.vocabulary import URBANISATION_BY_DESTATIS_CODE, Urbanisation
from tests.factories import make_location, municipality_row
from tests.matcher.transit.test_departures import assert_as_validated

KOELN = "05315000"


@pytest.fixture(scope="module")
def sample_locations(geo: GeoReference, resolver: LocationResolver) -> list[Location]:
    """About 400 resolved points: random municipality centres all over Germany, moved by up to ~2 km."""
    rng = np.random.default_rng(42)
    inside = geo.municipalities[geo.municipalities["lat"] > 0]
    rows = inside.iloc[rng.choice(len(inside), size=400, replace=False)]
    lat = rows["lat"].to_numpy(dtype=np.float64) + rng.uniform(-0.02, 0.02, len(rows))
    lon = rows["lon"].to_numpy(dtype=np.float64) + rng.uniform(-0.02, 0.02, len(rows))
    results = resolver.resolve_many([LocationQuery(lat=a, lon=b) for a, b in zip(lat, lon, strict=True)])
    locations = [r for r in results if isinstance(r, Location)]
    assert len(locations) >= 380
    return locations


def test_station_distance_is_the_brute_force_minimum(geo: GeoReference, sample_locations: list[Location]) -> None:
    features = location_features(geo, sample_locations)
    lat = np.array([loc.lat for loc in sample_locations])
    lon = np.array([loc.lon for loc in sample_locations])
    stations = geo.stations
    all_distances = haversine_km(
        lat[:, None], lon[:, None], stations["lat"].to_numpy()[None, :], stations["lon"].to_numpy()[None, :]
    )
    nearest = all_distances.argmin(axis=1)
    expected_km = all_distances[np.arange(len(lat)), nearest]
    found_km = np.array([f.station_distance_km for f in features])
    np.testing.assert_allclose(found_km, expected_km, rtol=1e-9, atol=1e-9)
    # The station itself may differ only where two stations are equally near.
    names = stations["name"].to_numpy(dtype=str)
    for feature, index, distances in zip(features, nearest, all_distances, strict=True):
        tied = names[np.isclose(distances, distances[index], rtol=1e-12, atol=1e-12)]
        assert feature.nearest_station in tied


def test_a_point_at_a_station_is_zero_km_from_it(geo: GeoReference, resolver: LocationResolver) -> None:
    station = geo.stations[geo.stations["name"] == "Köln Hbf"].iloc[0]
    location = resolver.resolve(LocationQuery(lat=float(station["lat"]), lon=float(station["lon"])))
    (feature,) = location_features(geo, [location])
    assert feature.nearest_station == "Köln Hbf"
    assert feature.station_distance_km == pytest.approx(0.0, abs=1e-9)


def test_features_come_from_the_municipality_and_kreis_rows(
    geo: GeoReference, sample_locations: list[Location]
) -> None:
    for location, feature in zip(sample_locations, location_features(geo, sample_locations), strict=True):
        municipality = municipality_row(geo, location.municipality_ags)
        commuters = geo.commuters
        balance = int(commuters["einpendler_insgesamt"][location.kreis_code]) - int(
            commuters["auspendler_insgesamt"][location.kreis_code]
        )
        population = int(geo.kreise["population"][location.kreis_code])
        assert feature.urbanisation is URBANISATION_BY_DESTATIS_CODE[str(municipality["urbanisation_code"])]
        assert feature.population_density == float(municipality["density_per_km2"])
        assert feature.kreis_commuter_balance == balance
        assert feature.kreis_commuter_balance_per_1000 == pytest.approx(1000 * balance / population)


def test_koeln_draws_commuters(geo: GeoReference) -> None:
    # Statistik der BA, Pendler nach Kreisen, 30.06.2023: Köln 308,120 in- and 139,020 out-commuters.
    assert int(geo.commuters["einpendler_insgesamt"]["05315"]) == 308_120
    assert int(geo.commuters["auspendler_insgesamt"]["05315"]) == 139_020
    (feature,) = location_features(geo, [make_location(geo, KOELN)])
    assert feature.kreis_commuter_balance == 308_120 - 139_020
    assert feature.kreis_commuter_balance_per_1000 > 0
    assert feature.urbanisation is Urbanisation.DENSE
    assert feature.population_density > 2000


def test_postcode_locations_get_features_of_the_postcode_centroid(
    geo: GeoReference, resolver: LocationResolver
) -> None:
    by_postcode = resolver.resolve(LocationQuery(postcode="70173"))
    by_coordinates = resolver.resolve(LocationQuery(lat=by_postcode.lat, lon=by_postcode.lon))
    assert location_features(geo, [by_postcode]) == location_features(geo, [by_coordinates])


def test_features_keep_the_order_of_the_locations(geo: GeoReference, sample_locations: list[Location]) -> None:
    forward = location_features(geo, sample_locations[:50])
    backward = location_features(geo, sample_locations[:50][::-1])
    assert forward == backward[::-1]


def test_no_locations_no_features(geo: GeoReference) -> None:
    assert location_features(geo, []) == []


def test_repeated_sites_get_the_features_they_get_alone(geo: GeoReference, sample_locations: list[Location]) -> None:
    """Features are computed once per distinct site (an import by postcode repeats sites); each row still gets
    exactly what it would get on its own, in its own place."""
    alone = location_features(geo, sample_locations[:60])
    repeated = [sample_locations[i % 60] for i in (7, 0, 7, 59, 3, 0, 59, 59, 12)]
    features = location_features(geo, repeated)
    assert features == [alone[i % 60] for i in (7, 0, 7, 59, 3, 0, 59, 59, 12)]
    assert features == [location_features(geo, [location])[0] for location in repeated]


def test_postcode_rows_resolve_as_the_first_did(resolver: LocationResolver) -> None:
    """The municipality of a postcode centroid is cached per postcode: later rows get the same answer."""
    queries = [LocationQuery(lat=None, lon=None, postcode=code) for code in ("44135", "70173", "44135", "52062")]
    first = resolver.resolve_many(queries)
    assert resolver.resolve_many(queries) == first
    assert first[0] == first[2]


def test_features_and_stops_equal_their_validated_construction(
    geo: GeoReference, sample_locations: list[Location]
) -> None:
    # location_features and transit_access assemble their models without validating again: each must equal what the
    # validating constructor makes of the same values, down to the fields set and the JSON (ints stay ints).
    features = location_features(geo, sample_locations)
    for feature in features:
        validated = LocationFeatures(**dict(feature))
        assert feature == validated
        assert feature.model_fields_set == validated.model_fields_set
        assert feature.model_dump_json() == validated.model_dump_json()
        for stop in [*feature.transit_stops, *([feature.transit_stop] if feature.transit_stop else [])]:
            assert_as_validated(stop)
    assert {f.transit_class for f in features} >= {TransitClass.A, TransitClass.NONE}  # varied sites
