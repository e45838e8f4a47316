"""ProfileBuilder: profiles become organisations with derived location and features, or per-item errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from matcher.errors import InputError, LocationError
from matcher.geo.features import location_features
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.vocabulary import LocationPrecision
from tests.factories import make_profile

KNOWN_MEASURES = ["deutschlandticket_job", "mobility_survey"]  # ids of data/catalog/measures.csv


def test_catalogue_knows_the_measures_used_here(reference: ReferenceData) -> None:
    assert set(KNOWN_MEASURES) <= set(reference.catalog.measures)


def test_builds_an_organisation_with_derived_location_and_features(
    builder: ProfileBuilder, reference: ReferenceData, resolver: LocationResolver
) -> None:
    profile = make_profile(measures_in_place=KNOWN_MEASURES, issues=["parking_shortage"])
    organisation = builder.build(profile, "org-1")
    assert isinstance(organisation, Organisation)
    assert organisation.id == "org-1"
    assert organisation.name == profile.name
    assert organisation.measures_in_place == profile.measures_in_place
    expected_location = resolver.resolve(LocationQuery(postcode="50667"))
    assert organisation.location == expected_location
    assert organisation.location.precision is LocationPrecision.POSTCODE
    assert organisation.location.municipality_ags == "05315000"
    assert [organisation.features] == location_features(reference.geo, [expected_location])


def test_coordinates_give_an_exact_location(builder: ProfileBuilder) -> None:
    organisation = builder.build(make_profile(postcode=None, lat=48.7784, lon=9.18), "stuttgart-1")
    assert organisation.location.precision is LocationPrecision.COORDINATES
    assert organisation.location.municipality_ags == "08111000"
    assert (organisation.location.lat, organisation.location.lon) == (48.7784, 9.18)


def test_built_organisation_round_trips_through_json(builder: ProfileBuilder) -> None:
    organisation = builder.build(make_profile(), "org-json")
    assert Organisation.model_validate_json(organisation.model_dump_json()) == organisation


def test_unknown_measure_is_an_input_error_on_measures_in_place(builder: ProfileBuilder) -> None:
    profile = make_profile(measures_in_place=["mobility_survey", "teleporter_pool"])
    with pytest.raises(InputError) as info:
        builder.build(profile, "org-2")
    error = info.value
    assert not isinstance(error, LocationError)
    assert error.field == "measures_in_place"
    assert error.code == "unknown_measure"
    assert "'teleporter_pool'" in error.message
    assert "'mobility_survey'" not in error.message


def test_location_error_is_raised_by_build(builder: ProfileBuilder) -> None:
    with pytest.raises(LocationError) as info:
        builder.build(make_profile(postcode="99999"), "org-3")
    assert (info.value.field, info.value.code) == ("postcode", "unknown_postcode")


def test_build_many_reports_errors_per_item(builder: ProfileBuilder) -> None:
    items = [
        (make_profile(name="Erste GmbH"), "a"),
        (make_profile(name="Pariser SARL", postcode=None, lat=48.857, lon=2.352), "b"),
        (make_profile(name="Dritte GmbH", postcode="70173"), "c"),
        (make_profile(name="Vierte GmbH", postcode="99999", measures_in_place=["teleporter_pool"]), "d"),
        (make_profile(name="Fünfte GmbH", measures_in_place=["teleporter_pool"]), "e"),
        (make_profile(name="Sechste GmbH", postcode=None, lat=51.4387, lon=7.3372), "f"),
    ]
    first, paris, third, both_bad, bad_measure, last = builder.build_many(items)

    assert isinstance(first, Organisation)
    assert (first.id, first.location.municipality_ags) == ("a", "05315000")
    assert isinstance(paris, list)
    assert [(e.field, e.code) for e in paris] == [("lat", "outside_germany")]
    assert isinstance(third, Organisation)
    assert (third.id, third.location.municipality_ags) == ("c", "08111000")
    assert isinstance(both_bad, list)
    assert [(e.field, e.code) for e in both_bad] == [
        ("postcode", "unknown_postcode"),
        ("measures_in_place", "unknown_measure"),
    ]
    assert isinstance(bad_measure, list)
    assert [(e.field, e.code) for e in bad_measure] == [("measures_in_place", "unknown_measure")]
    # Features stay aligned with their items although earlier items failed.
    assert isinstance(last, Organisation)
    assert (last.id, last.location.municipality_ags) == ("f", "05954036")
    assert last.features == builder.build(items[-1][0], "f").features


def test_build_many_matches_build_one_by_one(builder: ProfileBuilder) -> None:
    items = [(make_profile(postcode=plz), f"org-{plz}") for plz in ("50667", "70173", "44135", "79098")]
    assert builder.build_many(items) == [builder.build(profile, oid) for profile, oid in items]


def test_build_many_of_nothing_is_empty(builder: ProfileBuilder) -> None:
    assert builder.build_many([]) == []


VARIED_PROFILES: list[dict[str, object]] = [
    {},  # postcode only
    {"postcode": None, "lat": 48.7784, "lon": 9.18},  # coordinates only (Stuttgart)
    {"lat": 50.9413, "lon": 6.9583},  # coordinates and a fitting postcode (Köln)
    {"postcode": None, "lat": 50.3569, "lon": 7.5890},  # Koblenz: outside the boundary Länder
    {"postcode": None, "lat": 50.7563, "lon": 6.0240},  # Aachen, at the border of Land and country
    {"postcode": None, "lat": 49.5445, "lon": 8.6560},  # Weinheim, near the BW/Hesse border
    {
        "id": "given-id",
        "name": "  Müller & Söhne KG  ",
        "kind": "craft_business",
        "sector": None,
        "employees": 0,
        "employees_estimated": True,
        "size_class": "0–9",
        "wz_code": "43.22.0",
        "address": "Hauptstraße 1",
        "estate": "Gewerbegebiet Nord",
        "issues": ["parking_shortage", "long_commutes", "parking_shortage"],
        "measures_in_place": ["mobility_survey", "deutschlandticket_job"],
        "shift_work": True,
        "visible_to_peers": True,
        "contact_shareable": True,
        "share_residence_aggregates": True,
        "contact": {"name": " Frau Beispiel ", "email": "kontakt@beispiel.de"},
        "synthetic": True,
    },
    {"kind": "municipality", "sector": "O", "address": "", "estate": None, "contact": {"name": None}},
    {"contact": {"phone": "+49 221 1234"}, "employees": 500_000},
]


def test_organisations_equal_those_validated_from_the_profile(builder: ProfileBuilder) -> None:
    # build_many constructs the organisation from the validated profile instead of validating it again: the result
    # must be what model_validate makes of it, down to the fields set, and share nothing mutable with the profile.
    profiles = [make_profile(**overrides) for overrides in VARIED_PROFILES]
    ids = [f"org-{i}" for i in range(len(profiles) - 1)] + ["x" * 64]
    built = builder.build_many(list(zip(profiles, ids, strict=True)))
    assert all(isinstance(b, Organisation) for b in built)
    for profile, organisation_id, organisation in zip(profiles, ids, built, strict=True):
        assert isinstance(organisation, Organisation)
        expected = Organisation.model_validate(
            {
                **profile.model_dump(),
                "id": organisation_id,
                "location": organisation.location,
                "features": organisation.features,
            }
        )
        assert organisation == expected
        assert organisation.model_dump_json() == expected.model_dump_json()
        assert organisation.model_fields_set == expected.model_fields_set
        assert list(dict(organisation)) == list(dict(expected))  # the fields in the same order
        assert organisation.model_copy(update={"name": "Neu"}).name == "Neu"  # a complete model
        assert organisation.model_dump(exclude_unset=True) == expected.model_dump(exclude_unset=True)
        assert organisation.issues is not profile.issues
        assert organisation.measures_in_place is not profile.measures_in_place
        if profile.contact is not None:
            assert organisation.contact is not profile.contact
    states = {b.location.state for b in built if isinstance(b, Organisation)}
    assert {"DE-NW", "DE-BW", "DE-RP"} <= states  # both boundary Länder and one outside them
    assert any(b.contact is None for b in built if isinstance(b, Organisation))  # an empty contact dropped


@pytest.mark.parametrize("organisation_id", ["", "x" * 65, "with space", "ümlaut", "semi;colon"])
def test_an_id_off_the_pattern_is_refused_as_before(builder: ProfileBuilder, organisation_id: str) -> None:
    with pytest.raises(ValidationError) as info:
        builder.build_many([(make_profile(), organisation_id)])
    assert [error["loc"] for error in info.value.errors()] == [("id",)]


def test_an_id_the_pattern_takes_after_stripping_is_stripped_as_before(builder: ProfileBuilder) -> None:
    (organisation,) = builder.build_many([(make_profile(), " padded-id\n")])
    assert isinstance(organisation, Organisation)
    assert organisation.id == "padded-id"
