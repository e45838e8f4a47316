"""Who may see what: the one access policy the HTTP routes call (docs/privacy.md).

Pure: no web, no database. The routes authenticate (``service.api.security``), load what they need and
ask this module three kinds of question:

1. *May this role use this capability at all?* (:meth:`AccessPolicy.may_request`,
   :meth:`AccessPolicy.require`) — a role without the capability gets 403 (401 without a key), decided
   before anything is looked up, so the answer never depends on whether an id exists.
2. *May this principal touch this organisation / advisor / region?* (:meth:`AccessPolicy.require_organisation`,
   :meth:`AccessPolicy.require_leads`, :meth:`AccessPolicy.cluster_region`) — another organisation's id
   is 404 with the same message as an unknown id, so existence does not leak.
3. *What of it may be shown?* (:func:`redact_profile`, :meth:`AccessPolicy.profile_for`,
   :meth:`AccessPolicy.shared_contact`, :meth:`AccessPolicy.redact_cluster`) — privacy by default:
   contact data (contact person and address) only with the organisation's consent, names and
   locations to planners only of organisations visible to peers.

Denials are logged with the key id, role, capability and target id; never contact data or secrets.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn

import numpy as np

from matcher.catalog import Catalog
from matcher.geo.distance import haversine_km
from matcher.models import Location, Organisation, OrganisationProfile
from matcher.planning.clusters.describe import cluster_name, estate_counts, ordinal_names
from matcher.planning.clusters.models import Cluster, RegionFilter
from matcher.vocabulary import STATE_BY_LAND_CODE
from service.auth import Principal, Role

logger = logging.getLogger(__name__)

# Contact data: personal data shown only with consent (``contact_shareable``) and never logged.
CONTACT_FIELDS: tuple[str, ...] = ("contact", "address")
# What a planner sees of an organisation visible to peers in its region: its name and its location.
PUBLIC_FIELDS: tuple[str, ...] = ("id", "name", "kind", "estate", "location", "synthetic")
# Profile fields only an admin may set, with their value for a new profile: whether a profile is synthetic
# demo data is the operator's call. Other roles may send the stored value back (a read-edit-write round
# trip) but not change it: 403 naming the field (AccessPolicy.require_admin_fields).
ADMIN_ONLY_FIELDS: dict[str, object] = {"synthetic": False}


class ProfileView(StrEnum):
    """How much of a profile a principal sees."""

    FULL = "full"  # every field and the derived location and features; contact data only if visible
    PUBLIC = "public"  # name and location (PUBLIC_FIELDS); contact data only if visible
    NONE = "none"  # nothing: the organisation does not exist for this principal (404)


class Capability(StrEnum):
    """What a request does, independent of its target."""

    MATCH = "match"  # POST /match without peers: measures, funding, advisors of an ad-hoc profile
    MATCH_WITH_PEERS = "match_with_peers"  # POST /match with peers
    READ_PROFILE = "read_profile"  # read or list stored organisations
    WRITE_PROFILE = "write_profile"  # create, update, delete a stored organisation
    PEERS = "peers"  # peers of a stored organisation
    RECOMMENDATIONS = "recommendations"  # measures, funding, advisors of a stored organisation
    BRIEF = "brief"  # consultation brief of a stored organisation
    LEADS = "leads"  # leads of an advisor
    CLUSTERS = "clusters"  # clusters of a region
    FEEDBACK = "feedback"  # feedback on a recommendation served to a stored organisation
    RESIDENCES_UPLOAD = "residences_upload"  # upload or erase an organisation's staff home postcodes
    RESIDENCES = "residences"  # one organisation's residence analysis
    RESIDENCES_POOLED = "residences_pooled"  # residence analysis pooled over an estate, cluster or list
    LEARNING = "learning"  # what was learned from feedback; rollback and disable (admins only)


# Roles per capability; admin has every capability. Anonymous callers only have MATCH.
ROLES_BY_CAPABILITY: dict[Capability, frozenset[Role]] = {
    Capability.MATCH: frozenset(Role),
    Capability.MATCH_WITH_PEERS: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.READ_PROFILE: frozenset(Role),
    Capability.WRITE_PROFILE: frozenset({Role.ADMIN, Role.ORGANISATION}),
    Capability.PEERS: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.RECOMMENDATIONS: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.BRIEF: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.LEADS: frozenset({Role.ADMIN, Role.ADVISOR}),
    Capability.CLUSTERS: frozenset({Role.ADMIN, Role.ADVISOR, Role.PLANNER}),
    Capability.FEEDBACK: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.RESIDENCES_UPLOAD: frozenset({Role.ADMIN, Role.ORGANISATION}),
    Capability.RESIDENCES: frozenset({Role.ADMIN, Role.ADVISOR, Role.ORGANISATION}),
    Capability.RESIDENCES_POOLED: frozenset({Role.ADMIN, Role.ADVISOR, Role.PLANNER}),
    Capability.LEARNING: frozenset({Role.ADMIN}),
}
PUBLIC_CAPABILITIES = frozenset({Capability.MATCH})
ORGANISATION_CAPABILITIES = frozenset(
    {
        Capability.READ_PROFILE,
        Capability.WRITE_PROFILE,
        Capability.PEERS,
        Capability.RECOMMENDATIONS,
        Capability.BRIEF,
        Capability.FEEDBACK,
    }
)


class Denial(StrEnum):
    UNAUTHENTICATED = "unauthenticated"  # 401: a key is needed
    FORBIDDEN = "forbidden"  # 403: the role may not do this, or the (public) target is not its own
    NOT_FOUND = "not_found"  # 404: no such organisation, or one the caller may not know about


_STATUS = {Denial.UNAUTHENTICATED: 401, Denial.FORBIDDEN: 403, Denial.NOT_FOUND: 404}


class AccessDenied(Exception):  # noqa: N818 - the name says what happened, as in PermissionError
    """A request the principal may not make; ``status_code`` is what the route answers."""

    def __init__(self, kind: Denial, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail

    @property
    def status_code(self) -> int:
        return _STATUS[self.kind]


def not_found_detail(organisation_id: str) -> str:
    """The one message for an unknown and for a hidden organisation: the two must not be told apart."""
    return f"Organisation '{organisation_id}' nicht gefunden."


def region_state(region: str) -> str | None:
    """The Land (``DE-NW``) of a planner region: a Land code itself or a five-digit Kreis code."""
    if region.startswith("DE-"):
        return region
    return STATE_BY_LAND_CODE.get(region[:2]) if len(region) == 5 and region.isdigit() else None


def location_in_region(region: str, location: Location) -> bool:
    """Whether ``location`` lies in ``region``: a Land code (``DE-NW``) or a Kreis code (``05913``)."""
    if region.startswith("DE-"):
        return location.state == region
    return location.kreis_code == region


def contact_data(organisation: Organisation) -> dict[str, Any]:
    """The organisation's contact data, JSON-ready (``contact`` may be None)."""
    return {
        "contact": organisation.contact.model_dump(mode="json") if organisation.contact is not None else None,
        "address": organisation.address,
    }


