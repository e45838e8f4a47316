"""The consultation brief (docs/planning.md, section Brief): an organisation's profile, measures, funding, peers and
advisors in one object.

The service renders it as a printable page. Everything in it comes from the organisation and the other
recommenders; the German summary is assembled from those data, nothing is invented. Contact data
(contact person and address) appear only when the organisation consented (``contact_shareable``); peers
carry what peer results carry (no contacts) and only peers visible to peers unless the caller's role
allows more (``include_invisible_peers``, the service's decision).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Catalog, FundingStatus
from matcher.geo.naming import CITY_TYPES, KreisNaming
from matcher.index import OrganisationIndex
from matcher.learning.applying import adjust, adjust_measures
from matcher.learning.fitting import Adjustments
from matcher.learning.segments import segment_of
from matcher.matching.advisors import RESPONSIBLE_ROLES, AdvisorAnswer, recommend_advisors
from matcher.matching.funding import Eligibility, FundingRecommendation, recommend_funding
from matcher.matching.measures import MeasureRecommendation, recommend_measures_nearby
from matcher.matching.peers import PeerAnswer, recommend_peers
from matcher.models import Contact, Organisation
from matcher.planning.leads import best_grant, rate_text, short_programme_name
from matcher.residences.places import HomePlaces
from matcher.settings import MatcherSettings
from matcher.transit.text import class_phrase
from matcher.vectorise import PROBLEMS, Vectoriser
from matcher.vocabulary import (
    KIND_LABELS_DE,
    PRECISION_LABELS_DE,
    PROBLEM_LABELS_DE,
    STATE_NAMES_DE,
    URBANISATION_LABELS_DE,
    LocationPrecision,
    OrganisationKind,
    ProblemCode,
    Sector,
    sector_label_de,
)
from matcher.wording import german_int, join_labels

SYNTHETIC_NOTICE = "Demo-Profil – synthetische Daten"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class BriefLocation(_Frozen):
    municipality: str
    municipality_ags: str
    kreis: str
    kreis_code: str
    kreis_type: str | None = Field(description="Kreisfreie Stadt, Stadtkreis, Kreis or Landkreis (geo reference)")
    kreis_label: str = Field(description='German: "Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna"')
    place_label: str = Field(description='German: "Bergkamen, Kreis Unna"; a kreisfreie Stadt named once')
    state: str = Field(description="ISO 3166-2, e.g. DE-NW")
    state_name: str
    precision: LocationPrecision
    precision_label: str


class BriefOrganisation(_Frozen):
    id: str
    name: str
    kind: OrganisationKind
    kind_label: str
    sector: Sector | None
    sector_label: str | None = Field(
        description='German; "Branche unbekannt" for a company or craft business without a sector, null for a '
        "public body without one"
    )
    employees: int
    estate: str | None
    shift_work: bool
    location: BriefLocation
    location_features: list[str] = Field(
        description="German: transit-quality class and its stop, settlement structure, commuter balance"
    )
    contact: Contact | None = Field(description="only with the organisation's consent (contact_shareable)")
    address: str | None = Field(description="only with the organisation's consent (contact_shareable)")


class BriefProblem(_Frozen):
    code: ProblemCode
    label: str


class BriefMeasureInPlace(_Frozen):
    id: str
    name: str


class BriefFunding(_Frozen):
    items: list[FundingRecommendation] = Field(description="eligible programmes for the brief's measures, best first")
    note: str = Field(description="German: catalogue status date, reference date, what to check")


class Brief(_Frozen):
    organisation: BriefOrganisation
    problems: list[BriefProblem]
    measures_in_place: list[BriefMeasureInPlace]
    measures: list[MeasureRecommendation]
    funding: BriefFunding
    peers: PeerAnswer
    advisors: AdvisorAnswer
    generated_on: date
    synthetic: bool
    synthetic_notice: str | None
    summary: str = Field(description="German, 2-4 sentences assembled from the sections")


def build_brief(
    organisation: Organisation,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MatcherSettings,
    *,
    as_of: date,
    kreis_naming: KreisNaming,
    include_invisible_peers: bool = False,
    adjustments: Adjustments | None = None,
    home_places: HomePlaces | None = None,
) -> Brief:
    """The consultation brief for ``organisation`` on ``as_of`` (deterministic).

    ``kreis_naming``: the Kreis types of the geo reference (``GeoReference.kreis_naming``), so that a kreisfreie
    Stadt is not called "Kreis"; a Kreis code it does not know is named by its name alone. ``home_places``: as in
    ``recommend_peers`` (the brief shows the same peers as the peers answer)."""
    top = settings.leads.brief_items
    segment = segment_of(organisation)
    every = recommend_measures_nearby(
        organisation, index, vectoriser, catalog, settings.measures, max(len(catalog.measures), 1)
    )
    measures = adjust_measures(every, segment, adjustments, settings.measures)[:top]
    funding = recommend_funding(organisation, catalog, [m.id for m in measures], settings.funding, as_of)
    funding = funding.model_copy(update={"items": adjust(funding.items, "funding", segment, adjustments)})
    peers = recommend_peers(
        organisation, index, vectoriser, catalog, settings.peers, include_invisible=include_invisible_peers, limit=top,
        home_places=home_places,
    )  # fmt: skip
    peers = peers.model_copy(update={"items": adjust(peers.items, "peer", segment, adjustments)})
    advisors = recommend_advisors(organisation, catalog, settings.advisors, kreis_naming)
    advisors = advisors.model_copy(update={"items": adjust(advisors.items, "advisor", segment, adjustments)})
    shown = [item for item in funding.items if item.funds_measures][:top]  # the ones that fund a measure shown
    return Brief(
        organisation=_summary_of(organisation, kreis_naming),
        problems=[BriefProblem(code=code, label=PROBLEM_LABELS_DE[code]) for code in organisation.issues],
        measures_in_place=[
            BriefMeasureInPlace(id=m, name=catalog.measures[m].name_de if m in catalog.measures else m)
            for m in organisation.measures_in_place
        ],
        measures=measures,
        funding=BriefFunding(items=shown, note=_funding_note(shown, catalog, as_of)),
        peers=peers,
        advisors=advisors,
        generated_on=as_of,
        synthetic=organisation.synthetic,
        synthetic_notice=SYNTHETIC_NOTICE if organisation.synthetic else None,
        summary=_summary(
            organisation,
            heaviest_first(organisation, index),
            measures,
            best_grant(funding.items),
            advisors,
            catalog,
            kreis_naming,
        ),
    )


def heaviest_first(organisation: Organisation, index: OrganisationIndex) -> list[ProblemCode]:
    """The organisation's problems, rarest (highest IDF, as in peer ranking) first; ties in vocabulary order."""
    weight = dict(zip(PROBLEMS, index.issue_weights.tolist(), strict=True))
    return sorted(organisation.issues, key=lambda code: (-weight[code], PROBLEMS.index(code)))


