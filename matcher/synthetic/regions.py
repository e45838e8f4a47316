"""The real municipalities that receive demo data, and their location features as arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray
from matcher.geo.naming import CITY_TYPES, kreis_label
from matcher.geo.reference import GeoReference
from matcher.synthetic.settings import RegionSettings
from matcher.vocabulary import URBANISATION_BY_DESTATIS_CODE, Urbanisation

BoolArray = npt.NDArray[np.bool_]

URBANISATION_ORDER: tuple[Urbanisation, ...] = tuple(Urbanisation)
_CITY_TYPE_CODES = frozenset({"61", "62", "63", "66", "67"})  # Destatis Gemeindetyp: Städte


@dataclass(frozen=True)
class MunicipalityFeatures:
    """Location features of every municipality in Germany, indexed by row position (as the builder derives them)."""

    urbanisation: IntArray  # index into URBANISATION_ORDER
    density: FloatArray  # residents per km²
    balance_per_1000: FloatArray  # Kreis commuter balance per 1,000 Kreis residents

    @classmethod
    def of(cls, geo: GeoReference) -> MunicipalityFeatures:
        municipalities = geo.municipalities
        codes = municipalities["urbanisation_code"].map(
            lambda code: URBANISATION_ORDER.index(URBANISATION_BY_DESTATIS_CODE[str(code)])
        )
        kreise = geo.kreise
        balance = geo.commuters["pendlersaldo"].reindex(kreise.index).fillna(0).to_numpy(dtype=np.float64)
        per_1000 = 1000.0 * balance / np.maximum(kreise["population"].to_numpy(dtype=np.float64), 1.0)
        by_kreis = dict(zip(kreise.index, per_1000.tolist(), strict=True))
        return cls(
            urbanisation=codes.to_numpy(dtype=np.int64),
            density=municipalities["density_per_km2"].to_numpy(dtype=np.float64),
            balance_per_1000=np.array(
                [by_kreis.get(code, 0.0) for code in municipalities["kreis_code"]], dtype=np.float64
            ),
        )


@dataclass(frozen=True)
class DemoRegion:
    """The selected municipalities (in reference file order) and the Kreise that get a district profile."""

    positions: IntArray  # row positions in geo.municipalities
    ags: list[str]
    short_name: list[str]
    label: list[str]  # "Stadt" or "Gemeinde"
    qualifier: list[str]  # "" or the Kreis, for names that occur twice in the region
    kreis_code: list[str]
    is_city: BoolArray  # kreisfreie Stadt / Stadtkreis
    population: FloatArray
    lat: FloatArray
    lon: FloatArray
    radius_km: FloatArray  # equivalent radius (circle of the municipality's area)
    district_codes: list[str]

    def __len__(self) -> int:
        return len(self.ags)


def select_region(geo: GeoReference, settings: RegionSettings) -> DemoRegion:
    municipalities = geo.municipalities
    chosen = municipalities["land_code"].isin(settings.land_codes) | municipalities["kreis_code"].isin(
        settings.kreis_codes
    )
    positions = np.flatnonzero(chosen.to_numpy(dtype=bool)).astype(np.int64)
    rows = municipalities.iloc[positions]
    kreise = geo.kreise
    kreis_codes = [str(code) for code in rows["kreis_code"]]
    kreis_types = {str(k): str(v) for k, v in kreise["kreis_typ"].items()}
    kreis_names = {str(k): str(v) for k, v in kreise["short_name"].items()}
    short_names = [str(name) for name in rows["short_name"]]
    counts: dict[str, int] = {}
    for name in short_names:
        counts[name] = counts.get(name, 0) + 1
    qualifier = [
        kreis_label(kreis_names[code], kreis_types[code]) if counts[name] > 1 else ""
        for name, code in zip(short_names, kreis_codes, strict=True)
    ]
    label = [
        "Stadt" if str(code) in _CITY_TYPE_CODES or "stadt" in str(name).partition(",")[2].lower() else "Gemeinde"
        for code, name in zip(rows["gemeinde_typ_code"], rows["name"], strict=True)
    ]
    districts = [code for code in dict.fromkeys(kreis_codes) if kreis_types[code] not in CITY_TYPES]
    return DemoRegion(
        positions=positions,
        ags=[str(a) for a in rows["ags"]],
        short_name=short_names,
        label=label,
        qualifier=qualifier,
        kreis_code=kreis_codes,
        is_city=np.array([kreis_types[code] in CITY_TYPES for code in kreis_codes], dtype=bool),
        population=rows["population"].to_numpy(dtype=np.float64),
        lat=geo.municipality_lat[positions],
        lon=geo.municipality_lon[positions],
        radius_km=geo.municipality_radius_km[positions],
        district_codes=districts,
    )
