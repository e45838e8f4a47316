"""Typed domain model: organisation profiles and their derived location."""

from __future__ import annotations

import re
from typing import Annotated, Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from matcher.transit.model import NearestStop, TransitClass
from matcher.vocabulary import (
    LocationPrecision,
    OrganisationKind,
    ProblemCode,
    Sector,
    Urbanisation,
    sector_unknown,
)

ORGANISATION_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
MEASURE_ID_PATTERN = r"^[a-z0-9_]{1,64}$"
POSTCODE_PATTERN = r"^[0-9]{5}$"

OrganisationId = Annotated[str, StringConstraints(pattern=ORGANISATION_ID_PATTERN)]
MeasureId = Annotated[str, StringConstraints(pattern=MEASURE_ID_PATTERN)]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=POSTCODE_PATTERN)]
# Text fields refuse control characters (validator below); the same class, as a pattern, tells the schema.
_CONTROL_CHARACTERS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}]")
PRINTABLE_PATTERN = f"^[^{_CONTROL_CHARACTERS}]*$"
# ... and a required text is not blank either (it is stripped, then must keep a character). The characters
# str.strip() removes, spelled out: ``\s`` differs between Python and the schema's ECMA regular expressions.
_SPACES = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NON_BLANK_PATTERN = rf"^[^{_CONTROL_CHARACTERS}]*[^{_SPACES}{_CONTROL_CHARACTERS}][^{_CONTROL_CHARACTERS}]*$"
PRINTABLE = Field(json_schema_extra={"pattern": PRINTABLE_PATTERN})
NON_BLANK = Field(json_schema_extra={"pattern": NON_BLANK_PATTERN})
_MAILBOX = rf"[^@{_SPACES}{_CONTROL_CHARACTERS}]+"
EMAIL_PATTERN = rf"^{_MAILBOX}@{_MAILBOX}\.{_MAILBOX}$"
PHONE_PATTERN = r"^\+?[0-9 ()/.-]{4,32}$"

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), NON_BLANK]


def no_control_characters(value: str | None) -> str | None:
    """Text without control characters (NUL and the like cannot be stored and are never meant)."""
    if value is not None and _CONTROL.search(value):
        raise ValueError("enthält ein Steuerzeichen (z. B. \\0); bitte nur druckbaren Text angeben")
    return value


_Model = TypeVar("_Model", bound=BaseModel)


def assembled(cls: type[_Model], fields: dict[str, Any], fields_set: frozenset[str]) -> _Model:
    """A model from values that are already what validating them gives (every field in ``fields``, in field order;
    ``fields_set`` those a validating caller would have passed), for a model without extras, private attributes or
    ``model_post_init``: what ``model_construct`` sets, without its per-field loop (model_construct costs as much as
    validating; this a third of it, and an import builds millions). Only for values a validator would neither change
    nor reject: tests hold each use to the validating constructor's result (tests/matcher/test_profiles.py,
    tests/matcher/geo/test_features.py, tests/matcher/transit/test_departures.py)."""
    model = cls.__new__(cls)
    set_slot = object.__setattr__
    set_slot(model, "__dict__", fields)
    set_slot(model, "__pydantic_fields_set__", set(fields_set))
    set_slot(model, "__pydantic_extra__", None)
    set_slot(model, "__pydantic_private__", None)
    return model


_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)


class Contact(BaseModel):
    """A contact person. Personal data: shown only with consent, never logged."""

    # hide_input_in_errors: a rejected e-mail address must not end up in an error message or a log.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)

    name: ShortText | None = None
    email: (
        Annotated[str, StringConstraints(max_length=254), Field(json_schema_extra={"pattern": EMAIL_PATTERN})] | None
    ) = None
    phone: Annotated[str, Field(json_schema_extra={"pattern": PHONE_PATTERN})] | None = None

    _printable = field_validator("name", "email", "phone")(no_control_characters)

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("keine gültige E-Mail-Adresse (erwartet: name@beispiel.de)")
        return value

    @field_validator("phone")
    @classmethod
    def _check_phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("keine gültige Telefonnummer (Ziffern, Leerzeichen, + ( ) / . -)")
        return value

    def is_empty(self) -> bool:
        return self.name is None and self.email is None and self.phone is None


