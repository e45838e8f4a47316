"""Importing and removing GTFS feeds (service/timetable.py, what bmm transit runs): a feed written in the test
(tests/factories_gtfs.py) replaces the mode proxy at the stops it covers, stored profiles follow, a broken feed
changes nothing, and the live index hands out a builder with the timetable."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from matcher.catalog import Catalog
from matcher.matching.measures import recommend_measures
from matcher.models import Organisation
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.transit.gtfs import FeedError
from matcher.transit.model import TransitClass
from service.io.gtfs import ZipLimits
from service.storage.sql_repository import SqlOrganisationRepository
from service.storage.transit import SqlTransitStore
from service.timetable import Outcome, import_feed, remove_feed
from tests.factories_gtfs import GRAEVINGHOLZ, NUSSBREDDE, every, north_of, standard_feed
from tests.service.conftest import BOTH_BACKENDS, OrganisationFactory

STUTTGART = (48.7758, 9.1829)
ALL = 49
LIMITS = ZipLimits(entry_bytes=10_000_000, total_bytes=20_000_000)


@pytest.fixture
def stored(repository: SqlOrganisationRepository, make_organisation: OrganisationFactory) -> dict[str, Organisation]:
    """A shift plant 150 m from the Stadtbahn stop Grävingholz, a firm 100 m from a bus stop the feed serves
    once, and one in Stuttgart, which no feed covers."""
    g_lat, g_lon = north_of(GRAEVINGHOLZ[2], GRAEVINGHOLZ[3], 150)
    n_lat, n_lon = north_of(NUSSBREDDE[2], NUSSBREDDE[3], 100)
    organisations = [
        make_organisation(
            id="plant",
            lat=g_lat,
            lon=g_lon,
            issues=["shift_work", "high_car_share", "commuting_costs_for_staff"],
            measures_in_place=[],
        ),
        make_organisation(id="village", lat=n_lat, lon=n_lon, shift_work=False, issues=["high_car_share"]),
        make_organisation(id="stuttgart", lat=STUTTGART[0], lon=STUTTGART[1]),
    ]
    repository.add_many(organisations)
    return {o.id: o for o in organisations}


def _import(engine: Engine, reference: ReferenceData, feed: Path, name: str = "vrr", on: date | None = None,
            limits: ZipLimits = LIMITS) -> Outcome:  # fmt: skip
    return import_feed(engine, reference, feed, name, limits, on=on)


@BOTH_BACKENDS
def test_import_counts_departures_and_reclassifies_stored_profiles(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path, catalog: Catalog, settings: MatcherSettings,
) -> None:  # fmt: skip
    assert stored["plant"].features.transit_class is TransitClass.B  # the Stadtbahn by the mode proxy
    assert stored["village"].features.transit_class is TransitClass.C
    revision = repository.revision()

    outcome = _import(engine, reference, standard_feed().write(tmp_path / "vrr-test.zip"), name="vrr-test")
    feed = outcome.feed
    assert feed is not None
    assert feed.service_date == date(2026, 1, 5)  # weekdays all alike: the first of the first full week
    assert (feed.valid_from, feed.valid_to) == (date(2026, 1, 5), date(2026, 3, 27))
    # g1, n1, a1 and the far terminus have departures; g1 and n1 match by name, a1 by position only.
    assert (feed.feed_stops, feed.matched_by_name, feed.matched_by_position, feed.unmatched) == (4, 2, 1, 1)
    assert feed.stops_covered == 3
    assert outcome.changed == 2  # plant and village; Stuttgart unchanged

    plant = repository.get("plant")
    assert plant is not None
    assert plant.features.transit_class is TransitClass.A  # every 5 minutes: category II, ≤ 300 m
    stop = plant.features.transit_stop
    assert stop is not None
    assert (stop.name, stop.departures_per_hour) == (GRAEVINGHOLZ[1], 12.0)
    # 5:30–6:30 every 5 minutes; 13:40, 14:00, 14:20; 21:40 and 22:10.
    assert [(d.hour, d.departures) for d in stop.shift_departures or []] == [(6, 12), (14, 3), (22, 2)]
    village = repository.get("village")
    assert village is not None
    # One school bus: the stop gives no class; another bus stop nearby (by the proxy) gives it now.
    assert stored["village"].features.transit_stop is not None
    assert stored["village"].features.transit_stop.name == NUSSBREDDE[1]
    assert village.features.transit_stop is None or village.features.transit_stop.name != NUSSBREDDE[1]
    (bus,) = [s for s in village.features.transit_stops if s.name == NUSSBREDDE[1]]
    assert bus.transit_class is TransitClass.NONE
    assert bus.departures_per_hour == pytest.approx(1 / 3, abs=0.01)
    assert repository.get("stuttgart") == stored["stuttgart"]  # no feed there: unchanged
    assert repository.revision() > revision  # the changed profiles are logged: every live index reloads them

    (stored_feed,) = SqlTransitStore(engine).feeds()
    assert (stored_feed.name, stored_feed.source, stored_feed.stops_covered) == ("vrr-test", "vrr-test.zip", 3)

    # Reasons name the stop and its frequency; for shift work the departures at the shift changes.
    measures = {m.id: m for m in recommend_measures(plant, catalog, settings.measures, limit=ALL)}
    fit = next(r.text for r in measures["deutschlandticket_job"].reasons if r.code == "problem_fit")
    assert "Stadtbahn-Haltestelle Grävingholz, Dortmund, 150 m, 12 Abfahrten/h in der Morgenspitze" in fit
    assert "hier nicht abgewertet: Stadtbahn-Haltestelle Grävingholz, Dortmund zu den Schichtwechseln um 6 Uhr 12, " \
           "um 14 Uhr 3 und um 22 Uhr 2 Abfahrten" in fit  # fmt: skip


@BOTH_BACKENDS
def test_reimport_replaces_the_feed_and_remove_restores_the_proxy(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path,
) -> None:  # fmt: skip
    _import(engine, reference, standard_feed().write(tmp_path / "feed.zip"))
    _import(engine, reference, standard_feed(stadtbahn_every=10).write(tmp_path / "v2.zip"))
    (feed,) = SqlTransitStore(engine).feeds()
    assert feed.source == "v2.zip"
    plant = repository.get("plant")
    assert plant is not None
    assert plant.features.transit_stop is not None
    assert plant.features.transit_stop.departures_per_hour == 6.0  # every 10 minutes now
    assert plant.features.transit_class is TransitClass.B  # category III, ≤ 300 m

    assert remove_feed(engine, reference, "vrr") == Outcome(feed=None, changed=2)
    assert SqlTransitStore(engine).feeds() == []
    assert repository.get("plant") == stored["plant"]  # the mode proxy again, field for field
    assert repository.get("village") == stored["village"]
    assert remove_feed(engine, reference, "vrr") is None


def test_too_few_departures_at_a_shift_change_mark_a_partly_suited_measure_down(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path, catalog: Catalog, settings: MatcherSettings,
) -> None:  # fmt: skip
    thin = standard_feed()
    thin.stop_times = [t for t in thin.stop_times if t["departure_time"] != "22:10:00"]
    _import(engine, reference, thin.write(tmp_path / "thin.zip"))
    plant = repository.get("plant")
    assert plant is not None
    measures = {m.id: m for m in recommend_measures(plant, catalog, settings.measures, limit=ALL)}
    fit = next(r.text for r in measures["deutschlandticket_job"].reasons if r.code == "problem_fit")
    assert "nur bedingt für Schichtarbeit geeignet – abgewertet: " in fit
    assert "um 22 Uhr 1 Abfahrt" in fit


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("column", "stop_times.txt: Spalte(n) departure_time fehlen"),
        ("not_zip", "ist keine lesbare ZIP-Datei"),
        ("too_large", "erlaubt sind höchstens 0 MB je Datei (BMM_GTFS_MAX_ENTRY_BYTES)"),
        ("no_calendar", "calendar.txt und calendar_dates.txt fehlen"),
        ("outside", "Keine Haltestelle des Feeds liegt bei einer Haltestelle der mitgelieferten Tabelle"),
        ("bad_date", "Am 10.01.2026 fährt laut Feed nichts"),
        ("no_service", "Der Feed ist fehlerhaft"),
    ],
)
def test_a_broken_feed_gives_a_german_error_and_changes_nothing(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path, breakage: str, message: str,
) -> None:  # fmt: skip
    _import(engine, reference, standard_feed().write(tmp_path / "good.zip"))
    before = ({o.id: o for o in repository.iter_all()}, SqlTransitStore(engine).feeds(), repository.revision())
    feed, on, limits = standard_feed(stadtbahn_every=10), None, LIMITS
    path = tmp_path / "broken.zip"
    if breakage == "column":
        feed.leave_out["stop_times.txt"] = "departure_time"
    if breakage == "no_calendar":
        feed.calendar = []
    if breakage == "no_service":
        feed.calendar = [{**feed.calendar[0], "monday": 0, "tuesday": 0, "wednesday": 0, "thursday": 0, "friday": 0}]
    if breakage == "outside":
        feed.stops = [{**s, "stop_lat": "54.5", "stop_lon": "4.0"} for s in feed.stops]
    if breakage == "bad_date":
        on = date(2026, 1, 10)  # a Saturday
    if breakage == "too_large":
        limits = ZipLimits(entry_bytes=100, total_bytes=20_000_000)
    if breakage == "not_zip":
        path.write_text("stop_id,stop_name\n", encoding="utf-8")
    else:
        feed.write(path)
    with pytest.raises(FeedError) as raised:
        _import(engine, reference, path, on=on, limits=limits)
    assert message in str(raised.value)
    assert ({o.id: o for o in repository.iter_all()}, SqlTransitStore(engine).feeds(), repository.revision()) == before


def test_platforms_of_a_station_and_a_feed_with_calendar_dates_only(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path,
) -> None:  # fmt: skip
    """As DELFI publishes: service days in calendar_dates.txt only, a parent station with two platforms (each
    direction its own platform), both summed into the one packaged stop."""
    feed = standard_feed()
    feed.calendar = []
    feed.calendar_dates = [{"service_id": "wk", "date": f"202601{d:02d}", "exception_type": 1} for d in (13, 14, 15)]
    platform = {**feed.stops[0], "stop_id": "g2", "stop_name": "Dortmund Grävingholz Bstg. 2"}
    feed.stops.append(platform)
    feed.departures("U42", "g2", "far", every("06:00", "09:00", 10), direction=1)
    outcome = _import(engine, reference, feed.write(tmp_path / "delfi.zip"))
    assert outcome.feed is not None
    assert outcome.feed.service_date == date(2026, 1, 13)  # shorter than a week: the busiest weekday, earliest
    plant = repository.get("plant")
    assert plant is not None
    stop = plant.features.transit_stop
    assert stop is not None
    assert stop.departures_per_hour == 12.0  # direction 0 (12/h) is busier than direction 1 (6/h)
    assert [(d.hour, d.departures) for d in stop.shift_departures or []] == [(6, 12), (14, 3), (22, 2)]
    (row,) = SqlTransitStore(engine).timetable()[GRAEVINGHOLZ[0]].groups
    assert row.peak_per_hour == 12.0


def test_zip_limits_count_all_tables_and_skip_files_the_count_does_not_read(tmp_path: Path) -> None:
    from service.io.gtfs import extract_tables

    feed = standard_feed().write(tmp_path / "feed.zip")
    with zipfile.ZipFile(feed, "a") as archive:
        archive.writestr("shapes.txt", "x" * 50_000)  # never inflated: the count does not need shapes
        archive.writestr("../evil.txt", "x")  # not a GTFS table at the top level: left alone
    target = tmp_path / "out"
    target.mkdir()
    names = extract_tables(feed, target, LIMITS)
    assert sorted(names) == sorted(p.name for p in target.iterdir())
    assert "shapes.txt" not in names
    assert not (tmp_path / "evil.txt").exists()
    sizes = sum(p.stat().st_size for p in target.iterdir())
    with pytest.raises(FeedError, match="BMM_GTFS_MAX_BYTES"):
        extract_tables(feed, target, ZipLimits(entry_bytes=10_000_000, total_bytes=sizes - 1))


def test_live_index_hands_out_a_builder_with_the_imported_timetable(
    engine: Engine, reference: ReferenceData, repository: SqlOrganisationRepository, stored: dict[str, Organisation],
    tmp_path: Path, settings: MatcherSettings,
) -> None:  # fmt: skip
    from datetime import date as day

    from matcher.artefacts import describe
    from matcher.models import OrganisationProfile
    from matcher.vectorise import fit_vectoriser
    from service.engine import MatchingEngine
    from service.live import LiveIndex

    vectoriser = fit_vectoriser(list(stored.values()), settings.vectors)
    card = describe(vectoriser, settings.vectors, "test profiles", len(stored), day(2026, 12, 6))
    matching = MatchingEngine(reference=reference, settings=settings, vectoriser=vectoriser, model_card=card)
    live = LiveIndex(repository, matching, SqlTransitStore(engine))
    site = north_of(GRAEVINGHOLZ[2], GRAEVINGHOLZ[3], 150)
    profile = OrganisationProfile.model_validate(
        {"kind": "company", "name": "Neu GmbH", "sector": "C", "employees": 50, "lat": site[0], "lon": site[1]}
    )
    before = live.current()
    assert before.builder.build(profile, "new").features.transit_class is TransitClass.B
    _import(engine, reference, standard_feed().write(tmp_path / "feed.zip"))
    after = live.current()
    assert after.builder.build(profile, "new").features.transit_class is TransitClass.A
    assert after.organisations["plant"].features.transit_class is TransitClass.A
    assert live.current() is after  # nothing changed since: the same snapshot
