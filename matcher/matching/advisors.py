"""Advisors: who is responsible for an organisation? Territory and kind decide (docs/matching.md, Advisors).

Every advisor in the catalogue gets one role, read from its data (``advisor_role``): chambers (IHK, HWK)
and Zukunftsnetz offices with a Kreis/municipality territory are the responsible bodies, transport
associations come in for transit problems, other bodies with a regional territory are regional
programmes, and bodies covering a whole Land or Germany are secondary entries (networks or funders).
An advisor appears when it covers the organisation's location and serves its kind; a transport
association needs a transit problem instead and may appear for any kind (job tickets concern every
employer). The role's score is shared equally by the reasons that qualify the advisor. Places are named by
``KreisNaming`` ("Bergkamen, Kreis Unna", "Stadt Dortmund (kreisfreie Stadt)").
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Advisor, Catalog
from matcher.explain import WEIGHT_DECIMALS, Contribution, Recommendation, explain
from matcher.geo.distance import haversine_km
from matcher.geo.naming import KreisNaming
from matcher.models import Location, Organisation
from matcher.settings import AdvisorSettings
from matcher.vocabulary import PROBLEM_LABELS_DE, STATE_NAMES_DE, OrganisationKind, ProblemCode


class AdvisorRole(StrEnum):
    RESPONSIBLE_CHAMBER = "responsible_chamber"
    MUNICIPAL_NETWORK = "municipal_network"
    TRANSIT_AUTHORITY = "transit_authority"
    TRANSIT_OPERATOR = "transit_operator"
    ECONOMIC_DEVELOPMENT = "economic_development"
    REGIONAL_PROGRAMME = "regional_programme"
    STATEWIDE_NETWORK = "statewide_network"
    FUNDING_AGENCY = "funding_agency"


ROLE_LABELS_DE: dict[AdvisorRole, str] = {
    AdvisorRole.RESPONSIBLE_CHAMBER: "zuständige Kammer",
    AdvisorRole.MUNICIPAL_NETWORK: "kommunales Netzwerk (regionale Koordinierungsstelle)",
    AdvisorRole.TRANSIT_AUTHORITY: "Verkehrsverbund",
    AdvisorRole.TRANSIT_OPERATOR: "Verkehrsunternehmen – Jobticket-Vertragspartner",
    AdvisorRole.ECONOMIC_DEVELOPMENT: "Wirtschaftsförderung – lokale Ansprechpartnerin für Unternehmen",
    AdvisorRole.REGIONAL_PROGRAMME: "regionales Angebot",
    AdvisorRole.STATEWIDE_NETWORK: "landesweites Netzwerk",
    AdvisorRole.FUNDING_AGENCY: "Fördermittelgeber",
}

# Roles that make an organisation "covered": a body on file that is responsible for its place.
RESPONSIBLE_ROLES = frozenset(
    {
        AdvisorRole.RESPONSIBLE_CHAMBER,
        AdvisorRole.MUNICIPAL_NETWORK,
        AdvisorRole.REGIONAL_PROGRAMME,
        AdvisorRole.ECONOMIC_DEVELOPMENT,
    }
)
# Roles that come in only for transit problems (job tickets concern every employer).
TRANSIT_ROLES = frozenset({AdvisorRole.TRANSIT_AUTHORITY, AdvisorRole.TRANSIT_OPERATOR})

KIND_PLURAL_DE: dict[OrganisationKind, str] = {
    OrganisationKind.COMPANY: "Unternehmen",
    OrganisationKind.CRAFT_BUSINESS: "Handwerksbetriebe",
    OrganisationKind.MUNICIPALITY: "Städte und Gemeinden",
    OrganisationKind.DISTRICT: "Kreise",
    OrganisationKind.PUBLIC_AGENCY: "Behörden und öffentliche Einrichtungen",
    OrganisationKind.ASSOCIATION: "Verbände, Vereine und Körperschaften",
}

# Where the catalogue has local (Kreis- or municipality-level) bodies; named in the note for other places.
CATALOGUE_REGIONS_DE = "Nordrhein-Westfalen und die Region Stuttgart"

CHAMBER_TYPES = frozenset({"ihk", "hwk"})
NETWORK_TYPES = frozenset({"zukunftsnetz"})
TRANSIT_TYPES = frozenset({"verkehrsverbund"})
OPERATOR_TYPES = frozenset({"verkehrsunternehmen"})
LOCAL_ECONOMIC_DEVELOPMENT_TYPES = frozenset({"economic_development"})
MINISTRY_TYPES = frozenset({"ministry"})
ECONOMIC_DEVELOPMENT_TYPES = frozenset({"wirtschaftsfoerderung"})
NATIONWIDE = "DE"


class AdvisorRecommendation(Recommendation):
    organisation_type: str = Field(description="as in the catalogue: ihk, hwk, zukunftsnetz, verkehrsverbund, …")
    role: AdvisorRole
    role_label: str = Field(description="German label of the role")
    distance_km: float = Field(ge=0, description="great-circle distance from the organisation to the seat")
    seat_city: str


class AdvisorAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    covered: bool = Field(description="a responsible chamber, network office or regional body is on file")
    note: str | None = Field(default=None, description="German; set when no responsible body is on file")
    items: list[AdvisorRecommendation]


def advisor_role(advisor: Advisor) -> AdvisorRole:
    """The role of a catalogue entry, from its type and the extent of its territory."""
    if advisor.organisation_type in TRANSIT_TYPES:
        return AdvisorRole.TRANSIT_AUTHORITY
    if advisor.organisation_type in OPERATOR_TYPES:
        return AdvisorRole.TRANSIT_OPERATOR
    if advisor.organisation_type in LOCAL_ECONOMIC_DEVELOPMENT_TYPES:
        return AdvisorRole.ECONOMIC_DEVELOPMENT
    if advisor.is_statewide:
        if advisor.organisation_type in MINISTRY_TYPES or NATIONWIDE in advisor.covers_states:
            return AdvisorRole.FUNDING_AGENCY
        return AdvisorRole.STATEWIDE_NETWORK
    if advisor.organisation_type in CHAMBER_TYPES:
        return AdvisorRole.RESPONSIBLE_CHAMBER
    if advisor.organisation_type in NETWORK_TYPES:
        return AdvisorRole.MUNICIPAL_NETWORK
    return AdvisorRole.REGIONAL_PROGRAMME


def role_label(advisor: Advisor, role: AdvisorRole) -> str:
    """German label of what the body does: a ministry sets programmes, an agency grants, neither advises."""
    if role is AdvisorRole.FUNDING_AGENCY and advisor.organisation_type in MINISTRY_TYPES:
        return "Ministerium – Programmgeber"
    if role is AdvisorRole.REGIONAL_PROGRAMME and advisor.organisation_type in ECONOMIC_DEVELOPMENT_TYPES:
        return "Wirtschaftsförderung"
    return ROLE_LABELS_DE[role]


def _kind_text(advisor: Advisor, role: AdvisorRole, kind: OrganisationKind) -> tuple[str, str]:
    """(code, text) of the kind reason; funders and ministries are never said to advise (issue 11)."""
    if role is AdvisorRole.FUNDING_AGENCY:
        if advisor.organisation_type in MINISTRY_TYPES:
            return "programme_owner", f"Programmgeber für Förderprogramme, die {KIND_PLURAL_DE[kind]} offenstehen"
        return "grants", f"vergibt Fördermittel an {KIND_PLURAL_DE[kind]}"
    return "kind", f"berät {KIND_PLURAL_DE[kind]}"


def role_score(role: AdvisorRole, settings: AdvisorSettings) -> float:
    return {
        AdvisorRole.RESPONSIBLE_CHAMBER: settings.responsible_score,
        AdvisorRole.MUNICIPAL_NETWORK: settings.responsible_score,
        AdvisorRole.TRANSIT_AUTHORITY: settings.transit_score,
        AdvisorRole.TRANSIT_OPERATOR: settings.transit_score,
        AdvisorRole.ECONOMIC_DEVELOPMENT: settings.regional_score,
        AdvisorRole.REGIONAL_PROGRAMME: settings.regional_score,
        AdvisorRole.STATEWIDE_NETWORK: settings.statewide_score,
        AdvisorRole.FUNDING_AGENCY: settings.funding_agency_score,
    }[role]


def recommend_advisors(
    organisation: Organisation, catalog: Catalog, settings: AdvisorSettings, kreis_naming: KreisNaming
) -> AdvisorAnswer:
    """The advisors responsible for the organisation's place and kind, best first (ties by id).

    ``kreis_naming``: the Kreis types of the geo reference (``GeoReference.kreis_naming``) for the reasons' places."""
    location = organisation.location
    place = _place(location, kreis_naming)
    transit_issues = [issue for issue in organisation.issues if issue in settings.transit_problems]
    items: list[AdvisorRecommendation] = []
    for advisor in catalog.advisors.values():
        if not advisor.covers_location(location):
            continue
        role = advisor_role(advisor)
        serves_kind = organisation.kind in advisor.serves_kinds
        if role in TRANSIT_ROLES:
            if not transit_issues or not advisor.serves_kinds:
                continue
        elif not serves_kind:
            continue
        parts = [_territory(advisor, location, place, catalog)]
        if serves_kind:
            parts.append(_kind_text(advisor, role, organisation.kind))
        if role is AdvisorRole.TRANSIT_OPERATOR:
            parts.append(("job_ticket", f"schließt Jobticket-Verträge für Arbeitgeber in {place}"))
        if role in TRANSIT_ROLES:
            parts.append(("transit", _transit_text(transit_issues)))
        score, reasons = explain(_share(role_score(role, settings), parts))
        distance = float(haversine_km(location.lat, location.lon, advisor.lat, advisor.lon))
        items.append(
            AdvisorRecommendation(
                id=advisor.id,
                name=advisor.name,
                score=score,
                reasons=reasons,
                organisation_type=advisor.organisation_type,
                role=role,
                role_label=role_label(advisor, role),
                distance_km=distance,
                seat_city=advisor.seat_city,
            )
        )
    items.sort(key=lambda item: (-item.score, item.id))
    covered = any(item.role in RESPONSIBLE_ROLES for item in items)
    note = None if covered else _note(organisation, place, catalog, items)
    return AdvisorAnswer(covered=covered, note=note, items=items)


