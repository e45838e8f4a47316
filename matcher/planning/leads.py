"""Leads: whom should an advisor consult first? (docs/planning.md, section Leads)

The organisations in an advisor's territory (its Länder, Kreise and municipalities minus the excluded
municipalities; ``DE`` is all Germany) and of the kinds it serves are ranked by potential. Five
components, weights in ``LeadSettings.weights``:

- employees: ln(1 + employees) / ln(1 + full_employees), capped at 1;
- severity: the IDF-weighted problem load (the weights of peer ranking) / full_severity, capped at 1;
- unaddressed: the share of that load its measures in place do not address (``index.solved``); with no
  problems reported, 1 when nothing is in place yet, else 0;
- fundable: 1 when a grant programme the organisation is eligible for on ``as_of`` funds one of its top
  measures (``unknown_status_factor`` when only programmes of unconfirmed status do), else 0;
- transit_gap: 1 when the site has ÖV-Güteklasse D or none and the organisation reports a transit problem at the
  site (``matcher.transit.situation``): a gap a consultation can close (shuttle, job ticket with a feeder, timetable
  talks with the operator); the reason names the class and the stop.

All but fundable are vectorised over the territory. Fundability needs the organisation's top measures and
its funding, so it is computed in the order of the other four, until no unchecked organisation can
still reach the top ``limit`` (then the ranking is exact) or ``shortlist_factor`` x ``limit``
organisations have been checked (then organisations further down are left out).
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Advisor, Catalog, FundingStatus
from matcher.columns import CodedColumn
from matcher.errors import InputError
from matcher.explain import Contribution, Reason, Recommendation, explain
from matcher.geo.naming import KreisNaming
from matcher.index import IntArray, OrganisationIndex
from matcher.matching.funding import Eligibility, FundingRecommendation, recommend_funding
from matcher.matching.measures import MeasureRecommendation, recommend_measures_nearby
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation
from matcher.settings import LeadSettings, MatcherSettings
from matcher.transit.model import TransitClass
from matcher.transit.situation import POOR_CLASSES, SITE_TRANSIT_COLUMNS, transit_problems
from matcher.transit.text import class_phrase
from matcher.vectorise import PROBLEMS, Vectoriser
from matcher.vocabulary import KIND_LABELS_DE, STATE_NAMES_DE, OrganisationKind, ProblemCode
from matcher.wording import german_int, german_number, join_labels

OrganisationLookup = Mapping[str, Organisation] | Callable[[str], Organisation]
NATIONWIDE = "DE"
_KREIS = re.compile(r"^[0-9]{5}$")


class Lead(Recommendation):
    kind: OrganisationKind
    kind_label: str
    municipality: str
    municipality_ags: str
    kreis: str
    kreis_code: str
    kreis_label: str = Field(description='German: "Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna"')
    place_label: str = Field(description='German: "Bergkamen, Kreis Unna"; a kreisfreie Stadt named once')
    transit_class: TransitClass = Field(description="ÖV-Güteklasse of the site (docs/transit.md)")
    transit_label: str = Field(description="German: the class and the stop that gives it (or the nearest stop)")
    employees: int
    issues: list[ProblemCode]
    measures_in_place: int = Field(ge=0, description="number of measures in place")
    talking_points: list[str] = Field(min_length=3, max_length=3, description="German: measure, funding, peer")


class LeadFilters(BaseModel):
    model_config = ConfigDict(frozen=True)

    kreis: str | None = None
    kind: OrganisationKind | None = None
    problem: ProblemCode | None = None
    min_employees: int | None = None


class LeadAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    advisor_id: str
    advisor_name: str
    territory: str = Field(description="German description of the advisor's territory")
    as_of: date
    filters: LeadFilters
    total: int = Field(description="organisations in the territory, of kinds served, after the filters")
    checked: int = Field(description="organisations whose fundability was checked (the shortlist)")
    items: list[Lead]


@dataclass(frozen=True)
class LeadPlan:
    """What a consultation would start with: top measures and the best programme funding one of them."""

    measures: list[MeasureRecommendation]
    programme: FundingRecommendation | None
    fundable: float  # in [0, 1]


def recommend_leads(
    advisor_id: str,
    index: OrganisationIndex,
    organisations: OrganisationLookup,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MatcherSettings,
    *,
    as_of: date,
    kreis_naming: KreisNaming,
    limit: int | None = None,
    kreis: str | None = None,
    kind: str | None = None,
    problem: str | None = None,
    min_employees: int | None = None,
) -> LeadAnswer:
    """The organisations of the advisor's territory ranked by potential (best first, ties by id).

    ``kreis_naming``: the Kreis types of the geo reference (``GeoReference.kreis_naming``) for the leads' places."""
    advisor = catalog.advisors.get(advisor_id)
    if advisor is None:
        raise InputError(
            "advisor_id", f"Unbekannte Beratungsstelle {advisor_id!r}; erlaubt sind die ids des Beratungskatalogs.",
            "unknown_advisor",
        )  # fmt: skip
    count = settings.leads.default_limit if limit is None else limit
    if count < 1:
        raise InputError("limit", f"limit muss mindestens 1 sein (angegeben: {count}).", "invalid_limit")
    filters = lead_filters(kreis, kind, problem, min_employees)
    positions = territory_positions(advisor, index, filters)
    lookup = organisations.__getitem__ if isinstance(organisations, Mapping) else organisations
    weighted = _weighted_components(positions, index, settings.leads)
    partial = weighted.sum(axis=0)
    best_fundable = settings.leads.weights.fundable
    top: list[float] = []  # min-heap of the best ``count`` totals so far
    checked: list[tuple[tuple[float, list[Reason]], Organisation, LeadPlan]] = []
    for i in np.lexsort((index.id_order(positions), -partial))[: settings.leads.shortlist_factor * count].tolist():
        if len(top) == count and partial[i] + best_fundable < top[0] - 1e-12:
            break  # nobody further down can reach the top ``count`` any more
        organisation = lookup(str(index.ids[positions[i]]))
        plan = lead_plan(organisation, index, vectoriser, catalog, settings, as_of)
        fundable = best_fundable * plan.fundable
        (heapq.heappush if len(top) < count else heapq.heappushpop)(top, float(partial[i]) + fundable)
        explained = _explain(int(positions[i]), weighted[:, i], fundable, plan, organisation, index)
        checked.append((explained, organisation, plan))
    checked.sort(key=lambda item: (-item[0][0], item[1].id))
    items = [
        _lead(organisation, score, reasons, plan, index, vectoriser, catalog, settings, kreis_naming)
        for (score, reasons), organisation, plan in checked[:count]
    ]
    return LeadAnswer(
        advisor_id=advisor.id, advisor_name=advisor.name, territory=territory_text(advisor), as_of=as_of,
        filters=filters, total=len(positions), checked=len(checked), items=items,
    )  # fmt: skip


