"""Turn client-supplied profiles into organisations with a resolved location and features."""

from __future__ import annotations

from collections.abc import Sequence

from matcher.errors import InputError, LocationError
from matcher.geo.features import location_features
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import Location, Organisation, OrganisationProfile
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
            data = profile.model_dump()
            data.update(id=organisation_id, location=location, features=feature)
            results.append(Organisation.model_validate(data))
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
