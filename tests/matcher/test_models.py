"""Profile validation: bad input is rejected with errors that name the field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from matcher.models import Location, OrganisationProfile
from matcher.vocabulary import LocationPrecision, OrganisationKind, ProblemCode
from tests.factories import make_profile, profile_data


def validation_errors(**overrides: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        make_profile(**overrides)
    return [dict(error) for error in info.value.errors()]


def test_default_profile_is_valid() -> None:
    profile = make_profile()
    assert profile.kind is OrganisationKind.COMPANY
    assert profile.issues == []
    assert profile.contact is None


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        pytest.param({"employees": -1}, ("employees",), id="negative employees"),
        pytest.param({"employees": 500_001}, ("employees",), id="more than 500,000 employees"),
        pytest.param({"employees": "many"}, ("employees",), id="employees not a number"),
        pytest.param({"name": ""}, ("name",), id="empty name"),
        pytest.param({"name": "   "}, ("name",), id="blank name"),
        pytest.param({"name": "x" * 201}, ("name",), id="name too long"),
        pytest.param({"id": "acme gmbh!"}, ("id",), id="id with blanks and punctuation"),
        pytest.param({"id": "a" * 65}, ("id",), id="id too long"),
        pytest.param({"issues": ["parking_shortage", "no_such_problem"]}, ("issues", 1), id="unknown problem code"),
        pytest.param({"measures_in_place": ["Job-Ticket"]}, ("measures_in_place", 0), id="bad measure id"),
        pytest.param({"kind": "startup"}, ("kind",), id="unknown kind"),
        pytest.param({"sector": "Z"}, ("sector",), id="unknown WZ section"),
        pytest.param({"postcode": "5066"}, ("postcode",), id="four-digit postcode"),
        pytest.param({"lat": 91.0, "lon": 7.0}, ("lat",), id="latitude above 90"),
        pytest.param({"lat": 50.0, "lon": 181.0}, ("lon",), id="longitude above 180"),
        pytest.param({"contact": {"email": "info-at-example.de"}}, ("contact", "email"), id="bad email"),
        pytest.param({"contact": {"email": "a b@example.de"}}, ("contact", "email"), id="email with blank"),
        pytest.param({"contact": {"phone": "call me"}}, ("contact", "phone"), id="bad phone"),
        pytest.param({"website": "https://example.de"}, ("website",), id="unknown field"),
    ],
)
def test_field_errors_name_the_field(overrides: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    errors = validation_errors(**overrides)
    assert [error["loc"] for error in errors] == [loc]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        pytest.param({"lat": 50.94}, ("lat", "lon"), id="lat without lon"),
        pytest.param({"lon": 6.96}, ("lat", "lon"), id="lon without lat"),
        pytest.param({"postcode": None}, ("Standort", "lat", "lon", "Postleitzahl"), id="no location"),
    ],
)
def test_cross_field_errors_name_the_fields_in_the_message(overrides: dict[str, Any], named: tuple[str, ...]) -> None:
    (error,) = validation_errors(**overrides)
    assert all(word in error["msg"] for word in named), error["msg"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"lat": 50.94}, "lon", id="lat without lon"),
        pytest.param({"postcode": None}, "postcode", id="no location"),
    ],
)
def test_cross_field_errors_name_the_field_in_loc(overrides: dict[str, Any], field: str) -> None:
    (error,) = validation_errors(**overrides)
    assert field in error["loc"]


@pytest.mark.parametrize("kind", ["municipality", "district", "public_agency", "association"])
def test_public_bodies_need_no_sector(kind: str) -> None:
    profile = make_profile(kind=kind, sector=None)
    assert (profile.sector, profile.sector_unknown) == (None, False)


@pytest.mark.parametrize("kind", ["company", "craft_business"])
def test_a_business_may_leave_its_sector_unknown(kind: str) -> None:
    assert make_profile(kind=kind, sector=None).sector_unknown
    assert not make_profile(kind=kind, sector="F").sector_unknown


@pytest.mark.parametrize(
    "location",
    [{"postcode": "50667"}, {"postcode": None, "lat": 50.94, "lon": 6.96}, {"lat": 50.94, "lon": 6.96}],
    ids=["postcode", "coordinates", "both"],
)
def test_location_may_be_postcode_coordinates_or_both(location: dict[str, Any]) -> None:
    profile = make_profile(**location)
    assert (profile.lat, profile.lon, profile.postcode) == (
        location.get("lat"),
        location.get("lon"),
        location.get("postcode", "50667"),
    )


def test_boundary_employee_counts_are_accepted() -> None:
    assert make_profile(employees=0).employees == 0
    assert make_profile(employees=500_000).employees == 500_000


def test_issues_and_measures_are_deduplicated() -> None:
    profile = make_profile(
        issues=["parking_shortage", "shift_work", "parking_shortage"],
        measures_in_place=["job_ticket", "job_ticket"],
    )
    assert sorted(profile.issues) == [ProblemCode.PARKING_SHORTAGE, ProblemCode.SHIFT_WORK]
    assert profile.measures_in_place == ["job_ticket"]


@pytest.mark.parametrize(
    "name",
    [
        "Müller & Söhne Straßenbau GmbH",
        "Łódź Logistics sp. z o.o.",
        "Ærø Café ApS",
        "株式会社テスト",
        "Café 🚲 Kollektiv",
    ],
)
def test_unicode_names_are_accepted(name: str) -> None:
    assert make_profile(name=name).name == name


def test_whitespace_is_stripped_and_blank_optional_text_is_none() -> None:
    profile = make_profile(name="  Beispiel AG  ", postcode=" 50667 ", address="", estate="")
    assert profile.name == "Beispiel AG"
    assert profile.postcode == "50667"
    assert profile.address is None
    assert profile.estate is None


def test_empty_contact_is_dropped() -> None:
    assert make_profile(contact={}).contact is None
    contact = make_profile(contact={"email": "mobil@beispiel.de", "phone": "+49 221 123456"}).contact
    assert contact is not None
    assert contact.email == "mobil@beispiel.de"


def test_profile_round_trips_through_json() -> None:
    profile = make_profile(issues=["shift_work"], lat=50.94, lon=6.96, contact={"name": "Frau Beispiel"})
    assert OrganisationProfile.model_validate_json(profile.model_dump_json()) == profile


def test_profile_data_factory_does_not_share_state() -> None:
    first = profile_data(issues=["shift_work"])
    second = profile_data()
    assert "issues" not in second
    assert first is not second


def test_location_is_immutable() -> None:
    location = Location(
        lat=50.94,
        lon=6.96,
        precision=LocationPrecision.COORDINATES,
        municipality_ags="05315000",
        municipality_name="Köln",
        kreis_code="05315",
        kreis_name="Köln",
        state="DE-NW",
    )
    with pytest.raises(ValidationError):
        location.lat = 0.0  # type: ignore[misc]
