"""Organisations inside a result (peers, leads): where they are and, only where allowed, how to reach them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matcher.matching.peers import PeerRecommendation
from matcher.models import Contact, Organisation, assembled
from service.access import AccessPolicy
from service.api.results import PeerItem
from service.auth import Principal
from service.live import Snapshot


def placed(policy: AccessPolicy, principal: Principal | None, organisation: Organisation) -> dict[str, Any]:
    """Location fields of a result item, plus contact data only when the policy allows."""
    location = organisation.location
    return {
        "lat": location.lat,
        "lon": location.lon,
        "municipality": location.municipality_name,
        "estate": organisation.estate,
        "synthetic": organisation.synthetic,
        **(policy.shared_contact(principal, organisation) or {"contact": None, "address": None}),
    }


def peer_items(
    policy: AccessPolicy, principal: Principal | None, snapshot: Snapshot, items: Sequence[PeerRecommendation]
) -> list[PeerItem]:
    """Peer results with their place; a peer the caller may not see is dropped (defence in depth)."""
    shown = []
    for item in items:
        peer = snapshot.organisations[item.id]
        if policy.peer_visible(principal, peer):
            # Assembled from the item's validated values and the peer's validated place (its reasons stay the
            # Reason objects): validating them again cost ~3 µs a peer (docs/benchmarks.md, fourth round). Only
            # the shared contact, given as JSON, is validated into its model, as the validating constructor would;
            # tests/service/api/test_recommendations.py holds the result to the validating constructor.
            values = {**item.__dict__, **placed(policy, principal, peer)}
            if values["contact"] is not None:
                values["contact"] = Contact.model_validate(values["contact"])
            shown.append(assembled(PeerItem, {name: values[name] for name in _PEER_ITEM_ORDER}, _PEER_ITEM_FIELDS))
    return shown


_PEER_ITEM_ORDER = tuple(PeerItem.model_fields)  # assembled() takes the fields in their order
_PEER_ITEM_FIELDS = frozenset(_PEER_ITEM_ORDER)
