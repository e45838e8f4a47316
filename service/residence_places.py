"""The peers' home places kept in step with the store (issue 14; docs/residences.md, "Peers").

The live index calls :meth:`ResidencePlaces.refresh` with each new revision. Uploads are read again only for
the ids written since (a residence upload or erasure logs its organisation as changed, so does a profile
write that gives or withdraws consent), and only for organisations whose profile has
``share_residence_aggregates``; :func:`matcher.residences.places.home_places` keeps the municipalities with
≥ k of their staff. No count leaves this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matcher.models import Organisation
from matcher.residences.places import NO_HOME_PLACES, HomePlaces, home_places
from service.residences import ResidenceAnalyst
from service.storage.repository import ResidenceRepository


class ResidencePlaces:
    """A :class:`service.live.HomePlacesSource` on the residence store."""

    def __init__(self, residences: ResidenceRepository, analyst: ResidenceAnalyst) -> None:
        self._residences = residences
        self._analyst = analyst

    def refresh(
        self, organisations: Mapping[str, Organisation], changed: Sequence[str] | None, old: HomePlaces
    ) -> HomePlaces:
        consenting = {i for i, o in organisations.items() if o.share_residence_aggregates}
        if changed is None:
            kept: dict[str, tuple[str, ...]] = {}
            wanted = consenting
        else:
            kept = {i: p for i, p in old.by_organisation.items() if i not in changed and i in consenting}
            wanted = consenting.intersection(changed)
        stored = self._residences.get_many(sorted(wanted)) if wanted else {}
        fresh = NO_HOME_PLACES
        if stored:
            uploads = [(i, s.counts) for i, s in stored.items()]
            fresh = home_places(uploads, self._analyst.table, self._analyst.settings.k)
        by_organisation = {**kept, **fresh.by_organisation}
        names = {**old.names, **fresh.names}
        used = {ags for places in by_organisation.values() for ags in places}
        return HomePlaces(by_organisation, {ags: name for ags, name in names.items() if ags in used})
