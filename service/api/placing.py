"""Organisations inside a result (peers, leads): where they are and, only where allowed, how to reach them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from matcher.matching.peers import PeerRecommendation
from matcher.models import Organisation, assembled
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
    policy: AccessPolicy,
    principal: Principal | None,
    snapshot: Snapshot,
    items: Sequence[PeerRecommendation],
    rows: Mapping[str, int] | None = None,
) -> list[PeerItem]:
    """Peer results with their place; a peer the caller may not see is dropped (defence in depth). ``rows``: each
    peer's row in the snapshot's index by its id, when the answer gave them (``recommend_peers(rows=...)``), so
    its place is read without a search by id.

    What :func:`placed` gives for each peer, read from the snapshot's columns (``places``) rather than from each
    peer's Organisation, which is built only where the policy may show its contact data (its stored consent, or
    the caller's role, allows it) and then asked about it (``contact_visible``, as ``shared_contact`` asks).
    tests/service/api/test_recommendations.py holds the items to :func:`placed` over the peers' Organisations."""
    organisations = snapshot.organisations
    shown = []
    ids = [item.id for item in items]
    places = organisations.places(ids) if rows is None else organisations.places_at([rows[i] for i in ids])
    for item, place in zip(items, places, strict=True):
        if not policy.peer_shown(principal, place.visible_to_peers):
            continue
        contact = address = None
        if policy.contact_may_be_visible(principal, item.id, place.contact_shareable):
            peer = organisations.at(place.position)
            if policy.contact_visible(principal, peer):
                # The contact data (CONTACT_FIELDS) as the peer's profile holds it: its Contact was validated when
                # the profile was built; shared_contact's JSON of it would be validated into an equal one again.
                contact, address = peer.contact, peer.address
        # Assembled from the item's validated values and the peer's stored place (its reasons stay the Reason
        # objects): validating them again cost ~3 µs a peer (docs/benchmarks.md, fourth round). assembled() takes
        # the fields in their order: a PeerItem's are the place's, then the recommendation's, which the item's
        # values have in that order whenever pydantic made them (else they are put in order, ~1 µs a peer).
        values = {
            "contact": contact, "address": address, "lat": place.lat, "lon": place.lon,
            "municipality": place.municipality, "estate": place.estate, "synthetic": place.synthetic,
            **item.__dict__,
        }  # fmt: skip
        if tuple(values) != _PEER_ITEM_ORDER:
            values = {name: values[name] for name in _PEER_ITEM_ORDER}
        shown.append(assembled(PeerItem, values, _PEER_ITEM_FIELDS))
    return shown


_PEER_ITEM_ORDER = tuple(PeerItem.model_fields)
_PEER_ITEM_FIELDS = frozenset(_PEER_ITEM_ORDER)
