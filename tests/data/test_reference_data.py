"""Soundness of the reference geography in ``data/geo`` (counts the sources state, referential integrity)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matcher.geo.reference import GeoReference
from matcher.resources import data_dir
from matcher.vocabulary import STATE_BY_LAND_CODE, URBANISATION_BY_DESTATIS_CODE

NRW, BW = "05", "08"
GEMEINDEFREIE_GEBIETE = frozenset({"65", "66"})  # Destatis Satzart: gemeindefreies Gebiet (bewohnt/unbewohnt)

# Generous bounding box of Germany (also used by the resolver's first check).
LAT_RANGE = (47.2, 55.1)
LON_RANGE = (5.8, 15.1)

# The German-Luxembourgish condominium has no centre (lat/lon 0.0 in the source); the importer drops it.
CONDOMINIUM_AGS = "07000999"


@pytest.fixture(scope="module")
def municipalities(geo: GeoReference) -> pd.DataFrame:
    return geo.municipalities


def of_land(table: pd.DataFrame, land_code: str) -> pd.DataFrame:
    return table[table["land_code"] == land_code]


# -- counts the sources state ---------------------------------------------------------------------


def test_nrw_has_396_municipalities_and_no_gemeindefreie_gebiete(geo: GeoReference) -> None:
    nrw = of_land(geo.municipalities, NRW)
    assert len(nrw) == 396
    assert not nrw["gemeinde_typ_code"].isin(GEMEINDEFREIE_GEBIETE).any()


def test_bw_has_1101_political_municipalities(geo: GeoReference) -> None:
    bw = of_land(geo.municipalities, BW)
    political = bw[~bw["gemeinde_typ_code"].isin(GEMEINDEFREIE_GEBIETE)]
    assert len(political) == 1101


def test_germany_has_400_kreise_53_in_nrw_and_44_in_bw(geo: GeoReference) -> None:
    # 294 Landkreise + 106 kreisfreie Städte; NRW 31 + 22, BW 35 Landkreise + 9 Stadtkreise.
    assert len(geo.kreise) == 400
    assert len(of_land(geo.kreise, NRW)) == 53
    assert len(of_land(geo.kreise, BW)) == 44


def test_kreis_polygons_are_exactly_the_nrw_and_bw_kreise(geo: GeoReference) -> None:
    codes = list(geo.boundaries.kreis_codes)
    assert sum(code.startswith(NRW) for code in codes) == 53
    assert sum(code.startswith(BW) for code in codes) == 44
    assert len(set(codes)) == len(codes)
    expected = set(geo.kreise.loc[geo.kreise["land_code"].isin([NRW, BW]), "kreis_code"])
    assert set(codes) == expected


def test_municipality_polygons_are_exactly_the_nrw_and_bw_municipalities(geo: GeoReference) -> None:
    codes = list(geo.boundaries.municipality_codes)
    assert len(set(codes)) == len(codes)
    table = geo.municipalities
    assert set(codes) == set(table.loc[table["land_code"].isin([NRW, BW]), "ags"])


# -- keys and referential integrity -----------------------------------------------------------------


def test_keys_are_unique(geo: GeoReference) -> None:
    assert geo.municipalities["ags"].is_unique
    assert geo.kreise["kreis_code"].is_unique
    assert geo.postcodes["plz"].is_unique
    assert geo.stations["eva_nr"].is_unique
    assert geo.commuters["kreis"].is_unique


def test_ags_codes_are_well_formed_and_nested(geo: GeoReference) -> None:
    municipalities = geo.municipalities
    assert municipalities["ags"].str.fullmatch(r"[0-9]{8}").all()
    assert geo.kreise["kreis_code"].str.fullmatch(r"[0-9]{5}").all()
    assert (municipalities["ags"].str[:2] == municipalities["land_code"]).all()
    assert (municipalities["ags"].str[:5] == municipalities["kreis_code"]).all()
    assert (geo.kreise["kreis_code"].str[:2] == geo.kreise["land_code"]).all()
    assert set(municipalities["land_code"]) == set(STATE_BY_LAND_CODE)


def test_every_kreis_referenced_by_a_municipality_exists(municipalities: pd.DataFrame, geo: GeoReference) -> None:
    missing = set(municipalities["kreis_code"]) - set(geo.kreise.index)
    assert not missing


def test_every_kreis_has_municipalities_and_their_population(municipalities: pd.DataFrame, geo: GeoReference) -> None:
    population = municipalities.groupby("kreis_code")["population"].sum()
    assert set(population.index) == set(geo.kreise.index)
    assert (population.reindex(geo.kreise.index) == geo.kreise["population"]).all()


def test_municipality_centres_lie_in_germany(municipalities: pd.DataFrame) -> None:
    lat, lon = municipalities["lat"], municipalities["lon"]
    outside = municipalities[~lat.between(*LAT_RANGE) | ~lon.between(*LON_RANGE)]
    assert outside.empty, outside[["ags", "name", "lat", "lon"]]


def test_condominium_row_is_dropped(geo: GeoReference) -> None:
    assert CONDOMINIUM_AGS not in geo.municipality_position


def test_every_municipality_has_a_known_urbanisation_code(geo: GeoReference) -> None:
    assert geo.municipalities["urbanisation_code"].isin(set(URBANISATION_BY_DESTATIS_CODE)).all()


def test_commuter_totals_cover_every_kreis_and_balance(geo: GeoReference) -> None:
    commuters = geo.commuters
    assert set(commuters.index) == set(geo.kreise.index)
    balance = commuters["einpendler_insgesamt"] - commuters["auspendler_insgesamt"]
    assert (balance == commuters["pendlersaldo"]).all()


def test_postcodes_are_five_digits_and_reference_existing_kreise(geo: GeoReference) -> None:
    postcodes = geo.postcodes
    assert postcodes["plz"].str.fullmatch(r"[0-9]{5}").all()
    kreise = {code for cell in postcodes["kreis_list"].dropna() for code in cell.split(";")}
    assert kreise <= set(geo.kreise.index)


@pytest.mark.parametrize("land_code", [NRW, BW])
def test_nrw_and_bw_postcodes_reference_existing_municipalities(geo: GeoReference, land_code: str) -> None:
    listed = {ags for cell in geo.postcodes["ags_list"].dropna() for ags in cell.split(";")}
    of_state = {ags for ags in listed if ags.startswith(land_code)}
    assert of_state
    assert of_state <= set(geo.municipality_position)


def test_postcode_and_station_coordinates_lie_in_germany(geo: GeoReference) -> None:
    for table in (geo.postcodes, geo.stations):
        lat = table["lat"].to_numpy(dtype=np.float64)
        lon = table["lon"].to_numpy(dtype=np.float64)
        assert np.isfinite(lat).all()
        assert np.isfinite(lon).all()
        assert ((lat >= LAT_RANGE[0]) & (lat <= LAT_RANGE[1])).all()
        assert ((lon >= LON_RANGE[0]) & (lon <= LON_RANGE[1])).all()


def readme_files_table() -> list[tuple[str, int | None]]:
    """(path relative to data/, stated row count) for each file in data/README.md's "Files" table.

    A cell may name several files (``geo/boundaries/a.geojson``, ``b.geojson``: the second is in the
    folder of the first) with one count each ("53 / 44"); "—" means no count.
    """
    readme = data_dir() / "README.md"
    if not readme.exists():
        pytest.skip("data/README.md has not been written yet")
    section = readme.read_text(encoding="utf-8").split("## Files", 1)[1].split("\n## ", 1)[0]
    listed: list[tuple[str, int | None]] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[0])
        counts = [int(c.replace(",", "")) for c in re.findall(r"[0-9][0-9,]*", cells[1])]
        assert not counts or len(counts) == len(names), line
        folder = ""
        for k, name in enumerate(names):
            if "/" in name:
                folder = name.rsplit("/", 1)[0]
            path = name if "/" in name or not folder else f"{folder}/{name}"
            listed.append((path, counts[k] if counts else None))
    return listed


def count_rows(path: Path) -> int:
    if path.suffix == ".geojson":
        return len(json.loads(path.read_text(encoding="utf-8"))["features"])
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def test_files_listed_in_data_readme_exist() -> None:
    listed = readme_files_table()
    assert len(listed) >= 10, "data/README.md's Files table not found"
    missing = [name for name, _ in listed if not (data_dir() / name).is_file()]
    assert not missing, f"files named in data/README.md but absent: {missing}"


def test_row_counts_stated_in_data_readme() -> None:
    stated = {name: count for name, count in readme_files_table() if count is not None}
    actual = {name: count_rows(data_dir() / name) for name in stated}
    assert actual == stated