def _place(location: Location, kreis_naming: KreisNaming) -> str:
    """'Bergkamen, Kreis Unna'; 'Stadt Dortmund (kreisfreie Stadt)'."""
    return kreis_naming.place(location.municipality_name, location.kreis_code, location.kreis_name)


def _territory(advisor: Advisor, location: Location, place: str, catalog: Catalog) -> tuple[str, str]:
    """(code, text) of the territorial reason."""
    if NATIONWIDE in advisor.covers_states:
        return "nationwide", "bundesweit zuständig"
    if advisor.is_statewide:
        return "statewide", f"landesweit zuständig für {STATE_NAMES_DE.get(location.state, location.state)}"
    if advisor.parent_id is not None:
        parent = catalog.advisors.get(advisor.parent_id)
        parent_name = parent.name if parent is not None else advisor.parent_id
        return "local_office", f"Bezirkskammer der {parent_name}, vor Ort zuständig für {place}"
    return "territory", f"zuständig für {place}"


def _transit_text(issues: list[ProblemCode]) -> str:
    labels = [PROBLEM_LABELS_DE[issue] for issue in issues]
    if len(labels) == 1:
        return f"Ihr Problem {labels[0]} betrifft den Nahverkehr"
    return f"Ihre Probleme {', '.join(labels[:-1])} und {labels[-1]} betreffen den Nahverkehr"