def redact_profile(organisation: Organisation, view: ProfileView, contact_visible: bool) -> dict[str, Any]:
    """The JSON-ready profile for ``view``.

    ``contact`` and ``address`` are always present and None unless ``contact_visible`` (None thus means
    "not stored or not shared with you"). FULL carries every field, the derived ``location`` and
    ``features``; PUBLIC carries :data:`PUBLIC_FIELDS` only. NONE has no representation.
    """
    if view is ProfileView.NONE:
        raise ValueError("ProfileView.NONE has no representation; the route answers 404")
    if view is ProfileView.FULL:
        data = organisation.model_dump(mode="json", exclude=set(CONTACT_FIELDS))
    else:
        data = organisation.model_dump(mode="json", include=set(PUBLIC_FIELDS))
    shown = contact_data(organisation) if contact_visible else dict.fromkeys(CONTACT_FIELDS)
    return {**data, **shown}


@dataclass(frozen=True)
class ListingScope:
    """Which stored organisations a principal may list, as filters a repository can turn into SQL.

    ``nothing``: none. Otherwise all filters given must hold: ``organisation_id`` (exactly this one),
    ``state`` / ``kreis_code`` (region), ``visible_only`` (only ``visible_to_peers``). Planners also get
    the count of the organisations of their region left out (``count_hidden``).
    """

    nothing: bool = False
    organisation_id: str | None = None
    state: str | None = None
    kreis_code: str | None = None
    visible_only: bool = False
    count_hidden: bool = False

    def admits(self, organisation: Organisation) -> bool:
        """Whether ``organisation`` is listed (the filters applied in Python)."""
        if self.nothing:
            return False
        return (
            (self.organisation_id is None or organisation.id == self.organisation_id)
            and (self.state is None or organisation.location.state == self.state)
            and (self.kreis_code is None or organisation.location.kreis_code == self.kreis_code)
            and (not self.visible_only or organisation.visible_to_peers)
        )


