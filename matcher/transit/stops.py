"""The stop table of ``data/geo/transit_stops.csv`` with one k-d tree per stop category.

With an imported timetable (``Timetable``, docs/transit.md) a stop whose mode group a feed covers leaves the
proxy tree of that group and joins the tree of the category its departures give."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.spatial import cKDTree

from matcher.geo.distance import to_unit_vectors
from matcher.transit.departures import ModeGroup, StopDepartures, StopLevel, Timetable


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


# The mode group whose departures, where a feed has them, replace a proxy category.
CATEGORY_GROUP = {
    StopCategory.HUB: ModeGroup.RAIL,
    StopCategory.RAIL: ModeGroup.RAIL,
    StopCategory.SUBURBAN: ModeGroup.RAIL,
    StopCategory.LIGHT_RAIL: ModeGroup.LIGHT_RAIL,
    StopCategory.BUS: ModeGroup.BUS,
}

_EMPTY: Timetable = MappingProxyType({})


@dataclass(frozen=True)
class CategoryStops:
    ids: npt.NDArray[np.str_]
    names: npt.NDArray[np.str_]
    modes: npt.NDArray[np.str_]  # the stop's mode letters, e.g. "RSB"
    tree: cKDTree

    @classmethod
    def of(cls, stops: pd.DataFrame, vectors: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_]) -> CategoryStops:
        return cls(
            ids=stops["id"].to_numpy(dtype=str)[mask],
            names=stops["name"].to_numpy(dtype=str)[mask],
            modes=stops["modes"].to_numpy(dtype=str)[mask],
            tree=cKDTree(vectors[mask]),
        )


@dataclass(frozen=True)
class TransitStops:
    """Stops per category; the trees hold unit vectors, so chord order is great-circle order.

    ``categories`` holds every stop (the nearest stop per mode); the class comes from ``proxy`` (stops and
    modes no feed covers, the mode standing in for the interval) and ``timetabled`` (covered stops by the
    category their departures give)."""

    categories: dict[StopCategory, CategoryStops]
    count: int
    proxy: dict[StopCategory, CategoryStops]
    timetabled: dict[StopLevel, CategoryStops]
    timetable: Timetable
    frame: pd.DataFrame
    vectors: npt.NDArray[np.float64]
    masks: dict[StopCategory, npt.NDArray[np.bool_]]  # the rows of each category in ``frame``

    @classmethod
    def from_frame(cls, stops: pd.DataFrame, timetable: Timetable | None = None) -> TransitStops:
        """From a frame with ``id`` (default: the row number), ``name``, ``lat``, ``lon`` and ``modes`` (mode
        letters), and the departures of an imported timetable by stop id (ids not in the frame are ignored)."""
        ids = stops["id"].astype(str) if "id" in stops else pd.Series(range(len(stops)), index=stops.index).astype(str)
        stops = stops.assign(modes=stops["modes"].astype(str), id=ids)
        vectors = to_unit_vectors(stops["lat"].to_numpy(dtype=np.float64), stops["lon"].to_numpy(dtype=np.float64))
        masks = {
            category: stops["modes"].str.contains(f"[{letters}]", regex=True).to_numpy(dtype=bool)
            for category, letters in CATEGORY_LETTERS.items()
        }
        categories = {c: CategoryStops.of(stops, vectors, mask) for c, mask in masks.items() if mask.any()}
        plain = cls(
            categories=categories, count=len(stops), proxy=categories, timetabled={}, timetable=_EMPTY,
            frame=stops, vectors=vectors, masks=masks,
        )  # fmt: skip
        return plain if not timetable else plain.with_timetable(timetable)

    def with_timetable(self, timetable: Timetable) -> TransitStops:
        """The same stops with these departures: only the trees of categories the timetable touches are rebuilt."""
        ids = self.frame["id"]
        proxy = {}
        for category, mask in self.masks.items():
            group = CATEGORY_GROUP[category]
            covered = ids.isin([i for i, d in timetable.items() if d.group(group) is not None]).to_numpy(dtype=bool)
            if not (mask & covered).any():
                if category in self.categories:
                    proxy[category] = self.categories[category]
            elif (mask & ~covered).any():
                proxy[category] = CategoryStops.of(self.frame, self.vectors, mask & ~covered)
        levels = ids.map(lambda i: timetable[i].level()[0] if i in timetable else None)
        timetabled = {}
        for level in StopLevel:
            mask = (levels == level).to_numpy(dtype=bool)
            if mask.any():
                timetabled[level] = CategoryStops.of(self.frame, self.vectors, mask)
        return replace(self, proxy=proxy, timetabled=timetabled, timetable=timetable)

    def departures(self, stop_id: str) -> StopDepartures | None:
        return self.timetable.get(stop_id)


def load_transit_stops(data_dir: Path) -> TransitStops:
    """Load ``data_dir/geo/transit_stops.csv`` (about 86,000 stops of NRW, BW and a band around them)."""
    frame = pd.read_csv(
        data_dir / "geo" / "transit_stops.csv",
        dtype={"id": str, "name": str, "modes": str, "ifopt": str},
        usecols=["id", "name", "lat", "lon", "modes"],
        keep_default_na=False,
    )
    return TransitStops.from_frame(frame)