def _summary_of(organisation: Organisation, kreis_naming: KreisNaming) -> BriefOrganisation:
    location, features = organisation.location, organisation.features
    consent = organisation.contact_shareable
    return BriefOrganisation(
        id=organisation.id,
        name=organisation.name,
        kind=organisation.kind,
        kind_label=KIND_LABELS_DE[organisation.kind],
        sector=organisation.sector,
        sector_label=sector_label_de(organisation.kind, organisation.sector),
        employees=organisation.employees,
        estate=organisation.estate,
        shift_work=organisation.shift_work,
        location=BriefLocation(
            municipality=location.municipality_name,
            municipality_ags=location.municipality_ags,
            kreis=location.kreis_name,
            kreis_code=location.kreis_code,
            kreis_type=kreis_naming.type_of(location.kreis_code),
            kreis_label=kreis_naming.kreis(location.kreis_code, location.kreis_name),
            place_label=kreis_naming.place(location.municipality_name, location.kreis_code, location.kreis_name),
            state=location.state,
            state_name=STATE_NAMES_DE.get(location.state, location.state),
            precision=location.precision,
            precision_label=PRECISION_LABELS_DE[location.precision],
        ),
        location_features=[
            "ÖPNV: " + class_phrase(features.transit_class, features.transit_stop, features.transit_stops),
            f"Gemeinde {location.municipality_name}: {URBANISATION_LABELS_DE[features.urbanisation]} "
            f"({german_int(round(features.population_density))} Einwohner je km²)",
            _commuter_text(organisation, kreis_naming),
        ],
        contact=organisation.contact if consent else None,
        address=organisation.address if consent else None,
    )


def _commuter_text(organisation: Organisation, kreis_naming: KreisNaming) -> str:
    features = organisation.features
    balance = features.kreis_commuter_balance
    sign = "+" if balance > 0 else "−" if balance < 0 else ""
    per_1000 = f"{abs(features.kreis_commuter_balance_per_1000):.1f}".replace(".", ",")
    direction = (
        "mehr Ein- als Auspendler" if balance > 0 else "mehr Aus- als Einpendler" if balance < 0 else "ausgeglichen"
    )
    kreis = kreis_naming.kreis(organisation.location.kreis_code, organisation.location.kreis_name)
    return (
        f"Pendlersaldo {kreis} auf Kreisebene: {sign}{german_int(abs(balance))} "
        f"({sign}{per_1000} je 1.000 Einwohner) – {direction}"
    )


