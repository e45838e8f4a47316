"""Transit quality: class bands, the best stop, per-mode nearest stops (against brute force) and speed."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from matcher.geo.distance import haversine_km
from matcher.geo.reference import GeoReference
from matcher.settings import TransitBands, TransitSettings
from matcher.transit.model import TRANSIT_CLASS_ORDER, NearestStop, TransitClass, TransitMode
from matcher.transit.quality import class_rank, site_class_ranks, transit_access
from matcher.transit.stops import StopCategory, TransitStops
from matcher.transit.text import class_phrase, stop_phrase
from matcher.wording import format_distance

SETTINGS = TransitSettings()
# 0.001° of latitude is 111.2 m: stops placed due north of the site at (50.0, 7.0).
SITE = (50.0, 7.0)
M_PER_DEG = 111_195.0


def stops_at(rows: list[tuple[str, float, str]]) -> TransitStops:
    """Stops (name, metres north of SITE, mode letters)."""
    frame = pd.DataFrame(
        [{"name": n, "lat": SITE[0] + m / M_PER_DEG, "lon": SITE[1], "modes": modes} for n, m, modes in rows]
    )
    return TransitStops.from_frame(frame)


def access(rows: list[tuple[str, float, str]], sparse: bool = False) -> tuple[TransitClass, NearestStop | None]:
    (result,) = transit_access(stops_at(rows), [SITE[0]], [SITE[1]], SETTINGS, sparse=[sparse])
    return result.transit_class, result.best


@pytest.mark.parametrize(
    ("metres", "modes", "expected"),
    [
        (20, "B", TransitClass.C),  # a bus stop at the door is still only class C
        (290, "B", TransitClass.C),
        (310, "B", TransitClass.D),
        (490, "B", TransitClass.D),
        (510, "B", TransitClass.NONE),  # beyond the Nahverkehrsplan walking distance of a bus stop (300 m) + one band
        (150, "U", TransitClass.B),
        (150, "T", TransitClass.B),
        (450, "U", TransitClass.C),
        (700, "T", TransitClass.D),
        (800, "U", TransitClass.NONE),
        (250, "S", TransitClass.A),
        (450, "R", TransitClass.B),
        (700, "S", TransitClass.C),
        (950, "R", TransitClass.D),
        (1050, "R", TransitClass.NONE),
        (480, "FRS", TransitClass.A),
        (700, "FR", TransitClass.B),
        (950, "F", TransitClass.C),
    ],
)
def test_class_of_a_single_stop(metres: float, modes: str, expected: TransitClass) -> None:
    assert access([("Halt", metres, modes)])[0] is expected


def test_bus_stops_in_sparse_municipalities_count_one_category_lower() -> None:
    assert access([("Markt", 200, "B")], sparse=True)[0] is TransitClass.D
    assert access([("Markt", 350, "B")], sparse=True)[0] is TransitClass.NONE
    assert access([("Bahnhof", 200, "R")], sparse=True)[0] is TransitClass.A  # rail is not affected


def test_the_best_class_wins_and_names_its_stop() -> None:
    transit_class, best = access([("Bus", 50, "B"), ("Stadtbahn", 250, "U"), ("Bahnhof", 900, "R")])
    assert transit_class is TransitClass.B
    assert best is not None
    assert best.name == "Stadtbahn"
    assert best.mode is TransitMode.LIGHT_RAIL
    assert best.label == "Stadtbahn-Haltestelle"
    # among stops giving the same class the nearest one is named
    _, best = access([("Bahnhof", 280, "R"), ("S-Bahn", 120, "S")])
    assert best is not None
    assert best.name == "S-Bahn"
    assert best.label == "S-Bahn-Halt"
    # a long-distance station is a rail stop of category I
    _, best = access([("Hbf", 600, "FRSB"), ("Bf", 200, "R")])
    assert best is not None
    assert best.name == "Bf"
    transit_class, best = access([("Hbf", 700, "FRSB"), ("Bf", 600, "R")])
    assert transit_class is TransitClass.B
    assert best is not None
    assert best.label == "Fernverkehrsbahnhof"


def test_every_mode_class_reports_its_nearest_stop_in_order() -> None:
    stops = stops_at([("Bus", 50, "B"), ("Tram", 2000, "T"), ("S", 3000, "S"), ("RB", 4000, "R"), ("RB2", 5000, "R")])
    (result,) = transit_access(stops, [SITE[0]], [SITE[1]], SETTINGS)
    assert [s.mode for s in result.stops] == list(TransitMode)
    assert [s.name for s in result.stops] == ["RB", "S", "Tram", "Bus"]
    assert [round(s.distance_km, 2) for s in result.stops] == [4.0, 3.0, 2.0, 0.05]
    assert [s.transit_class for s in result.stops] == [TransitClass.NONE] * 3 + [TransitClass.C]


def test_no_stop_in_reach_is_class_none_without_a_best_stop() -> None:
    transit_class, best = access([("Bus", 2500, "B")])
    assert transit_class is TransitClass.NONE
    assert best is None


def test_band_limits_belong_to_their_band_and_zero_means_never() -> None:
    bands = TransitBands(a_km=0.0, b_km=0.3, c_km=0.5, d_km=0.75)
    ranks = class_rank(np.array([0.0, 0.3, 0.3001, 0.5, 0.75, 0.7501]), bands)
    assert ranks.tolist() == [1, 1, 2, 2, 3, 4]
    with pytest.raises(ValueError, match="widen"):
        TransitBands(a_km=0.5, b_km=0.3, c_km=0.5, d_km=1.0)


def test_phrases_name_the_stop_and_distance() -> None:
    stop = NearestStop(
        mode=TransitMode.LIGHT_RAIL,
        name="Kampstraße, Dortmund",
        label="Stadtbahn-Haltestelle",
        distance_km=0.1512,
        transit_class=TransitClass.B,
    )
    assert stop_phrase(stop) == "Stadtbahn-Haltestelle Kampstraße, Dortmund, 150 m"
    assert class_phrase(TransitClass.B, stop, [stop]) == (
        "ÖV-Güteklasse B (gute Erschließung): Stadtbahn-Haltestelle Kampstraße, Dortmund, 150 m"
    )
    far = stop.model_copy(update={"distance_km": 2.34, "transit_class": TransitClass.NONE})
    assert class_phrase(TransitClass.NONE, None, [far]) == (
        "keine ÖV-Güteklasse (keine Haltestelle in Gehweite); nächste Haltestelle: "
        "Stadtbahn-Haltestelle Kampstraße, Dortmund, 2,3 km"
    )
    assert [format_distance(km) for km in (0.004, 0.0449, 0.995, 1.04)] == ["0 m", "40 m", "1,0 km", "1,0 km"]


# --- real stops ---------------------------------------------------------------------------------


def test_real_sites(geo: GeoReference) -> None:
    # Dortmund, Westfalenhütte (Stadtbahn U44/U48 area), 2.1 km from the nearest DB station;
    # Dortmund, Kampstraße at the Stadtbahn stop, 390 m from the Hauptbahnhof; Stuttgart Hbf; a field in the Eifel.
    sites = [(51.5300, 7.4850), (51.5148, 7.4620), (48.7840, 9.1820), (50.3920, 6.6210)]
    result = transit_access(geo.transit, [s[0] for s in sites], [s[1] for s in sites], SETTINGS)
    westfalenhuette, kampstrasse, stuttgart, eifel = result
    assert westfalenhuette.transit_class is TransitClass.B
    assert westfalenhuette.best is not None
    assert westfalenhuette.best.name == "Westfalenhütte, Dortmund"
    assert kampstrasse.transit_class is TransitClass.A
    assert kampstrasse.best is not None
    assert kampstrasse.best.name == "Dortmund Hbf"
    assert kampstrasse.best.label == "Fernverkehrsbahnhof"
    light_rail = next(s for s in kampstrasse.stops if s.mode is TransitMode.LIGHT_RAIL)
    assert light_rail.name == "Kampstraße, Dortmund"
    assert light_rail.distance_km < 0.1
    assert stuttgart.transit_class is TransitClass.A
    assert eifel.transit_class is TransitClass.NONE
    assert eifel.best is None


def test_nearest_stops_equal_brute_force(geo: GeoReference) -> None:
    rng = np.random.default_rng(7)
    lat, lon = rng.uniform(48.0, 52.3, 200), rng.uniform(6.2, 9.8, 200)
    result = transit_access(geo.transit, lat, lon, SETTINGS)
    frame = pd.read_csv(
        geo_data_file(),
        dtype={"modes": str, "name": str},
        usecols=["name", "lat", "lon", "modes"],
        keep_default_na=False,
    )
    letters = {TransitMode.RAIL: "FR", TransitMode.SUBURBAN: "S", TransitMode.LIGHT_RAIL: "UT", TransitMode.BUS: "B"}
    for mode, pattern in letters.items():
        rows = frame[frame["modes"].str.contains(f"[{pattern}]")]
        km = haversine_km(lat[:, None], lon[:, None], rows["lat"].to_numpy()[None, :], rows["lon"].to_numpy()[None, :])
        expected = km.min(axis=1)
        found = np.array([next(s for s in r.stops if s.mode is mode).distance_km for r in result])
        np.testing.assert_allclose(found, expected, atol=1e-6)


def test_class_ranks_alone_equal_the_classes_of_the_full_answer(geo: GeoReference) -> None:
    # The demo generator draws transit problems from site_class_ranks; they must be the classes profiles show.
    rng = np.random.default_rng(11)
    lat, lon = rng.uniform(50.5, 52.0, 2000), rng.uniform(6.5, 8.5, 2000)  # NRW: towns, estates and open country
    sparse = rng.random(2000) < 0.3
    ranks = site_class_ranks(geo.transit, lat, lon, SETTINGS, sparse)
    expected = [r.transit_class for r in transit_access(geo.transit, lat, lon, SETTINGS, sparse=sparse)]
    assert [TRANSIT_CLASS_ORDER[int(rank)] for rank in ranks] == expected
    assert len(set(expected)) == len(TRANSIT_CLASS_ORDER)  # every class occurs, so the comparison means something
    assert site_class_ranks(geo.transit, lat[:0], lon[:0], SETTINGS).shape == (0,)


def geo_data_file() -> str:
    from matcher.resources import data_dir

    return str(data_dir() / "geo" / "transit_stops.csv")


def test_twenty_thousand_sites_take_seconds_not_minutes(geo: GeoReference) -> None:
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(48.0, 52.3, 20_000), rng.uniform(6.2, 9.8, 20_000)
    start = time.perf_counter()
    result = transit_access(geo.transit, lat, lon, SETTINGS, sparse=rng.random(20_000) < 0.5)
    elapsed = time.perf_counter() - start
    assert len(result) == 20_000
    assert elapsed < 20, f"{elapsed:.1f} s"  # measured about 1.5 s on a 2-core machine


def test_categories_of_the_real_table(geo: GeoReference) -> None:
    sizes = {category: len(table.names) for category, table in geo.transit.categories.items()}
    assert set(sizes) == set(StopCategory)
    assert sizes[StopCategory.HUB] < sizes[StopCategory.RAIL] < sizes[StopCategory.BUS]
