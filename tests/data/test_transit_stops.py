"""data/geo/transit_stops.csv: the stops the import keeps from transit_stops_de (see its SOURCE.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from matcher.resources import data_dir

# NRW and BW with the source's band of 0.2° (about 15-20 km) around their Kreis boundaries.
LAT_RANGE = (47.3, 52.8)
LON_RANGE = (5.6, 10.8)


@pytest.fixture(scope="module")
def stops() -> pd.DataFrame:
    return pd.read_csv(data_dir() / "geo" / "transit_stops.csv", dtype=str, keep_default_na=False)


def test_rows_columns_and_size(stops: pd.DataFrame) -> None:
    # 111,562 source rows; 19,506 platforms folded into their station; stops without a counted mode dropped
    assert len(stops) == 85_846
    assert list(stops.columns) == ["id", "name", "lat", "lon", "modes", "ifopt"]
    assert stops["id"].is_unique
    assert (stops["name"].str.len() > 0).all()
    assert (data_dir() / "geo" / "transit_stops.csv").stat().st_size < 5.5e6


def test_modes_are_letters_in_order(stops: pd.DataFrame) -> None:
    assert stops["modes"].str.fullmatch("F?R?S?U?T?B?").all()
    assert (stops["modes"].str.len() > 0).all()
    counts = {letter: int(stops["modes"].str.contains(letter).sum()) for letter in "FRSUTB"}
    # stops per mode after folding platforms into their stations (rows of the source: bus 98,091, tram 2,985,
    # regional 2,804, S-Bahn 1,411, U-Bahn/Stadtbahn 656, long-distance 155)
    assert counts == {"F": 186, "R": 2_428, "S": 1_278, "U": 358, "T": 1_976, "B": 84_511}


def test_inside_the_area(stops: pd.DataFrame) -> None:
    lat, lon = stops["lat"].astype(float), stops["lon"].astype(float)
    assert lat.between(*LAT_RANGE).all()
    assert lon.between(*LON_RANGE).all()


def test_known_stations(stops: pd.DataFrame) -> None:
    by_name = stops.set_index("name")
    modes = {name: str(by_name.loc[name, "modes"]) for name in ("Köln Hbf", "Stuttgart Hbf", "Kampstraße, Dortmund")}
    assert modes["Köln Hbf"].startswith("FRS")
    assert modes["Stuttgart Hbf"].startswith("FRS")
    assert "U" in modes["Kampstraße, Dortmund"]
    assert by_name.loc["Köln Hbf", "id"] == "8000207"  # the EVA number
