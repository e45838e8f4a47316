"""Codes and answer types of the transit proxy (no dependencies, so ``matcher.models`` can use them)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class TransitMode(StrEnum):
    """Mode classes, best served first: the mode stands in for the frequency (docs/transit.md)."""

    RAIL = "rail"  # long-distance, RE, RB
    SUBURBAN = "suburban"  # S-Bahn
    LIGHT_RAIL = "light_rail"  # U-Bahn, Stadtbahn, tram
    BUS = "bus"


class TransitClass(StrEnum):
    """Transit-quality class after the Swiss ÖV-Güteklassen: A very good … D basic, NONE no stop in walking distance."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    NONE = "none"


TRANSIT_CLASS_ORDER = [TransitClass.A, TransitClass.B, TransitClass.C, TransitClass.D, TransitClass.NONE]

TRANSIT_CLASS_LABELS_DE = {
    TransitClass.A: "ÖV-Güteklasse A (sehr gute Erschließung)",
    TransitClass.B: "ÖV-Güteklasse B (gute Erschließung)",
    TransitClass.C: "ÖV-Güteklasse C (mittelmäßige Erschließung)",
    TransitClass.D: "ÖV-Güteklasse D (geringe Erschließung)",
    TransitClass.NONE: "keine ÖV-Güteklasse (keine Haltestelle in Gehweite)",
}

TRANSIT_MODE_LABELS_DE = {
    TransitMode.RAIL: "Bahnhof",
    TransitMode.SUBURBAN: "S-Bahn-Halt",
    TransitMode.LIGHT_RAIL: "Stadtbahn-/Straßenbahn-Haltestelle",
    TransitMode.BUS: "Bushaltestelle",
}


class HourDepartures(BaseModel):
    """Departures at a stop around one hour of the day (a shift change)."""

    model_config = ConfigDict(frozen=True)

    hour: int = Field(ge=0, le=23)
    departures: int = Field(ge=0, description="departures within ± the window around the full hour")


class NearestStop(BaseModel):
    """The nearest stop of one mode class (great-circle distance, not the walking route)."""

    model_config = ConfigDict(frozen=True)

    mode: TransitMode
    name: str = Field(description="stop name as in journey planners, usually 'Stop, Town'")
    label: str = Field(description="German kind of stop, e.g. 'U-Bahn-/Stadtbahn-Haltestelle', 'Fernverkehrsbahnhof'")
    distance_km: float = Field(ge=0, description="great-circle distance from the site")
    transit_class: TransitClass = Field(description="the class this stop alone gives the site")
    departures_per_hour: float | None = Field(
        default=None,
        description="departures per hour in the morning peak of the mode that gives the class, from an imported "
        "GTFS feed; null where no feed covers the stop (the mode is the frequency proxy)",
    )
    shift_departures: list[HourDepartures] | None = Field(
        default=None,
        description="departures of every covered mode around each shift-change hour (6, 14, 22 h); null without a feed",
    )
