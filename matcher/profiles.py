"""Turn client-supplied profiles into organisations with a resolved location and features."""

from __future__ import annotations

import re
from collections.abc import Sequence

from matcher.errors import InputError, LocationError
from matcher.geo.features import location_features
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import (
    ORGANISATION_ID_PATTERN,
    Contact,
    Location,
    LocationFeatures,
    Organisation,
    OrganisationProfile,
    assembled,
)
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings


class ProfileBuilder:
    """Validates profiles against geography and catalogue and derives the read-only fields."""

    def __init__(self, reference: ReferenceData, settings: MatcherSettings) -> None:
        self.reference = reference
        self.resolver = LocationResolver(reference.geo, settings.geography)
        self.transit = settings.transit

    def build(self, profile: OrganisationProfile, organisation_id: str) -> Organisation:
        """One organisation, or :class:`InputError` naming the first bad field."""
        result = self.build_many([(profile, organisation_id)])[0]
        if isinstance(result, list):
            raise result[0]
        return result

    def build_many(self, items: Sequence[tuple[OrganisationProfile, str]]) -> list[Organisation | list[InputError]]:
        """Many organisations at once; each failed item yields the list of its errors."""
        queries = [LocationQuery(p.lat, p.lon, p.postcode) for p, _ in items]
        resolved = self.resolver.resolve_many(queries)
        good = [r for r in resolved if isinstance(r, Location)]
        features = iter(location_features(self.reference.geo, good, self.transit))
        results: list[Organisation | list[InputError]] = []
        for (profile, organisation_id), location in zip(items, resolved, strict=True):
            errors: list[InputError] = self.catalogue_errors(profile)
            if isinstance(location, LocationError):
                errors.insert(0, location)
                results.append(errors)
                continue
            feature = next(features)
            if errors:
                results.append(errors)
                continue
            results.append(_organisation(profile, organisation_id, location, feature))
        return results

    def relocate(self, organisations: Sequence[Organisation], locations: Sequence[Location]) -> list[Organisation]:
        """The organisations moved to better locations (a geocoded address), with their features recomputed."""
        features = location_features(self.reference.geo, list(locations), self.transit)
        return [
            organisation.model_copy(update={"location": location, "features": feature})
            for organisation, location, feature in zip(organisations, locations, features, strict=True)
        ]

    def catalogue_errors(self, profile: OrganisationProfile) -> list[InputError]:
        unknown = [m for m in profile.measures_in_place if m not in self.reference.catalog.measures]
        if not unknown:
            return []
        return [
            InputError(
                "measures_in_place",
                f"Unbekannte Maßnahme(n) {', '.join(repr(m) for m in unknown)}; erlaubt sind die ids des "
                "Maßnahmenkatalogs (data/catalog/measures.csv).",
                "unknown_measure",
            )
        ]


# The id pattern without its anchors, for ``fullmatch``: ``$`` would also accept a trailing newline.
_ORGANISATION_ID = re.compile(ORGANISATION_ID_PATTERN.removeprefix("^").removesuffix("$"))
_ORGANISATION_FIELDS = frozenset(Organisation.model_fields)
_CONTACT_FIELDS = frozenset(Contact.model_fields)


def _organisation(
    profile: OrganisationProfile, organisation_id: str, location: Location, features: LocationFeatures
) -> Organisation:
    """``Organisation.model_validate({**profile.model_dump(), id, location, features})`` without validating again what
    is valid: a validated profile passes every validator of Organisation unchanged (they strip, sort and drop what
    validation already stripped, sorted and dropped), and location and features are validated models. Only the id is
    new; one that does not plainly fit the pattern, and a profile of another class, take the validating path."""
    if type(profile) is not OrganisationProfile or not (
        isinstance(organisation_id, str) and _ORGANISATION_ID.fullmatch(organisation_id)
    ):
        data = profile.model_dump()
        data.update(id=organisation_id, location=location, features=features)
        return Organisation.model_validate(data)
    # In field order, every field set (as validating the dump sets them); copies of the mutable parts, so the
    # organisation shares nothing mutable with the profile it was built from.
    fields = dict(profile.__dict__)
    fields.update(
        id=organisation_id,
        issues=list(profile.issues),
        measures_in_place=list(profile.measures_in_place),
        location=location,
        features=features,
    )
    if profile.contact is not None:
        fields["contact"] = assembled(Contact, dict(profile.contact.__dict__), _CONTACT_FIELDS)
    return assembled(Organisation, fields, _ORGANISATION_FIELDS)
