"""The pure parts of geocoding street addresses: the cache key, picking among a geocoder's answers and the
plausibility check against the reference geography. The network client lives in ``service/geocoding``.

A geocoder's point is believed only where it fits the postcode the organisation gave: inside one of the
postcode's municipalities or within the postcode area (the circle of ``postcode_radius_factor`` x its
equivalent radius plus ``postcode_tolerance_km``, as for given coordinates; docs/geography.md). Only
answers at house or street level count: a place or postcode answer says no more than the postcode centroid.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from matcher.errors import LocationError
from matcher.geo.resolver import LocationQuery, LocationResolver
from matcher.models import Location


class AnswerLevel(StrEnum):
    """How fine a geocoder's answer is."""

    HOUSE = "house"  # the house number was found
    STREET = "street"  # the street, not the house number
    AREA = "area"  # a place, district or postcode: no finer than the postcode centroid, never used


@dataclass(frozen=True, slots=True)
class Candidate:
    """One answer of a geocoder, in its order."""

    lat: float
    lon: float
    level: AnswerLevel


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_STREET_ABBREVIATION = re.compile(r"(str)(\.|\b)")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def address_key(address: str, postcode: str) -> str:
    """The cache key of an address: ``'50667 hohe strasse 12'`` for 'Hohe Str. 12' in 50667.

    Case, umlaut spelling, punctuation, spacing and the abbreviation 'Str.' do not make a new address, so a
    list re-exported with other spelling asks the geocoder nothing new.
    """
    folded = address.casefold().translate(_UMLAUTS)
    expanded = _STREET_ABBREVIATION.sub("strasse ", folded)
    words = _NOT_WORD.sub(" ", expanded).split()
    return f"{postcode.strip()} {' '.join(words)}"[:300]


_LEVEL_ORDER = {AnswerLevel.HOUSE: 0, AnswerLevel.STREET: 1}


def usable(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The answers at house or street level, house first, otherwise in the geocoder's order."""
    fine = [c for c in candidates if c.level in _LEVEL_ORDER]
    return sorted(fine, key=lambda c: _LEVEL_ORDER[c.level])  # stable: keeps the geocoder's ranking


def choose(resolver: LocationResolver, candidates: Sequence[Candidate], postcode: str) -> Candidate | None:
    """The first usable answer (house before street) that fits the postcode, else the first usable one (which
    :func:`check_address_points` will then report as implausible), else ``None`` (nothing finer than the
    postcode was found)."""
    fine = usable(candidates)
    if not fine:
        return None
    checked = check_address_points(resolver, [(c.lat, c.lon, postcode) for c in fine])
    return next((c for c, result in zip(fine, checked, strict=True) if isinstance(result, Location)), fine[0])


def check_address_points(
    resolver: LocationResolver, points: Sequence[tuple[float, float, str]]
) -> list[Location | LocationError]:
    """Each geocoded ``(lat, lon, postcode)`` as a :class:`Location` of precision ``address``, or the reason it
    is not believed (outside Germany, or away from its postcode: code ``implausible_address``)."""
    queries = [LocationQuery(lat, lon, postcode, geocoded=True) for lat, lon, postcode in points]
    return resolver.resolve_many(queries)
