"""The network client: a self-hosted or public Nominatim or Photon through geopy, rate-limited.

Nominatim gets a structured query (street, postalcode, countrycodes=de), Photon (which has no structured
search in geopy) the text "street, postcode, Deutschland" limited to a box around Germany. The city column
of a member list is not sent: the postcode already fixes the area, and a city spelled otherwise than in
OpenStreetMap ("Essen-Kettwig") makes a structured Nominatim search find nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from matcher import __version__
from matcher.geo.geocoding import AnswerLevel, Candidate
from service.config import GeocoderKind, ServiceSettings

USER_AGENT = f"bmm-match/{__version__} (Betriebliches Mobilitätsmanagement; geocoding of member lists)"
MAX_ANSWERS = 5
# Photon: only results inside this box around Germany, as geopy takes it: (lat, lon) of two corners.
GERMANY_BBOX = ((47.2, 5.8), (55.1, 15.1))


class GeocoderUnavailableError(Exception):
    """The geocoder did not answer (refused, timed out, an HTTP error): the address stays unknown for now."""


class AddressGeocoder(Protocol):
    """Answers for one street address in one postcode; raises :class:`GeocoderUnavailableError` when it cannot."""

    source: str

    def lookup(self, street: str, postcode: str) -> list[Candidate]: ...


def nominatim_level(raw: Mapping[str, Any]) -> AnswerLevel:
    """House when Nominatim matched a house number (place_rank 30), street for a road (26–27)."""
    address = raw.get("address") or {}
    rank = int(raw.get("place_rank") or 0)
    if "house_number" in address or rank >= 30:
        return AnswerLevel.HOUSE
    if raw.get("class") == "highway" or rank in (26, 27):
        return AnswerLevel.STREET
    return AnswerLevel.AREA


def photon_level(raw: Mapping[str, Any]) -> AnswerLevel:
    """House when Photon's feature has a house number or type house, street for type street or a highway."""
    properties = raw.get("properties") or {}
    if "housenumber" in properties or properties.get("type") == "house":
        return AnswerLevel.HOUSE
    if properties.get("type") == "street" or properties.get("osm_key") == "highway":
        return AnswerLevel.STREET
    return AnswerLevel.AREA


class GeopyGeocoder:
    """Nominatim or Photon at ``settings.resolved_geocoder_url()``, at most ``geocoder_rate`` requests per second."""

    def __init__(self, settings: ServiceSettings) -> None:
        # geopy is imported here: with BMM_GEOCODER=none nothing pays for it (about 0.1 s).
        from geopy.adapters import RequestsAdapter, URLLibAdapter
        from geopy.extra.rate_limiter import RateLimiter
        from geopy.geocoders import Nominatim, Photon

        url = settings.resolved_geocoder_url()
        if url is None:
            raise ValueError("BMM_GEOCODER=none: no geocoder to build")
        parts = urlsplit(url)
        options: dict[str, Any] = {
            "domain": parts.netloc + parts.path.rstrip("/"),
            "scheme": parts.scheme,
            "user_agent": USER_AGENT,
            "timeout": settings.geocoder_timeout_seconds,
            # No retries below geopy either: requests (when installed) would retry twice, tripling the time a
            # slow geocoder costs and the requests it gets; a failure is cached and counted instead.
            "adapter_factory": (
                partial(RequestsAdapter, max_retries=0) if RequestsAdapter.is_available else URLLibAdapter
            ),
        }
        self.kind = settings.geocoder
        self.source = settings.geocoder.value
        delay = 1.0 / settings.geocoder_rate
        if settings.geocoder is GeocoderKind.NOMINATIM:
            self.service: Any = Nominatim(**options)
        else:
            self.service = Photon(**options)
        # No retries (a failure is cached and counted; the import goes on), exceptions reach lookup().
        self.rate_limiter: Callable[..., Any] = RateLimiter(
            self.service.geocode,
            min_delay_seconds=delay,
            max_retries=0,
            error_wait_seconds=delay,
            swallow_exceptions=False,
        )

    def lookup(self, street: str, postcode: str) -> list[Candidate]:
        from geopy.exc import GeopyError

        try:
            if self.kind is GeocoderKind.NOMINATIM:
                found = self.rate_limiter(
                    {"street": street, "postalcode": postcode},
                    exactly_one=False,
                    limit=MAX_ANSWERS,
                    addressdetails=True,
                    country_codes="de",
                )
                level = nominatim_level
            else:
                found = self.rate_limiter(
                    f"{street}, {postcode}, Deutschland", exactly_one=False, limit=MAX_ANSWERS, bbox=GERMANY_BBOX
                )
                level = photon_level
        except GeopyError as error:
            raise GeocoderUnavailableError(type(error).__name__) from error
        return [Candidate(float(place.latitude), float(place.longitude), level(place.raw)) for place in found or []]