def _funding_note(items: list[FundingRecommendation], catalog: Catalog, as_of: date) -> str:
    checked = sorted({item.checked_on for item in items} or {p.checked_on for p in catalog.funding.values()})
    stand = ", ".join(day.strftime("%d.%m.%Y") for day in checked)
    day = as_of.strftime("%d.%m.%Y")
    if not items:
        return f"Keine offene Förderung für die empfohlenen Maßnahmen gefunden (Katalogstand {stand}, Stichtag {day})."
    note = (
        f"Förderstand laut Katalog vom {stand}, geprüft für den {day}; kein Live-Abgleich – Bedingungen und "
        "Fristen vor dem Antrag bei der Förderstelle prüfen."
    )
    unknown = sum(item.status is FundingStatus.UNKNOWN for item in items)
    if unknown:
        note += f" Bei {unknown} {'Programm' if unknown == 1 else 'Programmen'} ist der Status nicht bestätigt."
    partner = sum(item.eligibility is Eligibility.PARTNER_ONLY for item in items)
    if partner:
        noun = "Programm ist" if partner == 1 else "Programme sind"
        note += f" {partner} {noun} nur als Partner oder über die Kommune nutzbar (nach den direkt nutzbaren gereiht)."
    unchecked = sum(item.eligibility is Eligibility.SECTOR_UNCHECKED for item in items)
    if unchecked:
        noun = "Programm ist" if unchecked == 1 else "Programme sind"
        note += (
            f" {unchecked} {noun} auf bestimmte Branchen beschränkt; die Branche ist unbekannt – vor dem Antrag "
            "prüfen (nach den sicher nutzbaren gereiht)."
        )
    return note


def _summary(
    organisation: Organisation,
    heaviest: list[ProblemCode],
    measures: list[MeasureRecommendation],
    programme: FundingRecommendation | None,
    advisors: AdvisorAnswer,
    catalog: Catalog,
    kreis_naming: KreisNaming,
) -> str:
    location = organisation.location
    state = STATE_NAMES_DE.get(location.state, location.state)
    place = location.municipality_name
    kreis_type = kreis_naming.type_of(location.kreis_code)
    if location.kreis_name != place:
        region = f"{kreis_naming.kreis(location.kreis_code, location.kreis_name)}, {state}"
    else:  # a kreisfreie Stadt / Stadtkreis: the municipality is the Kreis, named once
        region = f"{CITY_TYPES[kreis_type]}, {state}" if kreis_type in CITY_TYPES else state
    kind = KIND_LABELS_DE[organisation.kind]
    sector = sector_label_de(organisation.kind, organisation.sector)
    what = kind if sector is None else f"{kind}, {sector}"
    staff = (
        "1 beschäftigte Person" if organisation.employees == 1 else f"{german_int(organisation.employees)} Beschäftigte"
    )
    sentences = [f"{organisation.name} ({what}) hat {staff} am Standort {place} ({region})."]
    in_place = [catalog.measures[m].name_de if m in catalog.measures else m for m in organisation.measures_in_place]
    done = (
        f"umgesetzt {'ist' if len(in_place) == 1 else 'sind'} bereits: {', '.join(in_place)}"
        if in_place
        else "bisher ist keine Maßnahme umgesetzt"
    )
    if organisation.issues:
        sentences.append(f"Gemeldete Probleme: {join_labels(heaviest)}; {done}.")
    else:
        sentences.append(f"Probleme sind noch nicht angegeben; {done}.")
    sentences.append(_next_step(measures, programme, catalog))
    responsible = next((a for a in advisors.items if a.role in RESPONSIBLE_ROLES), None)
    if responsible is not None:
        sentences.append(f"Zuständig: {responsible.name} – {responsible.role_label}.")
    else:
        sentences.append("Eine zuständige Beratungsstelle vor Ort ist nicht hinterlegt.")
    return " ".join(sentences)


def _next_step(measures: list[MeasureRecommendation], programme: FundingRecommendation | None, catalog: Catalog) -> str:
    if not measures:
        return "Eine weitere passende Maßnahme aus dem Katalog wurde nicht gefunden."
    top = measures[0]
    text = f"Als Einstieg empfohlen: {top.name}"
    if top.addresses:
        text += f" – hilft bei: {join_labels(top.addresses)}"
    if programme is None:
        return text + "; ein passendes offenes Förderprogramm (Zuschuss) wurde nicht gefunden."
    funded = catalog.measures[programme.funds_measures[0]].name_de
    rate = rate_text(programme, catalog)
    text += f"; {short_programme_name(programme.name)} fördert {funded}" + (f" ({rate})" if rate else "")
    return text + "."
