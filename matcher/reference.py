"""Everything the library reads from ``data/``, loaded once and passed around explicitly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from matcher.catalog import Catalog, load_catalog
from matcher.geo.reference import GeoReference, load_geo_reference
from matcher.resources import data_dir


@dataclass(frozen=True)
class ReferenceData:
    geo: GeoReference
    catalog: Catalog


def load_reference_data(directory: Path | None = None) -> ReferenceData:
    """Load geography and catalogue (about one second); pass the result to the library's entry points."""
    directory = directory or data_dir()
    return ReferenceData(geo=load_geo_reference(directory), catalog=load_catalog(directory))