def _extent(shown: list[Organisation], cluster: Cluster) -> tuple[float, float, float]:
    """Centroid and radius (km) of the shown members; without any, the cluster's rounded to about 1 km."""
    if not shown:
        return round(cluster.centroid_lat, 2), round(cluster.centroid_lon, 2), float(math.ceil(cluster.radius_km))
    lats = np.array([o.location.lat for o in shown])
    lons = np.array([o.location.lon for o in shown])
    lat, lon = float(lats.mean()), float(lons.mean())  # clusters span a few km: the plain mean is exact enough
    distances = haversine_km(lat, lon, lats, lons)
    return round(lat, 6), round(lon, 6), round(float(distances.max()), 3)


_NO_HULL = "Keine Umrisslinie: weniger als 3 verschiedene Standorte oder alle auf einer Linie."


class AccessPolicy:
    """The access rules of docs/privacy.md. ``catalog`` supplies the advisors' territories."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- roles and capabilities ------------------------------------------------------------------

    @staticmethod
    def may_request(principal: Principal | None, capability: Capability) -> bool:
        """Whether the principal's role has ``capability`` at all (targets are checked separately)."""
        if principal is None:
            return capability in PUBLIC_CAPABILITIES
        return principal.role is Role.ADMIN or principal.role in ROLES_BY_CAPABILITY[capability]

    def require(self, principal: Principal | None, capability: Capability) -> Principal | None:
        """The principal if :meth:`may_request`, else :class:`AccessDenied` (401 without a key, 403)."""
        if self.may_request(principal, capability):
            return principal
        if principal is None:
            raise AccessDenied(
                Denial.UNAUTHENTICATED,
                "Dafür ist ein API-Schlüssel nötig (Header X-API-Key). / An API key is required (header X-API-Key).",
            )
        allowed = ", ".join(sorted({Role.ADMIN, *ROLES_BY_CAPABILITY[capability]}))
        self._log_denial(principal, capability, None, Denial.FORBIDDEN)
        raise AccessDenied(
            Denial.FORBIDDEN,
            f"Die Rolle '{principal.role}' darf '{capability}' nicht; erlaubt: {allowed}. "
            f"/ Role '{principal.role}' may not use '{capability}'.",
        )

    @staticmethod
    def include_invisible_peers(principal: Principal | None) -> bool:
        """Whether peer results may include organisations not visible to peers (advisors and admins)."""
        return principal is not None and principal.role in (Role.ADMIN, Role.ADVISOR)

    # -- scopes ------------------------------------------------------------------------------------

    @staticmethod
    def is_own(principal: Principal | None, organisation_id: str) -> bool:
        return principal is not None and principal.role is Role.ORGANISATION and principal.subject == organisation_id

    @staticmethod
    def in_region(principal: Principal | None, organisation: Organisation) -> bool:
        """For planners: the organisation lies in its Land or Kreis. False for every other role."""
        if principal is None or principal.role is not Role.PLANNER or principal.subject is None:
            return False
        return location_in_region(principal.subject, organisation.location)

    def in_territory(self, principal: Principal | None, organisation: Organisation) -> bool:
        """For advisors: the organisation is in its territory and of a kind it serves (as for leads)."""
        if principal is None or principal.role is not Role.ADVISOR or principal.subject is None:
            return False
        advisor = self.catalog.advisors.get(principal.subject)
        if advisor is None:
            return False
        return organisation.kind in advisor.serves_kinds and advisor.covers_location(organisation.location)

    # -- organisations -----------------------------------------------------------------------------

    def profile_view(self, principal: Principal | None, organisation: Organisation) -> ProfileView:
        """How much of the organisation's profile the principal sees."""
        if principal is None:
            return ProfileView.NONE
        match principal.role:
            case Role.ADMIN | Role.ADVISOR:
                return ProfileView.FULL
            case Role.ORGANISATION:
                return ProfileView.FULL if principal.subject == organisation.id else ProfileView.NONE
            case Role.PLANNER:
                visible = organisation.visible_to_peers and self.in_region(principal, organisation)
                return ProfileView.PUBLIC if visible else ProfileView.NONE

    def contact_visible(self, principal: Principal | None, organisation: Organisation) -> bool:
        """Whether the organisation's contact data may appear in any answer to the principal.

        Admin: always. Its own organisation: always. Everybody else only with consent
        (``contact_shareable``) and, in addition: advisors only in their territory; other
        organisations only for peers visible to peers; planners only for organisations they may
        name (visible to peers, in their region). Anonymous callers: never.
        """
        if not self.contact_may_be_visible(principal, organisation.id, organisation.contact_shareable):
            return False
        assert principal is not None
        if principal.role is Role.ADMIN or self.is_own(principal, organisation.id):
            return True
        match principal.role:
            case Role.ADVISOR:
                return self.in_territory(principal, organisation)
            case Role.ORGANISATION:
                return organisation.visible_to_peers
            case Role.PLANNER:
                return self.profile_view(principal, organisation) is ProfileView.PUBLIC

    @classmethod
    def contact_may_be_visible(cls, principal: Principal | None, organisation_id: str, contact_shareable: bool) -> bool:
        """False when :meth:`contact_visible` is False whatever else the organisation's profile says, known from its
        id and stored consent alone (admin and its own organisation see it without consent; nobody else does):
        a caller placing many organisations loads a profile only where this is True."""
        if principal is None:
            return False
        return contact_shareable or principal.role is Role.ADMIN or cls.is_own(principal, organisation_id)

    @staticmethod
    def can_write_profile(principal: Principal | None, organisation_id: str) -> bool:
        """Create, update or delete: admin, and an organisation for its own id (stored or not)."""
        if principal is None:
            return False
        return principal.role is Role.ADMIN or AccessPolicy.is_own(principal, organisation_id)

    def require_organisation(
        self,
        principal: Principal | None,
        capability: Capability,
        organisation_id: str,
        organisation: Organisation | None,
    ) -> ProfileView:
        """Check a request on one stored organisation (``organisation`` None: not stored).

        Returns the profile view to answer with (FULL for everything but planners' reads). Raises
        :class:`AccessDenied`: 401/403 when the role lacks ``capability``; 404 when the organisation is
        not stored or not the caller's to see — the same message, so existence does not leak. Creating
        (WRITE_PROFILE on an id not stored) is allowed for admins and for the organisation's own key.
        """
        if capability not in ORGANISATION_CAPABILITIES:
            raise ValueError(f"{capability} is not a capability on one organisation")
        self.require(principal, capability)
        assert principal is not None  # require() admits no anonymous caller to these capabilities
        if capability is Capability.WRITE_PROFILE:
            if self.can_write_profile(principal, organisation_id):
                return ProfileView.FULL
            self._not_found(principal, capability, organisation_id)
        if organisation is None or organisation.id != organisation_id:
            self._not_found(principal, capability, organisation_id)
        view = self.profile_view(principal, organisation)
        if view is ProfileView.NONE:
            self._not_found(principal, capability, organisation_id)
        if capability is not Capability.READ_PROFILE and view is not ProfileView.FULL:
            self._not_found(principal, capability, organisation_id)  # unreachable by the role table
        return view

    def profile_for(self, principal: Principal | None, organisation: Organisation) -> dict[str, Any] | None:
        """The profile as the principal may see it, or None when it may not see it at all."""
        view = self.profile_view(principal, organisation)
        if view is ProfileView.NONE:
            return None
        return redact_profile(organisation, view, self.contact_visible(principal, organisation))

    def shared_contact(self, principal: Principal | None, organisation: Organisation) -> dict[str, Any] | None:
        """Contact data to attach to a peer, lead or profile result, or None when not visible."""
        return contact_data(organisation) if self.contact_visible(principal, organisation) else None

    def peer_visible(self, principal: Principal | None, peer: Organisation) -> bool:
        """Whether a peer may appear in a peer result (defence in depth after ``include_invisible``)."""
        return self.peer_shown(principal, peer.visible_to_peers)

    @classmethod
    def peer_shown(cls, principal: Principal | None, visible_to_peers: bool) -> bool:
        """:meth:`peer_visible` from the peer's stored visibility alone (no profile needed)."""
        return visible_to_peers or cls.include_invisible_peers(principal)

    def listing_scope(self, principal: Principal | None) -> ListingScope:
        """Which organisations the principal may list (consistent with :meth:`profile_view`)."""
        if principal is None or (principal.subject is None and principal.role is not Role.ADMIN):
            return ListingScope(nothing=True)
        match principal.role:
            case Role.ADMIN | Role.ADVISOR:
                return ListingScope()
            case Role.ORGANISATION:
                return ListingScope(organisation_id=principal.subject)
            case Role.PLANNER:
                assert principal.subject is not None
                if principal.subject.startswith("DE-"):
                    return ListingScope(state=principal.subject, visible_only=True, count_hidden=True)
                return ListingScope(kreis_code=principal.subject, visible_only=True, count_hidden=True)

    def partition(
        self, principal: Principal | None, organisations: Iterable[Organisation]
    ) -> tuple[list[Organisation], int]:
        """The organisations the principal may see, and the count of the others in its scope.

        For planners the count is the organisations of their region not visible to peers ("counts
        for the rest"); for every other role it is 0 (nobody learns how many others exist).
        """
        shown: list[Organisation] = []
        hidden = 0
        for organisation in organisations:
            if self.profile_view(principal, organisation) is not ProfileView.NONE:
                shown.append(organisation)
            elif self.in_region(principal, organisation):
                hidden += 1
        return shown, hidden

    # -- residences (issue 14) ---------------------------------------------------------------------

    def require_residence_upload(
        self, principal: Principal | None, organisation_id: str, organisation: Organisation | None
    ) -> None:
        """Upload, read back or erase an organisation's home postcodes: admins and the organisation itself.

        401/403 by role; for an organisation's key another (or an unknown) id is 404 with the same message."""
        self.require(principal, Capability.RESIDENCES_UPLOAD)
        assert principal is not None
        if organisation is None or not self.can_write_profile(principal, organisation_id):
            self._not_found(principal, Capability.RESIDENCES_UPLOAD, organisation_id)

    def require_residence_analysis(
        self, principal: Principal | None, organisation_id: str, organisation: Organisation | None
    ) -> None:
        """One organisation's analysis: admins, the organisation itself, and advisors of its territory when it
        consented (``share_residence_aggregates``).

        401/403 by role; another organisation's key gets 404 (unknown and foreign ids alike). Advisors see every
        profile, consent flag included, so they get 403 with the reason."""
        self.require(principal, Capability.RESIDENCES)
        assert principal is not None
        if organisation is None or organisation.id != organisation_id:
            self._not_found(principal, Capability.RESIDENCES, organisation_id)
        if principal.role is Role.ADMIN or self.is_own(principal, organisation_id):
            return
        if principal.role is not Role.ADVISOR:
            self._not_found(principal, Capability.RESIDENCES, organisation_id)
        if not self.in_territory(principal, organisation):
            self._log_denial(principal, Capability.RESIDENCES, organisation_id, Denial.FORBIDDEN)
            raise AccessDenied(
                Denial.FORBIDDEN,
                f"Die Organisation '{organisation_id}' liegt nicht im Gebiet Ihrer Beratungsstelle. "
                f"/ Organisation '{organisation_id}' is outside your territory.",
            )
        if not organisation.share_residence_aggregates:
            self._log_denial(principal, Capability.RESIDENCES, organisation_id, Denial.FORBIDDEN)
            raise AccessDenied(
                Denial.FORBIDDEN,
                f"Die Organisation '{organisation_id}' hat der Weitergabe ihrer Wohnstandort-Auswertung nicht "
                "zugestimmt (share_residence_aggregates). / The organisation did not consent to share it.",
            )

    def residence_pool_scope(self, principal: Principal | None) -> Callable[[Organisation], bool]:
        """Which organisations a pooled analysis may draw on (before consent): admins all, advisors those of
        their territory, planners those of their region (names only as :meth:`profile_view` allows)."""
        self.require(principal, Capability.RESIDENCES_POOLED)
        assert principal is not None
        match principal.role:
            case Role.ADMIN:
                return lambda _organisation: True
            case Role.ADVISOR:
                return lambda organisation: self.in_territory(principal, organisation)
            case _:
                return lambda organisation: self.in_region(principal, organisation)

    # -- advisors and planners ---------------------------------------------------------------------

    def require_leads(self, principal: Principal | None, advisor_id: str) -> None:
        """Leads of ``advisor_id``: admin, and the advisor itself (advisor ids are public: 403)."""
        self.require(principal, Capability.LEADS)
        assert principal is not None
        if principal.role is Role.ADVISOR and principal.subject != advisor_id:
            self._log_denial(principal, Capability.LEADS, advisor_id, Denial.FORBIDDEN)
            raise AccessDenied(
                Denial.FORBIDDEN,
                f"Dieser Schlüssel gilt für die Beratungsstelle '{principal.subject}', nicht für '{advisor_id}'. "
                f"/ This key belongs to advisor '{principal.subject}', not '{advisor_id}'.",
            )

    def cluster_region(self, principal: Principal | None, region: RegionFilter | None) -> RegionFilter | None:
        """The region to cluster in for this principal (regions are public: outside is 403).

        Admins and advisors: as asked. Planners: narrowed to their Land or Kreis (no region asked:
        their whole region); asking for another Land or Kreis is 403.
        """
        self.require(principal, Capability.CLUSTERS)
        assert principal is not None
        if principal.role is not Role.PLANNER:
            return region
        own = principal.subject or ""
        own_state = region_state(own)
        asked_state = region.state if region is not None else None
        asked_kreis = region.kreis if region is not None else None
        if own.startswith("DE-"):
            outside = (asked_state not in (None, own)) or (asked_kreis is not None and region_state(asked_kreis) != own)
            narrowed = {"state": own, "kreis": asked_kreis}
        else:
            outside = asked_kreis not in (None, own) or asked_state not in (None, own_state)
            narrowed = {"state": own_state, "kreis": own}
        if outside:
            asked = ", ".join(str(part) for part in (asked_state, asked_kreis) if part is not None)
            self._log_denial(principal, Capability.CLUSTERS, asked, Denial.FORBIDDEN)
            raise AccessDenied(
                Denial.FORBIDDEN,
                f"Dieser Schlüssel gilt für die Region '{own}'; '{asked}' liegt außerhalb. "
                f"/ This key is limited to region '{own}'.",
            )
        return RegionFilter(bbox=region.bbox if region is not None else None, **narrowed)

    def cluster_members_visible(
        self, principal: Principal | None, cluster: Cluster, organisations: Mapping[str, Organisation]
    ) -> tuple[list[str], int]:
        """The member ids the principal may see (sorted) and the number of all members.

        A member is shown exactly when the principal may see its profile (:meth:`profile_view`):
        admins and advisors all, planners those visible to peers in their region. Members no longer
        stored are never shown but still counted.
        """
        shown = [
            member
            for member in cluster.members
            if (organisation := organisations.get(member)) is not None
            and self.profile_view(principal, organisation) is not ProfileView.NONE
        ]
        return sorted(shown), len(cluster.members)

    def redact_clusters(
        self, principal: Principal | None, clusters: list[Cluster], organisations: Mapping[str, Organisation]
    ) -> list[dict[str, Any]]:
        """Every cluster of an answer redacted (:meth:`redact_cluster`), in rank order, with names still unique:
        a name without its withheld estates may repeat another ("Cluster Köln: Parkplatzmangel (5 Betriebe)"
        twice), and then gets its ordinal, as the library numbers repeats (issue 11)."""
        redacted = [self.redact_cluster(principal, cluster, organisations) for cluster in clusters]
        for data, name in zip(redacted, ordinal_names([data["name"] for data in redacted]), strict=True):
            data["name"] = name
        return redacted

    def redact_cluster(
        self, principal: Principal | None, cluster: Cluster, organisations: Mapping[str, Organisation]
    ) -> dict[str, Any]:
        """The JSON-ready cluster: ``members`` the visible ids, ``member_count`` all of them.

        The hull's corners are member locations, so it is withheld (None) unless every member is shown.
        Everything else in a cluster is an aggregate (counts, centroid, shares) or catalogue data.
        """
        members, count = self.cluster_members_visible(principal, cluster, organisations)
        data = cluster.model_dump(mode="json")
        data["members"] = members
        data["member_count"] = count
        hidden = count - len(members)
        data["members_withheld"] = hidden
        data["withheld_reason"] = None
        data["hull_withheld_reason"] = None if data["hull"] is not None else _NO_HULL
        if hidden:
            noun = "1 Betrieb wird" if hidden == 1 else f"{hidden} Betriebe werden"
            data["withheld_reason"] = (
                f"{noun} ohne Einwilligung zur Sichtbarkeit (bzw. außerhalb Ihrer Berechtigung) nicht namentlich "
                "genannt; sie zählen in Größe, Beschäftigten und Problemen mit."
            )
            data["hull_withheld_reason"] = (
                "Die Umrisslinie wird nicht gezeigt, weil ihre Ecken Standorte nicht genannter Betriebe verraten "
                "würden; Mittelpunkt und Radius beschreiben nur die genannten Betriebe."
            )
            shown = [organisations[m] for m in members]
            # An estate is part of a profile: name only the estates of members the caller may see (in the
            # list and in the cluster's name).
            estates, _ = estate_counts([o.estate for o in shown])
            data["estates"] = [estate.model_dump(mode="json") for estate in estates]
            data["members_outside_estates"] = count - sum(estate.members for estate in estates)
            data["name"] = cluster_name(count, cluster.dominant_problems, estates, cluster.municipalities)
            # The stop most members have nearest, with their distances, would locate hidden members roughly.
            data["transit_stop_note"] = None
            # Hull, centroid and radius of all members would locate a hidden one (one hidden member is the
            # all-member centroid times n minus the visible ones): describe the extent of the shown members,
            # or only roughly (about 1 km) when none is shown.
            data["hull"] = None
            data["centroid_lat"], data["centroid_lon"], data["radius_km"] = _extent(shown, cluster)
        return data

    # -- helpers -----------------------------------------------------------------------------------

    def require_admin_fields(
        self, principal: Principal, profile: OrganisationProfile, existing: Organisation | None
    ) -> None:
        """403 naming the field when a non-admin would set or change an admin-only field (ADMIN_ONLY_FIELDS)."""
        if principal.role is Role.ADMIN:
            return
        for field, default in ADMIN_ONLY_FIELDS.items():
            current = getattr(existing, field) if existing is not None else default
            if getattr(profile, field) != current:
                self._log_denial(principal, Capability.WRITE_PROFILE, profile.id, Denial.FORBIDDEN)
                raise AccessDenied(
                    Denial.FORBIDDEN,
                    f"Das Feld '{field}' darf nur die Rolle admin setzen oder ändern; bitte weglassen oder den "
                    f"gespeicherten Wert ({current}) senden. / Only admins may set or change '{field}'.",
                )

    def _not_found(self, principal: Principal, capability: Capability, organisation_id: str) -> NoReturn:
        self._log_denial(principal, capability, organisation_id, Denial.NOT_FOUND)
        raise AccessDenied(Denial.NOT_FOUND, not_found_detail(organisation_id))

    @staticmethod
    def _log_denial(principal: Principal, capability: Capability, target: str | None, kind: Denial) -> None:
        # Ids, role and capability only: never contact data, never a secret.
        logger.info(
            "access denied (%s): key %s, role %s, %s on %s", kind, principal.key_id, principal.role, capability, target
        )