class OrganisationProfile(BaseModel):
    """What an organisation (or an advisor on its behalf) tells us. Location is a postcode, coordinates or both."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: OrganisationId | None = Field(default=None, description="client-supplied id or generated")
    kind: OrganisationKind
    name: ShortText
    sector: Sector | None = Field(
        default=None,
        description="WZ 2008 section A-U; optional. Null for a company or craft business means unknown: the "
        "matcher leaves the sector out of comparisons and says so; public bodies have none",
    )
    employees: int = Field(ge=0, le=500_000)
    employees_estimated: bool = Field(
        default=False, description="employees is a head count inside size_class (estimated), not a count"
    )
    size_class: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="employee size class as given, e.g. '50–249' or '250+'"
    )
    wz_code: Annotated[str, StringConstraints(pattern=r"^\d{2}(\.\d{1,2}(\.\d)?)?$")] | None = Field(
        default=None, description="WZ 2008 code below the section as given, e.g. '25.62.0'"
    )
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180, validate_default=True)
    postcode: Postcode | None = Field(default=None, validate_default=True)
    address: Annotated[str, StringConstraints(max_length=300), PRINTABLE] | None = None
    estate: Annotated[str, StringConstraints(max_length=200), PRINTABLE] | None = Field(
        default=None, description="name of the Gewerbegebiet / industrial estate"
    )
    issues: list[ProblemCode] = Field(default_factory=list)
    measures_in_place: list[MeasureId] = Field(default_factory=list)
    shift_work: bool = False
    visible_to_peers: bool = False
    contact_shareable: bool = False
    share_residence_aggregates: bool = Field(
        default=False,
        description="consent: the staff's home postcode counts may be pooled with other organisations' and shown "
        "k-anonymously to planners and advisors (docs/residences.md)",
    )
    contact: Contact | None = None
    synthetic: bool = False

    _printable = field_validator("name", "address", "estate")(no_control_characters)

    @field_validator("issues", "measures_in_place")
    @classmethod
    def _canonical_set(cls, values: list[str]) -> list[str]:
        # Sets in meaning; a sorted, duplicate-free list makes storage round trips and output stable.
        return sorted(set(values))

    @field_validator("address", "estate")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    # Cross-field rules are field validators (on the later field) so that errors name that field.
    @field_validator("lon")
    @classmethod
    def _lat_and_lon_together(cls, value: float | None, info: ValidationInfo) -> float | None:
        if "lat" in info.data and (info.data["lat"] is None) != (value is None):
            raise ValueError("lat und lon müssen zusammen angegeben werden")
        return value

    @field_validator("postcode")
    @classmethod
    def _some_location(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Only when lat and lon both validated (present in info.data) and both are absent.
        coordinates = (info.data.get("lat", 0.0), info.data.get("lon", 0.0))
        if value is None and coordinates == (None, None):
            raise ValueError("Standort fehlt: Koordinaten (lat, lon) oder eine Postleitzahl angeben")
        return value

    @model_validator(mode="after")
    def _drop_empty_contact(self) -> Self:
        if self.contact is not None and self.contact.is_empty():
            self.contact = None
        return self

    @property
    def sector_unknown(self) -> bool:
        """A company or craft business whose sector was not given (see ``vocabulary.sector_unknown``)."""
        return sector_unknown(self.kind, self.sector)


class Location(BaseModel):
    """Where an organisation is, resolved against the official geography."""

    model_config = ConfigDict(frozen=True)

    lat: float
    lon: float
    precision: LocationPrecision
    municipality_ags: str
    municipality_name: str
    kreis_code: str
    kreis_name: str
    state: str = Field(description="ISO 3166-2 code of the Land, e.g. DE-NW")


class LocationFeatures(BaseModel):
    """Features of a location derived from the real reference data."""

    model_config = ConfigDict(frozen=True)

    station_distance_km: float = Field(
        description="great-circle distance to the nearest railway station (DB list 2020; the vectoriser's input)"
    )
    nearest_station: str
    transit_class: TransitClass = Field(
        description="transit-quality class A (very good) … D (basic) or none, after the Swiss ÖV-Güteklassen, "
        "with the mode of the stops as the frequency proxy (docs/transit.md)"
    )
    transit_stop: NearestStop | None = Field(description="the stop that gives the class; null for class none")
    transit_stops: list[NearestStop] = Field(description="the nearest stop of each mode class: rail, S-Bahn, "
                                             "Stadtbahn/tram, bus")  # fmt: skip
    urbanisation: Urbanisation
    population_density: float = Field(description="residents per km² of the municipality")
    kreis_commuter_balance: int = Field(description="in- minus out-commuters of the Kreis (BA 2023)")
    kreis_commuter_balance_per_1000: float = Field(description="commuter balance per 1,000 residents")


class Organisation(OrganisationProfile):
    """A stored organisation: the profile plus its id and derived, read-only location data."""

    id: OrganisationId
    location: Location
    features: LocationFeatures
