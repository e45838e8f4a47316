"""The stop table of ``data/geo/transit_stops.csv`` with one k-d tree per stop category."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from matcher.geo.distance import to_unit_vectors


class StopCategory(StrEnum):
    """What a stop is for the class table: its best mode, with long-distance stations apart (category I)."""

    HUB = "hub"  # long-distance trains
    RAIL = "rail"  # RE/RB
    SUBURBAN = "suburban"
    LIGHT_RAIL = "light_rail"
    BUS = "bus"


# Mode letters of the file (scripts/import_reference_data.py): F long-distance, R RE/RB, S S-Bahn,
# U U-Bahn/Stadtbahn, T tram, B bus. A stop is in every category one of its letters belongs to.
CATEGORY_LETTERS = {
    StopCategory.HUB: "F",
    StopCategory.RAIL: "FR",
    StopCategory.SUBURBAN: "S",
    StopCategory.LIGHT_RAIL: "UT",
    StopCategory.BUS: "B",
}


@dataclass(frozen=True)
class CategoryStops:
    names: npt.NDArray[np.str_]
    modes: npt.NDArray[np.str_]  # the stop's mode letters, e.g. "RSB"
    tree: cKDTree


@dataclass(frozen=True)
class TransitStops:
    """Stops per category; the trees hold unit vectors, so chord order is great-circle order."""

    categories: dict[StopCategory, CategoryStops]
    count: int

    @classmethod
    def from_frame(cls, stops: pd.DataFrame) -> TransitStops:
        """From a frame with ``name``, ``lat``, ``lon`` and ``modes`` (mode letters)."""
        modes = stops["modes"].astype(str)
        vectors = to_unit_vectors(stops["lat"].to_numpy(dtype=np.float64), stops["lon"].to_numpy(dtype=np.float64))
        categories = {}
        for category, letters in CATEGORY_LETTERS.items():
            mask = modes.str.contains(f"[{letters}]", regex=True).to_numpy(dtype=bool)
            if mask.any():
                categories[category] = CategoryStops(
                    names=stops["name"].to_numpy(dtype=str)[mask],
                    modes=modes.to_numpy(dtype=str)[mask],
                    tree=cKDTree(vectors[mask]),
                )
        return cls(categories=categories, count=len(stops))


def load_transit_stops(data_dir: Path) -> TransitStops:
    """Load ``data_dir/geo/transit_stops.csv`` (about 86,000 stops of NRW, BW and a band around them)."""
    frame = pd.read_csv(
        data_dir / "geo" / "transit_stops.csv",
        dtype={"id": str, "name": str, "modes": str, "ifopt": str},
        usecols=["id", "name", "lat", "lon", "modes"],
        keep_default_na=False,
    )
    return TransitStops.from_frame(frame)
