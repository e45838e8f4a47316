"""The peers' home places kept in step with the store (issue 14; docs/residences.md, "Peers").

The live index calls :meth:`ResidencePlaces.refresh` with each new revision. Uploads are read again only for
the ids written since (a residence upload or erasure logs its organisation as changed, so does a profile
write that gives or withdraws consent), and only for organisations whose profile has
``share_residence_aggregates``; :func:`matcher.residences.places.home_places` keeps the municipalities with
≥ k of their staff. No count leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from matcher.residences.places import NO_HOME_PLACES, HomePlaces, home_places
from service.residences import ResidenceAnalyst
from service.snapshot import OrganisationColumns
from service.storage.repository import ResidenceRepository


class ResidencePlaces:
    """A :class:`service.live.HomePlacesSource` on the residence store."""

    def __init__(self, residences: ResidenceRepository, analyst: ResidenceAnalyst) -> None:
        self._residences = residences
        self._analyst = analyst

    def refresh(self, organisations: OrganisationColumns, changed: Sequence[str] | None, old: HomePlaces) -> HomePlaces:
        consents = organisations.flag("share_residence_aggregates")  # a column: no profile is built
        position = organisations.index.position
        if changed is None:
            kept: dict[str, tuple[str, ...]] = {}
            wanted = set(organisations.ids(consents))
        else:
            still = {i for i in old.by_organisation if i not in changed and _consents(position.get(i), consents)}
            kept = {i: p for i, p in old.by_organisation.items() if i in still}
            wanted = {i for i in changed if _consents(position.get(i), consents)}
        stored = self._residences.get_many(sorted(wanted)) if wanted else {}
        fresh = NO_HOME_PLACES
        if stored:
            uploads = [(i, s.counts) for i, s in stored.items()]
            fresh = home_places(uploads, self._analyst.table, self._analyst.settings.k)
        by_organisation = {**kept, **fresh.by_organisation}
        names = {**old.names, **fresh.names}
        used = {ags for places in by_organisation.values() for ags in places}
        return HomePlaces(by_organisation, {ags: name for ags, name in names.items() if ags in used})


def _consents(position: int | None, consents: npt.NDArray[np.bool_]) -> bool:
    return position is not None and bool(consents[position])