def lead_filters(kreis: str | None, kind: str | None, problem: str | None, min_employees: int | None) -> LeadFilters:
    """Validated filters; a bad value is an InputError naming its field."""
    if kreis is not None and not _KREIS.match(kreis):
        raise InputError("kreis", "Kreisschlüssel mit 5 Ziffern angeben, z. B. 05913 (Dortmund).", "invalid_kreis")
    if kind is not None and kind not in set(OrganisationKind):
        allowed = ", ".join(OrganisationKind)
        raise InputError("kind", f"Unbekannte Art {kind!r}; erlaubt: {allowed}.", "invalid_kind")
    if problem is not None and problem not in set(ProblemCode):
        raise InputError(
            "problem", f"Unbekanntes Problem {problem!r}; erlaubt sind die Problemcodes.", "invalid_problem"
        )
    if min_employees is not None and min_employees < 0:
        raise InputError("min_employees", "min_employees darf nicht negativ sein.", "invalid_min_employees")
    return LeadFilters(
        kreis=kreis,
        kind=None if kind is None else OrganisationKind(kind),
        problem=None if problem is None else ProblemCode(problem),
        min_employees=min_employees,
    )


def territory_positions(advisor: Advisor, index: OrganisationIndex, filters: LeadFilters | None = None) -> IntArray:
    """Index rows in the advisor's territory, of kinds it serves, passing the filters (ascending)."""
    if NATIONWIDE in advisor.covers_states:
        positions = index.live_positions()
    else:
        inside = _member(index.states, advisor.covers_states)
        inside |= _member(index.kreis_codes, advisor.covers_kreise)
        inside |= _member(index.municipality_ags, advisor.covers_municipalities)
        positions = np.flatnonzero(inside & index.alive)
    keep = _member(index.kinds[positions], advisor.serves_kinds)
    keep &= ~_member(index.municipality_ags[positions], advisor.excludes_municipalities)
    if filters is not None:
        if filters.kreis is not None:
            keep &= index.kreis_codes[positions] == filters.kreis
        if filters.kind is not None:
            keep &= index.kinds[positions] == filters.kind
        if filters.problem is not None:
            keep &= index.issues[positions, PROBLEMS.index(filters.problem)]
        if filters.min_employees is not None:
            keep &= index.employees[positions] >= filters.min_employees
    return positions[keep]


