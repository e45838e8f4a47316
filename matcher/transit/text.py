"""German sentences about a site's transit quality, for reasons, briefs, leads and clusters."""

from __future__ import annotations

from typing import Protocol

from matcher.transit.model import TRANSIT_CLASS_LABELS_DE, HourDepartures, NearestStop, TransitClass
from matcher.wording import format_distance, german_number, join_de


class NamedStop(Protocol):
    """What a sentence needs of a stop: a NearestStop, or the index's compact SiteStop."""

    @property
    def label(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def distance_km(self) -> float: ...
    @property
    def departures_per_hour(self) -> float | None: ...


def stop_phrase(stop: NamedStop) -> str:
    """'Stadtbahn-Haltestelle Kampstraße, Dortmund, 150 m', with a timetable '…, 12 Abfahrten/h in der
    Morgenspitze'."""
    phrase = f"{stop.label} {stop.name}, {format_distance(stop.distance_km)}"
    if stop.departures_per_hour is not None:
        phrase += f", {german_number(round(stop.departures_per_hour, 1))} Abfahrten/h in der Morgenspitze"
    return phrase


def shift_phrase(departures: list[HourDepartures]) -> str:
    """'um 6 Uhr 12, um 14 Uhr 3 und um 22 Uhr 2 Abfahrten' (each within the window around the hour)."""
    parts = [f"um {d.hour} Uhr {d.departures}" for d in departures]
    last = departures[-1].departures if departures else 0
    return join_de(parts) + (" Abfahrt" if last == 1 else " Abfahrten")


def site_phrase(transit_class: TransitClass, stop: NamedStop | None) -> str:
    """'ÖV-Güteklasse D (geringe Erschließung): Bushaltestelle Markt, Rüthen, 250 m'; for class none the stop is the
    nearest one: 'keine ÖV-Güteklasse (…); nächste Haltestelle: Bushaltestelle Markt, Rüthen, 1,2 km'."""
    label = TRANSIT_CLASS_LABELS_DE[transit_class]
    if stop is None:
        return label
    if transit_class is TransitClass.NONE:
        return f"{label}; nächste Haltestelle: {stop_phrase(stop)}"
    return f"{label}: {stop_phrase(stop)}"


def class_phrase(transit_class: TransitClass, best: NearestStop | None, stops: list[NearestStop]) -> str:
    """'ÖV-Güteklasse B (gute Erschließung): Stadtbahn-Haltestelle Kampstraße, Dortmund, 150 m' (plus a closer
    stop of a lower class, if any), or for class none the nearest stop of any mode:
    'keine ÖV-Güteklasse (…); nächste Haltestelle: Bushaltestelle Markt, Rüthen, 1,2 km'."""
    if best is not None:
        # A closer stop of a lower class (the Stadtbahn at the door, the main station 400 m on) is named too.
        closer = [
            s
            for s in stops
            if s.distance_km < best.distance_km and s.transit_class is not TransitClass.NONE and s.name != best.name
        ]
        extra = f"; {stop_phrase(min(closer, key=lambda s: s.distance_km))}" if closer else ""
        return f"{site_phrase(transit_class, best)}{extra}"
    return site_phrase(transit_class, min(stops, key=lambda s: s.distance_km, default=None))