def _share(total: float, parts: list[tuple[str, str]]) -> list[Contribution]:
    """Split ``total`` equally; the first part (territory) takes the rounding remainder, so it never weighs less."""
    scale = 10**WEIGHT_DECIMALS
    each = math.floor(total / len(parts) * scale + 1e-6) / scale  # epsilon: 0.35 * 1e4 may be 3499.99…
    weights = [round(total - each * (len(parts) - 1), WEIGHT_DECIMALS)] + [each] * (len(parts) - 1)
    return [Contribution(code, text, weight) for (code, text), weight in zip(parts, weights, strict=True)]


def _note(organisation: Organisation, local: str, catalog: Catalog, items: list[AdvisorRecommendation]) -> str:
    location = organisation.location
    state = STATE_NAMES_DE.get(location.state, location.state)
    place = local if state in local else f"{local}, {state}"  # a city state named once: Berlin, Hamburg
    region_on_file = any(
        not advisor.is_statewide and advisor.covers_location(location) for advisor in catalog.advisors.values()
    )
    if region_on_file:
        text = f"Für {KIND_PLURAL_DE[organisation.kind]} in {place} ist keine zuständige Beratungsstelle hinterlegt."
    else:
        text = (
            f"Für {place} ist keine zuständige Beratungsstelle hinterlegt: örtliche Stellen sind nur für "
            f"{CATALOGUE_REGIONS_DE} erfasst."
        )
    wide = any(item.role not in TRANSIT_ROLES for item in items)
    transit = any(item.role in TRANSIT_ROLES for item in items)
    if wide and transit:
        text += " Aufgeführt sind nur landes- oder bundesweite Stellen und der Verkehrsverbund für Nahverkehrsfragen."
    elif wide:
        text += " Aufgeführt sind nur landes- oder bundesweite Stellen."
    elif transit and any(item.role is AdvisorRole.TRANSIT_OPERATOR for item in items):
        text += " Aufgeführt sind nur Verkehrsverbund und Verkehrsunternehmen für Nahverkehrsfragen."
    elif transit:
        text += " Aufgeführt ist nur der Verkehrsverbund für Nahverkehrsfragen."
    return text
