"""Pure parts of geocoding: the cache key, choosing an answer, plausibility, and the precision of given points."""

from __future__ import annotations

from matcher.errors import LocationError
from matcher.geo.geocoding import AnswerLevel, Candidate, address_key, check_address_points, choose, usable
from matcher.geo.reference import GeoReference
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import Location
from matcher.vocabulary import LocationPrecision

BOCHUM_44787 = (51.48062, 7.22001)  # the postcode's centroid (data/geo/postcodes.csv)
NEAR_44787 = (51.4820, 7.2190)  # about 170 m from it, in Bochum
MUNICH = (48.13575, 11.57351)


def test_address_key_ignores_spelling_that_does_not_change_the_address() -> None:
    assert address_key("Hohe Str. 12", "50667") == "50667 hohe strasse 12"
    assert address_key("  hohe  STRASSE 12 ", " 50667") == address_key("Hohe Straße 12", "50667")
    assert address_key("Industriestr.5a", "44787") == "44787 industriestrasse 5a"
    assert address_key("Straßburger Allee 3", "44787") == "44787 strassburger allee 3"  # 'Str' only as a word end
    assert address_key("Hohe Straße 12", "50667") != address_key("Hohe Straße 14", "50667")
    assert address_key("Hohe Straße 12", "50667") != address_key("Hohe Straße 12", "50668")


def test_only_house_and_street_answers_are_usable_house_first() -> None:
    street = Candidate(1.0, 1.0, AnswerLevel.STREET)
    house = Candidate(2.0, 2.0, AnswerLevel.HOUSE)
    area = Candidate(3.0, 3.0, AnswerLevel.AREA)
    assert usable([area, street, house]) == [house, street]
    assert usable([area]) == []


def test_choose_takes_the_first_plausible_answer(resolver: LocationResolver) -> None:
    far = Candidate(*MUNICH, AnswerLevel.HOUSE)
    near = Candidate(*NEAR_44787, AnswerLevel.STREET)
    assert choose(resolver, [far, near], "44787") == near
    assert choose(resolver, [far], "44787") == far  # reported as implausible later, with its reason
    assert choose(resolver, [Candidate(*NEAR_44787, AnswerLevel.AREA)], "44787") is None


def test_a_plausible_address_point_has_precision_address(resolver: LocationResolver) -> None:
    (location,) = check_address_points(resolver, [(*NEAR_44787, "44787")])
    assert isinstance(location, Location)
    assert location.precision is LocationPrecision.ADDRESS
    assert location.municipality_name == "Bochum"
    assert (location.lat, location.lon) == NEAR_44787


def test_a_point_far_from_the_postcode_is_not_believed(resolver: LocationResolver) -> None:
    (error,) = check_address_points(resolver, [(*MUNICH, "44787")])
    assert isinstance(error, LocationError)
    assert error.code == "implausible_address"
    assert "München" in error.message
    assert "44787" in error.message


def test_a_point_in_one_of_the_postcodes_municipalities_is_believed_beyond_the_distance(
    resolver: LocationResolver, geo: GeoReference
) -> None:
    """Inside the postcode's municipality counts even where the circle around its centroid ends: 44787 is a
    small inner-city postcode of Bochum; a point 6 km away in Bochum is accepted."""
    lat, lon = 51.4700, 7.3000  # Bochum-Laer, about 5.7 km east of the 44787 centroid
    assert resolver.resolve(LocationQuery(lat, lon)).municipality_name == "Bochum"
    (location,) = check_address_points(resolver, [(lat, lon, "44787")])
    assert isinstance(location, Location)


def test_given_coordinates_are_coordinates_unless_they_are_a_centroid_or_a_centre(
    resolver: LocationResolver, geo: GeoReference
) -> None:
    assert resolver.resolve(LocationQuery(*NEAR_44787, "44787")).precision is LocationPrecision.COORDINATES
    assert resolver.resolve(LocationQuery(*NEAR_44787)).precision is LocationPrecision.COORDINATES
    # The postcode's own centroid, as a list exported by a tool that only knew the postcode writes it.
    assert resolver.resolve(LocationQuery(*BOCHUM_44787, "44787")).precision is LocationPrecision.POSTCODE
    assert resolver.resolve(LocationQuery(51.48062, 7.2200, "44787")).precision is LocationPrecision.POSTCODE
    # The centre point of the municipality (Destatis), with or without a postcode.
    position = geo.municipality_position["05954036"]  # Witten
    centre = (float(geo.municipality_lat[position]), float(geo.municipality_lon[position]))
    assert resolver.resolve(LocationQuery(*centre)).precision is LocationPrecision.MUNICIPALITY
    assert resolver.resolve(LocationQuery(*centre, "58452")).precision is LocationPrecision.MUNICIPALITY
