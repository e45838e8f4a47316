"""Home places for the peers reason: per consenting organisation, the municipalities where ≥ k of its staff live.

The only residence fact that reaches peer matching, so it is k-safe by construction: a municipality (AGS of the
postcode's first municipality) is kept only when the organisation's own staff there number ≥ k, and the service
passes only organisations that consented (``share_residence_aggregates``). Counts never leave this module; what
remains is which places, ordered by the organisation's own staff there (largest first) so that a reason names the
most important ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.anonymity import check_k
from matcher.residences.distances import PostcodeTable


@dataclass(frozen=True)
class HomePlaces:
    """Organisation id → AGS of the municipalities where ≥ k of its staff live (largest first); AGS → name."""

    by_organisation: Mapping[str, tuple[str, ...]]
    names: Mapping[str, str]

    def of(self, organisation_id: str) -> tuple[str, ...]:
        return self.by_organisation.get(organisation_id, ())


NO_HOME_PLACES = HomePlaces({}, {})


def home_places(uploads: Iterable[tuple[str, ResidenceCounts]], table: PostcodeTable, k: int) -> HomePlaces:
    """``uploads``: (organisation id, counts) of the consenting organisations only — consent is the caller's
    check. Postcodes whose municipality the reference does not know are left out."""
    k = check_k(k)
    ids: list[str] = []
    sizes: list[int] = []
    postcodes: list[str] = []
    counts: list[int] = []
    for organisation_id, residences in uploads:
        ids.append(organisation_id)
        sizes.append(len(residences.postcodes))
        postcodes.extend(residences.postcodes)
        counts.extend(residences.counts)
    if not postcodes:
        return NO_HOME_PLACES
    position = table.positions(postcodes)
    organisation = np.repeat(np.arange(len(ids), dtype=np.int64), sizes)
    known = table.ags[position] != ""
    if not known.any():
        return NO_HOME_PLACES
    places, place = np.unique(table.ags[position][known], return_inverse=True)
    # One cell per (organisation, municipality): people summed over its postcodes.
    cell, inverse = np.unique(organisation[known] * len(places) + place, return_inverse=True)
    people = np.bincount(inverse, weights=np.asarray(counts, dtype=np.float64)[known])
    kept = people >= k
    cell_organisation, cell_place, cell_people = cell[kept] // len(places), cell[kept] % len(places), people[kept]
    order = np.lexsort((cell_place, -cell_people, cell_organisation))  # by organisation, then its largest first
    found: dict[str, list[str]] = {}
    for o, p in zip(cell_organisation[order].tolist(), cell_place[order].tolist(), strict=True):
        found.setdefault(ids[o], []).append(str(places[p]))
    name_of = dict(zip(table.ags.tolist(), table.municipality.tolist(), strict=True))
    names = {ags: str(name_of[ags]) for ags in {a for some in found.values() for a in some}}
    return HomePlaces({i: tuple(some) for i, some in found.items()}, names)
