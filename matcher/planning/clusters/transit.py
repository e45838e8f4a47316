"""The members' transit situation in a cluster's description (docs/planning.md, Clusters; docs/transit.md).

Where a transit problem at the site is among a cluster's dominant problems, the description says which
ÖV-Güteklassen the members have ("überwiegend ÖV-Güteklasse D/keine (7 von 9 Betrieben)") and which stop most of
the poorly served ones have nearest ("häufigste nächste Haltestelle: Bushaltestelle Markt, Rünthe (für 4
Betriebe, 300–800 m)"). A planner sees at once whether a shuttle to a stop, a new stop or the timetable is the
question. The stop sentence locates members roughly, so the service withholds it when members are withheld.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import numpy.typing as npt

from matcher.index import OrganisationIndex
from matcher.planning.clusters.models import TransitClassCount
from matcher.transit.model import TRANSIT_CLASS_LABELS_DE, TRANSIT_CLASS_ORDER, TransitClass
from matcher.transit.situation import POOR_CLASSES, SITE_TRANSIT_PROBLEMS
from matcher.transit.text import stop_phrase
from matcher.vocabulary import ProblemCode
from matcher.wording import format_distance, german_int

IntArray = npt.NDArray[np.int64]
_LETTER = {c: "keine" if c is TransitClass.NONE else c.value for c in TransitClass}


def transit_classes(index: OrganisationIndex, members: IntArray) -> list[TransitClassCount]:
    """Members per ÖV-Güteklasse, best class first; classes without members left out."""
    counts = Counter(index.transit_classes[members].tolist())
    return [
        TransitClassCount(transit_class=c, label=TRANSIT_CLASS_LABELS_DE[c], members=counts[c])
        for c in TRANSIT_CLASS_ORDER
        if counts[c]
    ]


def transit_note(index: OrganisationIndex, members: IntArray, dominant: list[ProblemCode]) -> str | None:
    """German description of the members' classes, only where a site transit problem is dominant."""
    if not SITE_TRANSIT_PROBLEMS.intersection(dominant):
        return None
    poor = _poor(index, members)
    size, poorly = len(members), int(poor.sum())
    of = f"{german_int(poorly)} von {german_int(size)} Betrieben"
    if 2 * poorly > size:
        return f"überwiegend ÖV-Güteklasse D/keine ({of})"
    counts = transit_classes(index, members)
    listed = ", ".join(f"{german_int(c.members)}× {_LETTER[c.transit_class]}" for c in counts)
    return (
        f"überwiegend mit Haltestelle in Gehweite (ÖV-Güteklasse D/keine nur bei {of}; Klassen: {listed}) – "
        "eher Takt, Fahrplan oder letzte Meile prüfen"
    )


def transit_stop_note(index: OrganisationIndex, members: IntArray, dominant: list[ProblemCode]) -> str | None:
    """German: the stop most of the poorly served members have nearest, where they are the majority and a site
    transit problem is dominant: 'häufigste nächste Haltestelle: Bushaltestelle Markt, Rünthe (für 4 Betriebe,
    300–800 m)'; when none is shared, the closest one."""
    if not SITE_TRANSIT_PROBLEMS.intersection(dominant):
        return None
    poor = _poor(index, members)
    if 2 * int(poor.sum()) <= len(members):
        return None
    named = [s for s in index.transit_stops[members[poor]].tolist() if s is not None]
    if not named:
        return None
    counts = Counter((s.label, s.name) for s in named)
    (label, name), count = min(counts.items(), key=lambda item: (-item[1], item[0]))
    if count == 1 and len(named) > 1:
        closest = min(named, key=lambda s: (s.distance_km, s.name))
        return f"nächste Haltestellen verschieden, die nächste: {stop_phrase(closest)}"
    distances = [s.distance_km for s in named if (s.label, s.name) == (label, name)]
    noun = "Betrieb" if count == 1 else "Betriebe"
    where = f"{german_int(count)} {noun}, {distance_span(distances)}"
    return f"häufigste nächste Haltestelle: {label} {name} (für {where})"


def _poor(index: OrganisationIndex, members: IntArray) -> npt.NDArray[np.bool_]:
    classes = index.transit_classes[members].tolist()
    return np.fromiter((c in POOR_CLASSES for c in classes), dtype=np.bool_, count=len(members))


def distance_span(distances: list[float]) -> str:
    """'300–800 m', '1,7–1,8 km', '540 m–1,1 km', or one distance."""
    low, high = format_distance(min(distances)), format_distance(max(distances))
    if low == high:
        return low
    for unit in (" m", " km"):
        if low.endswith(unit) and high.endswith(unit):
            return f"{low.removesuffix(unit)}–{high}"
    return f"{low}–{high}"
