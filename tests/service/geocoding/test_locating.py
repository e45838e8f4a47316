"""Geocoding on import against the stand-in Nominatim/Photon: hits, the cache, implausible points, a geocoder
that is down or slow, the time budget and dry runs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Engine, select

from matcher.geo.geocoding import AnswerLevel, Candidate
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.vocabulary import LocationPrecision, OrganisationKind
from service.config import GeocoderKind, ServiceSettings
from service.geocoding.cache import GeocodeCache
from service.geocoding.client import GeocoderUnavailableError, GeopyGeocoder
from service.geocoding.locating import AddressLocator, build_locator
from service.io import ImportFailed, ImportReport, import_organisations
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.tables import geocode_cache
from tests.service.conftest import BOTH_BACKENDS
from tests.service.geocoding.stand_in import StandIn, closed_port_url, stand_in_server

NEAR_44787 = (51.4820, 7.2190)  # in Bochum, about 170 m from the centroid of 44787
STREET_44787 = (51.4790, 7.2230)  # another point in 44787
MUNICH = (48.13575, 11.57351)
CENTROID_44787 = (51.48062, 7.22001)

MEMBER_LIST = (
    "Mitgliedsnummer;Firma;Straße;Hausnr.;PLZ;Beschäftigte;WZ 2008\n"
    "M1;Alpha GmbH;Hauptstraße;12;44787;50;25.62\n"
    "M2;Beta GmbH;Westring;3;44787;20;C\n"
    "M3;Gamma GmbH;Unbekannter Weg;1;44787;10;C\n"
    "M4;Delta KG;Kortumstraße;1;44787;5;C\n"
    "M5;Epsilon AG;;;44787;7;C\n"  # no street: stays on the postcode, never asked
)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with stand_in_server() as server:
        server.plant_nominatim("Hauptstraße 12", *NEAR_44787)
        server.plant_nominatim("Westring 3", *STREET_44787, house=False, place_rank=26)
        server.plant_nominatim("Kortumstraße 1", *MUNICH)  # a namesake far away: not believed
        yield server


@dataclass
class Importing:
    engine: Engine
    builder: ProfileBuilder
    settings: ServiceSettings

    def locator(self) -> AddressLocator:
        locator = build_locator(self.settings, GeocodeCache(self.engine))
        assert locator is not None
        return locator

    def run(self, text: str = MEMBER_LIST, **options: Any) -> ImportReport:
        locator = options.pop("locator", None) or self.locator()
        result = import_organisations(
            text.encode("utf-8"),
            SqlOrganisationRepository(self.engine),
            self.builder,
            filename="liste.csv",
            kind=OrganisationKind.COMPANY,
            locator=locator,
            **options,
        )
        assert isinstance(result, ImportReport), result
        return result

    def stored(self) -> dict[str, Organisation]:
        return {o.id: o for o in SqlOrganisationRepository(self.engine).iter_all()}

    def cache_rows(self) -> list[Any]:
        with self.engine.connect() as connection:
            return list(connection.execute(select(geocode_cache).order_by(geocode_cache.c.address_key)))


def _importing(engine: Engine, builder: ProfileBuilder, url: str, **settings: Any) -> Importing:
    """Importing with a geocoder at ``url``; 100 requests/s so that tests do not wait (the rate is tested apart)."""
    options: dict[str, Any] = {"geocoder": "nominatim", "geocoder_rate": 100, **settings}
    return Importing(engine, builder, ServiceSettings.model_validate({"geocoder_url": url, **options}))


@BOTH_BACKENDS
def test_addresses_are_placed_and_an_unchanged_list_asks_nothing_again(
    engine: Engine, builder: ProfileBuilder, stand_in: StandIn
) -> None:
    importing = _importing(engine, builder, stand_in.url)
    report = importing.run()
    assert report.geocoding is not None
    assert report.geocoding.as_dict() == {"addresses": 4, "cached": 0, "to_query": 0, "queried": 4, "located": 2}
    assert len(stand_in.requests) == 4
    stored = importing.stored()
    assert stored["M1"].location.precision is LocationPrecision.ADDRESS
    assert (stored["M1"].location.lat, stored["M1"].location.lon) == NEAR_44787
    assert (stored["M1"].lat, stored["M1"].lon) == (None, None)  # the profile still says: no coordinates given
    assert stored["M2"].location.precision is LocationPrecision.ADDRESS  # street level is enough
    assert stored["M3"].location.precision is LocationPrecision.POSTCODE  # not found
    assert (stored["M3"].location.lat, stored["M3"].location.lon) == CENTROID_44787
    assert stored["M5"].location.precision is LocationPrecision.POSTCODE
    # Features follow the point: the transit stops are measured from the address, not from the centroid.
    assert stored["M1"].features != stored["M3"].features
    statuses = {row.address_key: (row.status, row.precision, row.source) for row in importing.cache_rows()}
    assert statuses["44787 hauptstrasse 12"] == ("found", "house", "nominatim")
    assert statuses["44787 westring 3"] == ("found", "street", "nominatim")
    assert statuses["44787 unbekannter weg 1"] == ("not_found", None, "nominatim")

    again = importing.run()
    assert len(stand_in.requests) == 4  # nothing asked: found, not found and implausible all come from the cache
    assert again.geocoding is not None
    assert (again.geocoding.cached, again.geocoding.queried, again.geocoding.located) == (4, 0, 2)
    assert importing.stored()["M1"].location == stored["M1"].location

    respelled = MEMBER_LIST.replace("Hauptstraße;12", "HAUPTSTR.;12")
    importing.run(respelled)
    assert len(stand_in.requests) == 4


def test_an_implausible_point_keeps_the_postcode_with_a_warning_naming_the_row(
    engine: Engine, builder: ProfileBuilder, stand_in: StandIn
) -> None:
    report = _importing(engine, builder, stand_in.url).run()
    stored = _importing(engine, builder, stand_in.url).stored()
    assert stored["M4"].location.precision is LocationPrecision.POSTCODE
    assert stored["M4"].location.municipality_name == "Bochum"
    (warning,) = [w for w in report.info.warnings if "Kortumstraße" in w]
    assert warning.startswith("Zeile 5 (Kortumstraße 1, 44787)")
    assert "München" in warning
    assert "Mittelpunkt der Postleitzahl" in warning


def test_the_same_address_twice_is_asked_once(engine: Engine, builder: ProfileBuilder, stand_in: StandIn) -> None:
    text = MEMBER_LIST + "M6;Zeta GmbH;Hauptstraße;12;44787;9;C\n"
    report = _importing(engine, builder, stand_in.url).run(text)
    assert [r.query["street"] for r in stand_in.requests].count("Hauptstraße 12") == 1
    assert report.geocoding is not None
    assert report.geocoding.located == 3


def test_a_geocoder_that_is_down_costs_one_warning_and_the_import_goes_on(
    engine: Engine, builder: ProfileBuilder
) -> None:
    text = MEMBER_LIST + "".join(f"N{i};Firma {i};Teststraße;{i};44787;5;C\n" for i in range(20))
    importing = _importing(engine, builder, closed_port_url())
    report = importing.run(text)
    assert report.created == 25
    assert all(o.location.precision is LocationPrecision.POSTCODE for o in importing.stored().values())
    down = [w for w in report.info.warnings if "antwortet nicht" in w]
    assert len(down) == 1
    assert "24 Adressen nicht geokodiert" in down[0]
    # Three failures in a row, then the geocoder is left alone; the failures are cached for a short while.
    assert [row.status for row in importing.cache_rows()] == ["error"] * 3


def test_a_slow_geocoder_costs_bounded_time(engine: Engine, builder: ProfileBuilder, stand_in: StandIn) -> None:
    stand_in.delay = 0.6
    importing = _importing(engine, builder, stand_in.url, geocoder_timeout_seconds=0.1)
    report = importing.run()
    assert report.created == 5
    assert len(stand_in.requests) == 3  # each timed out; then no more
    assert [w for w in report.info.warnings if "antwortet nicht" in w]


def test_the_time_budget_stops_asking_with_one_warning(
    engine: Engine, builder: ProfileBuilder, stand_in: StandIn
) -> None:
    settings = ServiceSettings(
        geocoder=GeocoderKind.NOMINATIM, geocoder_url=stand_in.url, geocoder_rate=100, geocoder_budget_seconds=3,
        geocoder_timeout_seconds=1,
    )  # fmt: skip
    ticks = iter(range(100))  # a clock that advances one second per reading
    locator = AddressLocator(GeopyGeocoder(settings), GeocodeCache(engine), settings, clock=lambda: next(ticks))
    report = Importing(engine, builder, settings).run(locator=locator)
    # Started at 0 s; before each request the clock reads 1, 2, 3 s: a request that may take the 1 s timeout
    # fits the 3 s budget at 1 and 2 s, not at 3 s.
    assert len(stand_in.requests) == 2
    (warning,) = [w for w in report.info.warnings if "Zeitbudget" in w]
    assert "2 Adressen nicht abgefragt" in warning


def test_a_dry_run_counts_what_would_be_asked_and_sends_nothing(
    engine: Engine, builder: ProfileBuilder, stand_in: StandIn
) -> None:
    importing = _importing(engine, builder, stand_in.url)
    dry = importing.run(dry_run=True)
    assert dry.dry_run
    assert dry.geocoding is not None
    assert dry.geocoding.as_dict() == {"addresses": 4, "cached": 0, "to_query": 4, "queried": 0, "located": 0}
    assert stand_in.requests == []
    assert importing.cache_rows() == []
    assert importing.stored() == {}
    importing.run()
    again = importing.run(MEMBER_LIST + "M6;Zeta GmbH;Neuer Weg;2;44787;9;C\n", dry_run=True)
    assert again.geocoding is not None
    assert (again.geocoding.addresses, again.geocoding.cached, again.geocoding.to_query) == (5, 4, 1)
    assert len(stand_in.requests) == 4


def test_photon_works_alike(engine: Engine, builder: ProfileBuilder) -> None:
    with stand_in_server() as photon:
        photon.plant_photon("Hauptstraße 12", *NEAR_44787)
        photon.plant_photon("Westring 3", *MUNICH, kind="city")  # a place answer is no finer than the postcode
        importing = _importing(engine, builder, photon.url, geocoder="photon")
        importing.run()
        stored = importing.stored()
    assert stored["M1"].location.precision is LocationPrecision.ADDRESS
    assert stored["M2"].location.precision is LocationPrecision.POSTCODE
    assert {r.path for r in photon.requests} == {"/api"}


def test_a_failed_import_geocodes_nothing(engine: Engine, builder: ProfileBuilder, stand_in: StandIn) -> None:
    importing = _importing(engine, builder, stand_in.url)
    result = import_organisations(
        (MEMBER_LIST + "M7;;Weg;1;44787;x;C\n").encode(), SqlOrganisationRepository(engine), builder,
        filename="liste.csv", kind=OrganisationKind.COMPANY, locator=importing.locator(),
    )  # fmt: skip
    assert isinstance(result, ImportFailed)
    assert stand_in.requests == []
    assert importing.cache_rows() == []


def test_without_a_geocoder_there_is_no_locator() -> None:
    assert build_locator(ServiceSettings(), None) is None  # type: ignore[arg-type]


def test_a_profile_write_uses_the_cache_only(engine: Engine, builder: ProfileBuilder, stand_in: StandIn) -> None:
    importing = _importing(engine, builder, stand_in.url)
    importing.run()
    asked = len(stand_in.requests)
    locator = importing.locator()
    profile = OrganisationProfile.model_validate(
        {"kind": "company", "name": "Alpha", "sector": "C", "employees": 60, "postcode": "44787",
         "address": "Hauptstraße 12"}
    )  # fmt: skip
    (moved,), report = locator.locate([builder.build(profile, "M1")], builder, ask=False)
    assert moved.location.precision is LocationPrecision.ADDRESS
    assert report.located == 1
    new = profile.model_copy(update={"address": "Neue Straße 1"})
    (kept,), _ = locator.locate([builder.build(new, "M1")], builder, ask=False)
    assert kept.location.precision is LocationPrecision.POSTCODE
    assert len(stand_in.requests) == asked


class _Flaky:
    """A geocoder that fails every other request (never three in a row)."""

    source = "nominatim"

    def __init__(self) -> None:
        self.calls = 0

    def lookup(self, street: str, postcode: str) -> list[Candidate]:
        self.calls += 1
        if self.calls % 2:
            raise GeocoderUnavailableError("GeocoderTimedOut")
        return [Candidate(*NEAR_44787, AnswerLevel.HOUSE)]


def test_single_failures_are_counted_in_one_warning(engine: Engine, builder: ProfileBuilder) -> None:
    settings = ServiceSettings(geocoder=GeocoderKind.NOMINATIM)
    flaky = _Flaky()
    locator = AddressLocator(flaky, GeocodeCache(engine), settings)
    report = Importing(engine, builder, settings).run(locator=locator)
    assert flaky.calls == 4
    assert report.geocoding is not None
    assert report.geocoding.located == 2
    (warning,) = [w for w in report.info.warnings if "ohne Antwort" in w]
    assert warning.startswith("2 Anfragen an den Geokodierer (nominatim) ohne Antwort")
    assert "nach 24 Stunden erneut abgefragt" in warning
