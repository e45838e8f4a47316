"""Departures per stop from a timetable (an imported GTFS feed), and the stop category they give.

Where a feed covers a stop, its departures replace the mode proxy (docs/transit.md, "Fahrpläne (GTFS)"):
the category of the stop follows from its mode group and its interval in the morning peak, after the
structure of the Swiss ÖV-Güteklassen (ARE; VSS SN 640 290), and the distance bands stay those of
``TransitSettings``. Pure: the departures come in as a mapping stop id → :class:`StopDepartures`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from matcher.transit.model import HourDepartures


class ModeGroup(StrEnum):
    """The mode column of the category table: what runs, from the feed's route_type."""

    RAIL = "rail"  # long-distance, regional and S-Bahn trains
    LIGHT_RAIL = "light_rail"  # U-Bahn, Stadtbahn, tram
    BUS = "bus"


class StopLevel(StrEnum):
    """Stop category I (best) … V after the Swiss method; a stop served less than hourly has none."""

    I = "I"  # noqa: E741 - the method's own numeral
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"


LEVEL_ORDER = [StopLevel.I, StopLevel.II, StopLevel.III, StopLevel.IV, StopLevel.V]

# Interval classes in minutes (upper limits, exclusive except the last, 60 min) and the category per mode
# group. The structure (intervals < 5, 5–9, 10–19, 20–39, 40–60 min; rail better than tram, tram better than
# bus at the same interval) is the Swiss one; the three mode columns are ours (docs/transit.md).
INTERVAL_LIMITS_MIN = (5.0, 10.0, 20.0, 40.0, 60.0)
CATEGORY_TABLE: dict[ModeGroup, tuple[StopLevel, ...]] = {
    ModeGroup.RAIL: (StopLevel.I, StopLevel.I, StopLevel.II, StopLevel.III, StopLevel.IV),
    ModeGroup.LIGHT_RAIL: (StopLevel.I, StopLevel.II, StopLevel.III, StopLevel.IV, StopLevel.V),
    ModeGroup.BUS: (StopLevel.II, StopLevel.III, StopLevel.IV, StopLevel.V, StopLevel.V),
}

MODE_GROUP_ORDER = [ModeGroup.RAIL, ModeGroup.LIGHT_RAIL, ModeGroup.BUS]


class GroupDepartures(BaseModel):
    """Departures of one mode group at one stop on the feed's representative weekday."""

    model_config = ConfigDict(frozen=True)

    group: ModeGroup
    peak_per_hour: float = Field(ge=0, description="departures per hour in the morning peak")
    shift: list[HourDepartures] = Field(description="departures around each shift-change hour")


class StopDepartures(BaseModel):
    """Every covered mode group of one packaged stop (several feed stops, e.g. platforms, summed)."""

    model_config = ConfigDict(frozen=True)

    groups: list[GroupDepartures]

    def group(self, group: ModeGroup) -> GroupDepartures | None:
        return next((g for g in self.groups if g.group is group), None)

    def level(self) -> tuple[StopLevel | None, GroupDepartures | None]:
        """The best category over the covered groups and the group that gives it (None: served less than hourly)."""
        best: tuple[StopLevel | None, GroupDepartures | None] = (None, None)
        for departures in self.groups:
            level = stop_level(departures.group, departures.peak_per_hour)
            if level is not None and (best[0] is None or LEVEL_ORDER.index(level) < LEVEL_ORDER.index(best[0])):
                best = (level, departures)
        return best

    def shift_total(self) -> list[HourDepartures]:
        """Departures around each shift-change hour over every covered group (a shift worker takes any)."""
        hours: dict[int, int] = {}
        for departures in self.groups:
            for entry in departures.shift:
                hours[entry.hour] = hours.get(entry.hour, 0) + entry.departures
        return [HourDepartures(hour=h, departures=n) for h, n in sorted(hours.items())]


Timetable = Mapping[str, StopDepartures]  # packaged stop id (data/geo/transit_stops.csv) → departures


def stop_level(group: ModeGroup, peak_per_hour: float) -> StopLevel | None:
    """Category from the mode group and the interval (60 / departures per hour); None above 60 minutes."""
    if peak_per_hour <= 0:
        return None
    interval = 60.0 / peak_per_hour
    for i, limit in enumerate(INTERVAL_LIMITS_MIN):
        last = i == len(INTERVAL_LIMITS_MIN) - 1
        if interval < limit or (last and interval <= limit):
            return CATEGORY_TABLE[group][i]
    return None


def merge_timetables(timetables: Sequence[Timetable]) -> dict[str, StopDepartures]:
    """Several feeds into one: per stop and mode group the feed with more peak departures wins, since feeds of
    a Verbund and of a railway often carry the same trains (summing would count them twice)."""
    merged: dict[str, dict[ModeGroup, GroupDepartures]] = {}
    for timetable in timetables:
        for stop_id, departures in timetable.items():
            groups = merged.setdefault(stop_id, {})
            for entry in departures.groups:
                current = groups.get(entry.group)
                if current is None or entry.peak_per_hour > current.peak_per_hour:
                    groups[entry.group] = entry
    return {
        stop_id: StopDepartures(groups=[groups[g] for g in MODE_GROUP_ORDER if g in groups])
        for stop_id, groups in merged.items()
    }
