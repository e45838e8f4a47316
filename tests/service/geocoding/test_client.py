"""The geopy client against the stand-in Nominatim and Photon on loopback (nothing leaves the machine)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from matcher import __version__
from matcher.geo.geocoding import AnswerLevel
from service.config import ServiceSettings
from service.geocoding.client import GeocoderUnavailableError, GeopyGeocoder, nominatim_level, photon_level
from tests.service.geocoding.stand_in import StandIn, closed_port_url, stand_in_server


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with stand_in_server() as server:
        yield server


def _geocoder(kind: str, url: str, **settings: Any) -> GeopyGeocoder:
    return GeopyGeocoder(ServiceSettings.model_validate({"geocoder": kind, "geocoder_url": url, **settings}))


def test_nominatim_gets_a_structured_query_with_the_product_user_agent(stand_in: StandIn) -> None:
    stand_in.plant_nominatim("Hauptstraße 12", 51.481, 7.221)
    found = _geocoder("nominatim", stand_in.url).lookup("Hauptstraße 12", "44787")
    assert [(c.lat, c.lon, c.level) for c in found] == [(51.481, 7.221, AnswerLevel.HOUSE)]
    (asked,) = stand_in.requests
    assert asked.path == "/search"
    assert asked.query["street"] == "Hauptstraße 12"
    assert asked.query["postalcode"] == "44787"
    assert asked.query["countrycodes"] == "de"
    assert "q" not in asked.query  # structured, not free text
    assert asked.headers["User-Agent"].startswith(f"bmm-match/{__version__}")


def test_a_base_url_with_a_path_is_kept(stand_in: StandIn) -> None:
    _geocoder("nominatim", stand_in.url + "/nominatim/").lookup("Hauptstraße 12", "44787")
    assert stand_in.requests[0].path == "/nominatim/search"


def test_photon_gets_street_and_postcode_in_germany(stand_in: StandIn) -> None:
    stand_in.plant_photon("Hauptstraße 12", 51.481, 7.221)
    stand_in.plant_photon("Hauptstraße 12", 51.482, 7.222, kind="street")
    found = _geocoder("photon", stand_in.url).lookup("Hauptstraße 12", "44787")
    assert [c.level for c in found] == [AnswerLevel.HOUSE, AnswerLevel.STREET]
    (asked,) = stand_in.requests
    assert asked.path == "/api"
    assert asked.query["q"] == "Hauptstraße 12, 44787, Deutschland"
    assert asked.query["bbox"] == "5.8,47.2,15.1,55.1"


def test_no_answer_is_an_empty_list(stand_in: StandIn) -> None:
    assert _geocoder("nominatim", stand_in.url).lookup("Unbekannter Weg 1", "44787") == []


def test_a_refused_connection_is_a_geocoder_error() -> None:
    with pytest.raises(GeocoderUnavailableError):
        _geocoder("nominatim", closed_port_url()).lookup("Hauptstraße 12", "44787")


def test_a_slow_server_times_out(stand_in: StandIn) -> None:
    stand_in.delay = 1.0
    with pytest.raises(GeocoderUnavailableError, match="Timed"):
        _geocoder("photon", stand_in.url, geocoder_timeout_seconds=0.2).lookup("Hauptstraße 12", "44787")
    assert len(stand_in.requests) == 1  # no retries below geopy (requests would retry twice)


def test_the_rate_limiter_spaces_requests_by_the_configured_rate_and_never_retries() -> None:
    geocoder = _geocoder("nominatim", "https://nominatim.example.org", geocoder_rate=4)
    limiter = geocoder.rate_limiter
    assert limiter.min_delay_seconds == 0.25  # type: ignore[attr-defined]
    assert limiter.max_retries == 0  # type: ignore[attr-defined]
    assert limiter.swallow_exceptions is False  # type: ignore[attr-defined]
    assert _geocoder("nominatim", "https://n.example.org").rate_limiter.min_delay_seconds == 1.0  # type: ignore[attr-defined]


def test_levels_of_nominatim_and_photon_answers() -> None:
    assert nominatim_level({"place_rank": 30, "address": {}}) is AnswerLevel.HOUSE
    assert nominatim_level({"place_rank": 26, "class": "highway"}) is AnswerLevel.STREET
    assert nominatim_level({"place_rank": 16, "class": "place", "type": "city"}) is AnswerLevel.AREA
    assert photon_level({"properties": {"type": "street"}}) is AnswerLevel.STREET
    assert photon_level({"properties": {"type": "city"}}) is AnswerLevel.AREA
    assert photon_level({"properties": {"type": "house", "housenumber": "3"}}) is AnswerLevel.HOUSE