def territory_text(advisor: Advisor) -> str:
    if NATIONWIDE in advisor.covers_states:
        return "Deutschland (bundesweit)"
    if advisor.covers_states:
        return ", ".join(STATE_NAMES_DE.get(s, s) for s in advisor.covers_states) + " (landesweit)"
    if not (advisor.covers_kreise or advisor.covers_municipalities):
        return "kein Gebiet hinterlegt"
    return ", ".join(part.strip() for part in advisor.covers.split(";"))


def lead_plan(
    organisation: Organisation,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MatcherSettings,
    as_of: date,
) -> LeadPlan:
    """Top measures (with the neighbour signal, as the organisation itself would see them) and the best grant
    programme funding one of them: confirmed status first, then funding relevance."""
    measures = recommend_measures_nearby(
        organisation, index, vectoriser, catalog, settings.measures, limit=settings.leads.top_measures
    )
    funding = recommend_funding(organisation, catalog, [m.id for m in measures], settings.funding, as_of)
    programme = best_grant(funding.items)
    if programme is None:
        return LeadPlan(measures, None, 0.0)
    unknown = programme.status is FundingStatus.UNKNOWN
    return LeadPlan(measures, programme, settings.funding.unknown_status_factor if unknown else 1.0)


def best_grant(items: Sequence[FundingRecommendation]) -> FundingRecommendation | None:
    """The first grant programme (in funding order) that funds a given measure and that the organisation can apply
    for itself, confirmed status before unknown; partner-only programmes are never the talking point."""
    qualifying = [f for f in items if f.is_grant and f.funds_measures and f.eligibility is Eligibility.ELIGIBLE]
    return next(iter(sorted(qualifying, key=lambda f: f.status is FundingStatus.UNKNOWN)), None)


def short_programme_name(name: str) -> str:
    """'Förderrichtlinie Mobilitätsmanagement (FöRi-MM) – …' -> 'FöRi-MM'; else the part before ' – '
    without explanatory brackets: 'KfW 441 – Zuschuss …' -> 'KfW 441'."""
    acronym = re.search(r"\(([^()\s]+-[^()\s]+)\)", name)
    if acronym:
        return acronym.group(1)
    return re.sub(r"\s*\([^()]*\s[^()]*\)", "", name.split(" – ", 1)[0]).strip()


def measure_point(measures: Sequence[MeasureRecommendation]) -> str:
    if not measures:
        return "Einstieg: keine weitere passende Maßnahme im Katalog gefunden"
    top = measures[0]
    if not top.addresses:
        return f"Einstieg: {top.name} (noch keine Probleme angegeben)"
    return f"Einstieg: {top.name} – hilft bei: {join_labels(top.addresses)}"


def funding_point(programme: FundingRecommendation | None, catalog: Catalog) -> str:
    if programme is None:
        return "Förderung: keine passende offene Förderung gefunden"
    funded = catalog.measures[programme.funds_measures[0]].name_de
    text = f"Förderung: {short_programme_name(programme.name)} für {funded}"
    rate = rate_text(programme, catalog)
    if rate:
        text += f" – {rate}"
    if programme.status is FundingStatus.UNKNOWN:
        text += " (Status nicht bestätigt, vor Antrag prüfen)"
    return text


def rate_text(programme: FundingRecommendation, catalog: Catalog) -> str:
    """'bis 30 %': the rate for THIS applicant (not the largest over all applicants), or '' when none is confirmed."""
    rate = programme.applicant_rate_percent
    return "" if rate is None else f"bis {german_number(rate)} %"


def _member(values: npt.NDArray[np.object_] | CodedColumn, allowed: Sequence[str]) -> npt.NDArray[np.bool_]:
    wanted = set(allowed)
    if not wanted:
        return np.zeros(len(values), dtype=np.bool_)
    if isinstance(values, CodedColumn):
        return values.isin(wanted)
    return np.fromiter((value in wanted for value in values), dtype=np.bool_, count=len(values))


def _weighted_components(
    positions: IntArray, index: OrganisationIndex, settings: LeadSettings
) -> npt.NDArray[np.float64]:
    """Rows: employees, severity, unaddressed, transit_gap, each already multiplied by its weight; one column per
    position."""
    weights = settings.weights
    issues = index.issues[positions]
    load = issues.astype(np.float64) @ index.issue_weights
    solved = (issues & index.solved[positions]).astype(np.float64) @ index.issue_weights
    nothing_in_place = ~index.measures[positions].any(axis=1)
    share = np.divide(load - solved, load, out=np.asarray(nothing_in_place, dtype=np.float64), where=load > 0)
    employees = np.log1p(index.employees[positions]) / np.log1p(settings.full_employees)
    poor = _member(index.transit_classes[positions], list(POOR_CLASSES))
    return np.vstack(
        (
            weights.employees * np.minimum(employees, 1.0),
            weights.severity * np.minimum(load / settings.full_severity, 1.0),
            weights.unaddressed * np.clip(share, 0.0, 1.0),
            weights.transit_gap * (poor & issues[:, SITE_TRANSIT_COLUMNS].any(axis=1)),
        )
    )


