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
    by_organisation: dict[str, tuple[str, ...]] = {}
    names: dict[str, str] = {}
    for organisation_id, residences in uploads:
        position = table.positions(residences.postcodes)
        ags = table.ags[position]
        known = ags != ""
        places, inverse = np.unique(ags[known], return_inverse=True)
        per_place = np.bincount(inverse, weights=np.asarray(residences.counts)[known], minlength=len(places))
        kept = [str(places[i]) for i in np.argsort(-per_place, kind="stable").tolist() if per_place[i] >= k]
        if kept:
            by_organisation[organisation_id] = tuple(kept)
            name_of = dict(zip(ags.tolist(), table.municipality[position].tolist(), strict=True))
            names.update((place, str(name_of[place])) for place in kept)
    return HomePlaces(by_organisation, names)
