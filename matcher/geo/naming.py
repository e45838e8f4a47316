"""How a Kreis is named for people: "Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna", "Rhein-Sieg-Kreis".

The type comes from the geo reference (``kreis_typ`` of data/geo/kreise.csv, Destatis Gemeindeverzeichnis):
Kreisfreie Stadt (NRW) and Stadtkreis (BW) are cities that do a Kreis's tasks, so "Kreis Dortmund" is wrong.
``KreisNaming`` holds the types once (``GeoReference.kreis_naming``); pass it where Kreise are named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class KreisNaming:
    """The Kreis types of the geo reference, built once; names Kreise and places by Kreis code."""

    types: Mapping[str, str]

    @classmethod
    def of(cls, kreise: pd.DataFrame) -> KreisNaming:
        return cls(kreis_types(kreise))

    def type_of(self, kreis_code: str) -> str | None:
        return self.types.get(kreis_code)

    def is_city(self, kreis_code: str) -> bool:
        """A kreisfreie Stadt or Stadtkreis."""
        return self.types.get(kreis_code) in CITY_TYPES

    def kreis(self, kreis_code: str, kreis_name: str) -> str:
        """'Stadt Dortmund (kreisfreie Stadt)', 'Kreis Unna', 'Landkreis Esslingen'."""
        return kreis_label(kreis_name, self.type_of(kreis_code))

    def place(self, municipality: str, kreis_code: str, kreis_name: str) -> str:
        """'Bergkamen, Kreis Unna'; a kreisfreie Stadt named once."""
        return place_label(municipality, kreis_name, self.type_of(kreis_code))