def _by_weight(mask: npt.NDArray[np.bool_], index: OrganisationIndex) -> list[ProblemCode]:
    """Problems in the mask, heaviest (highest IDF) first, ties in vocabulary order."""
    columns = np.flatnonzero(mask)
    return [PROBLEMS[c] for c in columns[np.argsort(-index.issue_weights[columns], kind="stable")].tolist()]


def _explain(
    position: int,
    weighted: npt.NDArray[np.float64],
    fundable: float,
    plan: LeadPlan,
    organisation: Organisation,
    index: OrganisationIndex,
) -> tuple[float, list[Reason]]:
    employees, severity, unaddressed, transit_gap = weighted.tolist()
    issues = index.issues[position]
    open_problems = _by_weight(issues & ~index.solved[position], index)
    if not index.measures[position].any():
        unaddressed_text = "noch keine Maßnahmen umgesetzt"
    else:
        unaddressed_text = f"{join_labels(open_problems)} ungelöst" if open_problems else ""
    reported = _by_weight(issues, index)
    noun = "Problem" if len(reported) == 1 else "Probleme"
    contributions = [
        Contribution("employees", f"{german_int(int(index.employees[position]))} Beschäftigte", employees),
        Contribution(
            "severity", f"{len(reported)} {noun} gemeldet: {join_labels(reported)}" if reported else "", severity
        ),
        Contribution("unaddressed", unaddressed_text, unaddressed),
        Contribution("fundable", _fundable_text(plan.programme), fundable),
        Contribution("transit_gap", _transit_gap_text(organisation) if transit_gap else "", transit_gap),
    ]
    return explain(contributions)


def _transit_gap_text(organisation: Organisation) -> str:
    """'schlechte ÖPNV-Anbindung am Standort bestätigt – ÖV-Güteklasse D (geringe Erschließung): Bushaltestelle …'."""
    features = organisation.features
    problems = join_labels(transit_problems(organisation.issues))
    where = class_phrase(features.transit_class, features.transit_stop, features.transit_stops)
    return f"{problems} am Standort bestätigt – {where}"


def _fundable_text(programme: FundingRecommendation | None) -> str:
    if programme is None:
        return ""
    unconfirmed = " (Status nicht bestätigt)" if programme.status is FundingStatus.UNKNOWN else ""
    return f"förderfähig: {short_programme_name(programme.name)}{unconfirmed}"


def _lead(
    organisation: Organisation,
    score: float,
    reasons: list[Reason],
    plan: LeadPlan,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MatcherSettings,
    kreis_naming: KreisNaming,
) -> Lead:
    location, features = organisation.location, organisation.features
    return Lead(
        id=organisation.id, name=organisation.name, score=score, reasons=reasons, kind=organisation.kind,
        kind_label=KIND_LABELS_DE[organisation.kind], municipality=location.municipality_name,
        municipality_ags=location.municipality_ags, kreis=location.kreis_name, kreis_code=location.kreis_code,
        kreis_label=kreis_naming.kreis(location.kreis_code, location.kreis_name),
        place_label=kreis_naming.place(location.municipality_name, location.kreis_code, location.kreis_name),
        transit_class=features.transit_class,
        transit_label=class_phrase(features.transit_class, features.transit_stop, features.transit_stops),
        employees=organisation.employees, issues=list(organisation.issues),
        measures_in_place=len(organisation.measures_in_place),
        talking_points=[
            measure_point(plan.measures),
            funding_point(plan.programme, catalog),
            peer_point(organisation, index, vectoriser, catalog, settings),
        ],
    )  # fmt: skip


def peer_point(
    organisation: Organisation,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MatcherSettings,
) -> str:
    """The best-ranked peer visible to peers whose measures in place address the organisation's problems."""
    answer = recommend_peers(organisation, index, vectoriser, catalog, settings.peers)
    peer = next((p for p in answer.items if p.solved_with), None)
    if peer is None:
        radius = f"{answer.radius_km:g}".replace(".", ",")
        return (
            f"Vorbild in der Nähe: im Umkreis von {radius} km keine Organisation gefunden, die das bereits gelöst hat"
        )
    names = " und ".join(catalog.measures[m].name_de for m in peer.solved_with[:2])
    more = " u. a." if len(peer.solved_with) > 2 else ""
    return f"Vorbild in der Nähe: {peer.name} ({peer.proximity}) hat bereits{more} {names} eingeführt"
