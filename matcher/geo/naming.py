"""How a Kreis is named for people: "Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna", "Rhein-Sieg-Kreis".

The type comes from the geo reference (``kreis_typ`` of data/geo/kreise.csv, Destatis Gemeindeverzeichnis):
Kreisfreie Stadt (NRW) and Stadtkreis (BW) are cities that do a Kreis's tasks, so "Kreis Dortmund" is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

CITY_TYPES = {"Kreisfreie Stadt": "kreisfreie Stadt", "Stadtkreis": "Stadtkreis"}


def kreis_types(kreise: pd.DataFrame) -> dict[str, str]:
    """Kreis code -> ``kreis_typ`` from the reference table (``ReferenceData.geo.kreise``)."""
    return dict(zip(kreise["kreis_code"].astype(str), kreise["kreis_typ"].astype(str), strict=True))


def kreis_label(name: str, kreis_type: str | None) -> str:
    """German name of a Kreis by its type; a name that already says what it is stays as it is."""
    if kreis_type in CITY_TYPES:
        return f"Stadt {name} ({CITY_TYPES[kreis_type]})"
    lowered = name.casefold()
    if "kreis" in lowered or "region" in lowered:  # Rhein-Sieg-Kreis, Städteregion Aachen, Hochsauerlandkreis
        return name
    return f"{kreis_type or 'Kreis'} {name}"


def place_label(municipality: str, kreis_name: str, kreis_type: str | None) -> str:
    """Municipality with its Kreis, without "Dortmund, Dortmund": a kreisfreie Stadt is named once."""
    if kreis_type in CITY_TYPES and municipality == kreis_name:
        return kreis_label(kreis_name, kreis_type)
    return f"{municipality}, {kreis_label(kreis_name, kreis_type)}"


def kreis_label_of(code: str, name: str, types: Mapping[str, str] | None) -> str:
    return kreis_label(name, None if types is None else types.get(code))
