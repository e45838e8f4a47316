"""A site's transit situation for planning and peer reasons: its band, its stop, and the problems it bears on.

Leads, peers and clusters use the transit-quality class (docs/transit.md) where they used the railway-station
distance before: a poor class (D or none) together with a reported transit problem is the gap an advisor can
work on, and firms in the same band share a situation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass

from matcher.models import LocationFeatures
from matcher.transit.model import TransitClass
from matcher.vocabulary import ProblemCode

# Problems about the transit service at the site itself, which the class of the site confirms or contradicts.
# (Crowding, ticket costs or commuting distance are about the trip, not about the stops near the site.)
SITE_TRANSIT_PROBLEMS = frozenset(
    {ProblemCode.POOR_TRANSIT_ACCESS, ProblemCode.TRANSIT_SCHEDULE_MISMATCH, ProblemCode.LAST_MILE_GAP}
)
# Their columns in the index's issue matrix, whose columns follow the vocabulary order (``vectorise.PROBLEMS``).
SITE_TRANSIT_COLUMNS = [i for i, code in enumerate(ProblemCode) if code in SITE_TRANSIT_PROBLEMS]

# Bands of the classes: the Swiss method calls A/B good, C medium, D basic access; "none" has no stop in walking
# distance, which for an employer's staff is no better than basic.
TRANSIT_BANDS: dict[TransitClass, str] = {
    TransitClass.A: "good",
    TransitClass.B: "good",
    TransitClass.C: "medium",
    TransitClass.D: "poor",
    TransitClass.NONE: "poor",
}
POOR_CLASSES = frozenset(c for c, band in TRANSIT_BANDS.items() if band == "poor")
BAND_LABELS_DE = {"good": "gute", "medium": "mittelmäßige", "poor": "geringe oder keine"}


@dataclass(frozen=True, slots=True)
class SiteStop:
    """The stop named for a site, compact for the index: three slots and shared strings instead of a pydantic model
    per organisation."""

    label: str  # "Bushaltestelle", interned: shared by every site
    name: str  # "Markt, Rüthen", interned: shared by the sites near it
    distance_km: float
    departures_per_hour: float | None  # morning peak, from an imported GTFS feed; None: the mode is the proxy


def site_stop(features: LocationFeatures) -> SiteStop | None:
    """The stop to name for a site: the one giving its class, else (class none) the nearest of any mode."""
    stop = features.transit_stop or min(features.transit_stops, key=lambda s: s.distance_km, default=None)
    if stop is None:
        return None
    return SiteStop(sys.intern(stop.label), sys.intern(stop.name), stop.distance_km, stop.departures_per_hour)


def transit_problems(issues: Iterable[ProblemCode]) -> list[ProblemCode]:
    """The site transit problems among ``issues``, in their order."""
    return [code for code in issues if code in SITE_TRANSIT_PROBLEMS]
