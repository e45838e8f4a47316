"""Soundness of the reference geography in ``data/geo`` (counts the sources state, referential integrity)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from matcher.geo.reference import GeoReference
from matcher.reference import ReferenceData
from matcher.resources import data_dir
from matcher.vocabulary import STATE_BY_LAND_CODE, URBANISATION_BY_DESTATIS_CODE

NRW, BW = "05", "08"
GEMEINDEFREIE_GEBIETE = frozenset({"65", "66"})  # Destatis Satzart: gemeindefreies Gebiet (bewohnt/unbewohnt)

# Generous bounding box of Germany (also used by the resolver's first check).
LAT_RANGE = (47.2, 55.1)
LON_RANGE = (5.8, 15.1)

# Known data defect (see test_condominium_row_is_dropped): the German-Luxembourgish condominium has no
# centre (lat/lon 0.0) and a Kreis 07000 that kreise.csv does not list. The importer meant to drop it.
CONDOMINIUM_AGS = "07000999"


@pytest.fixture(scope="module")
def geo(reference: ReferenceData) -> GeoReference:
    return reference.geo


@pytest.fixture(scope="module")
def municipalities(geo: GeoReference) -> pd.DataFrame:
    """Municipality rows without the known defective condominium row."""
    return geo.municipalities[geo.municipalities["ags"] != CONDOMINIUM_AGS]


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


def test_every_kreis_has_municipalities_and_their_population(
    municipalities: pd.DataFrame, geo: GeoReference
) -> None:
    population = municipalities.groupby("kreis_code")["population"].sum()
    assert set(population.index) == set(geo.kreise.index)
    assert (population.reindex(geo.kreise.index) == geo.kreise["population"]).all()


def test_municipality_centres_lie_in_germany(municipalities: pd.DataFrame) -> None:
    lat, lon = municipalities["lat"], municipalities["lon"]
    outside = municipalities[~lat.between(*LAT_RANGE) | ~lon.between(*LON_RANGE)]
    assert outside.empty, outside[["ags", "name", "lat", "lon"]]


@pytest.mark.xfail(
    strict=True,
    reason="data bug: municipalities.csv keeps 07000999 (German-Luxembourgish condominium) with lat/lon 0.0 "
    "and Kreis 07000, which kreise.csv lacks; import_reference_data.py filters `if r['lat']`, "
    "which does not drop '0.0'",
)
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


def test_files_listed_in_data_readme_exist() -> None:
    directory = data_dir()
    readme = directory / "README.md"
    if not readme.exists():
        pytest.skip("data/README.md has not been written yet")
    text = readme.read_text(encoding="utf-8")
    listed = set(re.findall(r"`([\w./*-]+\.(?:csv|geojson|md|json))`", text))
    assert listed, "data/README.md names no files"
    # A name may be given relative to data/ or to the folder the README section describes.
    missing = [name for name in sorted(listed) if not any(directory.rglob(name.removeprefix("data/")))]
    assert not missing, f"files named in data/README.md but absent: {missing}"
