"""The real reference geography (Destatis, BA, DB, OSM/GeoNames postcodes), loaded from ``data/geo``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from matcher.geo.boundaries import BoundaryIndex
from matcher.geo.distance import FloatArray, to_unit_vectors
from matcher.geo.naming import KreisNaming
from matcher.transit.stops import TransitStops, load_transit_stops
from matcher.vocabulary import STATE_BY_LAND_CODE

_KEYS = {"ags": str, "kreis_code": str, "land_code": str, "regbez_code": str, "plz_seat": str,
         "gemeinde_typ_code": str, "urbanisation_code": str, "plz": str, "kreis": str,
         "kreis_list": str, "ags_list": str, "state_iso": str, "eva_nr": str, "kreis_code_ifopt": str}  # fmt: skip


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=_KEYS, keep_default_na=False, na_values=[""])


@dataclass(frozen=True)
class GeoReference:
    """Municipalities, Kreise, postcodes, stations, transit stops, commuter totals and NRW/BW boundaries.

    Municipality rows are addressed by position (``municipality_index``) inside the library only;
    everything that leaves it uses the AGS.
    """

    municipalities: pd.DataFrame  # one row per AGS, in file order
    kreise: pd.DataFrame  # index: kreis_code
    postcodes: pd.DataFrame  # index: plz
    stations: pd.DataFrame
    commuters: pd.DataFrame  # index: kreis code
    boundaries: BoundaryIndex
    municipality_position: dict[str, int]
    municipality_lat: FloatArray
    municipality_lon: FloatArray
    municipality_radius_km: FloatArray  # radius of a circle with the municipality's area
    municipality_state: npt.NDArray[np.str_]
    municipality_tree: cKDTree
    station_tree: cKDTree
    transit: TransitStops  # every stop with its modes (data/geo/transit_stops.csv)
    kreis_naming: KreisNaming  # Kreis types: "Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna"

    kreis_population: dict[str, int]
    kreis_commuter_balance: dict[str, int]  # in- minus out-commuters (BA; own calculation)


def load_geo_reference(data_dir: Path) -> GeoReference:
    """Load the reference geography shipped in ``data_dir/geo``."""
    geo = data_dir / "geo"
    municipalities = _read(geo / "municipalities.csv")
    kreise = _read(geo / "kreise.csv").set_index("kreis_code", drop=False)
    postcodes = _read(geo / "postcodes.csv").set_index("plz", drop=False)
    stations = _read(geo / "stations.csv")
    commuters = _read(geo / "commuters_kreise.csv").set_index("kreis", drop=False)

    lat = municipalities["lat"].to_numpy(dtype=np.float64)
    lon = municipalities["lon"].to_numpy(dtype=np.float64)
    area = municipalities["area_km2"].to_numpy(dtype=np.float64)
    state = municipalities["land_code"].map(STATE_BY_LAND_CODE).to_numpy(dtype=str)
    return GeoReference(
        municipalities=municipalities,
        kreise=kreise,
        postcodes=postcodes,
        stations=stations,
        commuters=commuters,
        boundaries=BoundaryIndex.load(geo / "boundaries"),
        municipality_position={ags: i for i, ags in enumerate(municipalities["ags"])},
        municipality_lat=lat,
        municipality_lon=lon,
        municipality_radius_km=np.sqrt(np.maximum(area, 0.01) / np.pi),
        municipality_state=state,
        municipality_tree=cKDTree(to_unit_vectors(lat, lon)),
        kreis_population=dict(zip(kreise["kreis_code"], kreise["population"].astype(int), strict=True)),
        kreis_commuter_balance=dict(zip(commuters["kreis"], commuters["pendlersaldo"].astype(int), strict=True)),
        station_tree=cKDTree(
            to_unit_vectors(stations["lat"].to_numpy(dtype=np.float64), stations["lon"].to_numpy(dtype=np.float64))
        ),
        transit=load_transit_stops(data_dir),
        kreis_naming=KreisNaming.of(kreise),
    )
