"""Funding: who pays for the recommended measures? (docs/matching.md, section Funding)

Hard rules decide eligibility (Land and Kreis, applicant kind and role, SME and size limits, the sectors a
programme is limited to, availability on ``as_of``) from the curated conditions of each programme
(``matcher.conditions``). A business of unknown sector is not excluded by a sector limit, but not called eligible
either: the programme is listed after every certainly usable one, as to be checked. Relevance ranks the usable
programmes: coverage of the recommended measures (earlier ones count more), the rate and cap for THIS applicant,
and direct access. Programmes usable only as partner, via the municipality or under an ownership condition keep
``indirect_factor`` of their relevance and no direct-access weight, so they rank below the directly usable ones.
Blank values score 0 and are never guessed. A closed or expired programme is never listed as available.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Catalog, FundingProgramme, FundingStatus, Instrument
from matcher.conditions import ApplicantConditions, ApplicantRole
from matcher.errors import InputError
from matcher.explain import INDIRECT_ACCESS, SECTOR_UNCHECKED, Contribution, Reason, Recommendation, explain
from matcher.models import Organisation
from matcher.settings import FundingSettings
from matcher.vocabulary import (
    BUSINESS_KINDS,
    KIND_LABELS_DE,
    SECTOR_LABELS_DE,
    STATE_NAMES_DE,
    OrganisationKind,
    Sector,
)
from matcher.wording import german_int, german_number, join_de

INSTRUMENT_LABELS_DE: dict[Instrument, str] = {
    Instrument.GRANT: "Zuschuss",
    Instrument.COMPETITION: "Wettbewerb (Förderaufruf)",
    Instrument.CO_FINANCING: "Kofinanzierung",
    Instrument.CONSULTING: "geförderte Beratung",
    Instrument.TICKET_DISCOUNT: "kein Zuschuss: Ticketrabatt (Deutschlandticket Job)",
    Instrument.TAX_RULE: "kein Zuschuss: Steuerregel",
    Instrument.LEVY: "kein Zuschuss: kommunale Abgabe",
}

NATURE_LABELS_DE: dict[Instrument, str] = {
    Instrument.TICKET_DISCOUNT: "Ticketrabatt",
    Instrument.TAX_RULE: "Steuerregel",
    Instrument.LEVY: "kommunale Abgabe",
}


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"
    PARTNER_ONLY = "partner_only"
    SECTOR_UNCHECKED = "sector_unchecked"  # limited to sectors, and the applicant's sector is unknown
    NOT_ELIGIBLE = "not_eligible"


ELIGIBILITY_LABELS_DE: dict[Eligibility, str] = {
    Eligibility.ELIGIBLE: "antragsberechtigt",
    Eligibility.PARTNER_ONLY: "nur als Partner",
    Eligibility.SECTOR_UNCHECKED: "nicht geprüft: Branche unbekannt",
    Eligibility.NOT_ELIGIBLE: "nicht antragsberechtigt",
}

ROLE_TEXTS_DE: dict[ApplicantRole, str] = {
    ApplicantRole.PARTNER_ONLY: "nur im Verbund unter Federführung einer Kommune",
    ApplicantRole.VIA_MUNICIPALITY: "nur über die Kommune: die Kommune beantragt, der Betrieb wirkt mit",
}

MEASURES_NAMED = 3  # the coverage reason names this many measures, then "…"

_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)?\b")
_AMOUNT = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+")


class FundingRecommendation(Recommendation):
    instrument: Instrument
    instrument_label: str = Field(description="German; non-grant instruments start with 'kein Zuschuss'")
    is_grant: bool
    status: FundingStatus = Field(description="status found on checked_on")
    status_note: str = Field(description="the source's wording of the status")
    checked_on: date
    open_from: date | None
    valid_until: date | None
    funding_rate_percent: str = Field(description="as the source states it (all applicants)")
    max_amount_eur: str = Field(description="as the source states it (all applicants)")
    funds_measures: list[str] = Field(description="the recommended measures this programme funds, in their order")
    eligible: bool = Field(
        description="no hard rule excludes the applicant; eligibility says whether directly, as partner or only "
        "once its sector is checked"
    )
    ineligible_reasons: list[Reason] = Field(description="why not (weight 0); empty when eligible")
    eligibility: Eligibility = Field(
        description="for THIS applicant: eligible, partner_only, sector_unchecked (the programme is limited to "
        "sectors and the applicant's is unknown) or not_eligible"
    )
    eligibility_label: str = Field(description="German label of eligibility")
    applicant_role: ApplicantRole | None = Field(description="direct, partner_only or via_municipality; null if none")
    conditions: list[Reason] = Field(description="conditions for THIS applicant (German texts, weight 0)")
    applicant_rate_percent: float | None = Field(description="standard rate for THIS applicant; null: not confirmed")
    applicant_cap_eur: float | None = Field(description="cap for THIS applicant; null: none confirmed")
    rate_text: str = Field(description="German: rate and cap for THIS applicant, or what the instrument is instead")


class FundingAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    items: list[FundingRecommendation] = Field(
        description="usable programmes: the directly usable first, then partner-only ones and those whose sector "
        "limit is unchecked; each best first, ties by id"
    )
    ineligible: list[FundingRecommendation] = Field(description="only when requested; by id, score 0")


def recommend_funding(
    organisation: Organisation,
    catalog: Catalog,
    recommended_measures: Sequence[str],
    settings: FundingSettings,
    as_of: date,
    include_ineligible: bool = False,
) -> FundingAnswer:
    """Programmes the organisation can use on ``as_of`` for the given measures (best first)."""
    measures = _considered_measures(recommended_measures, catalog, settings)
    items: list[FundingRecommendation] = []
    ineligible: list[FundingRecommendation] = []
    for programme in sorted(catalog.funding.values(), key=lambda p: p.id):
        terms = applicant_terms(programme, organisation)
        funded = [m for m in measures if funds_measure(programme, m, terms)]
        problems = eligibility_problems(programme, organisation, settings, as_of)
        if problems:
            if include_ineligible:
                ineligible.append(_item(programme, organisation, terms, 0.0, [], funded, problems))
            continue
        indirect = is_indirect(terms)
        if indirect and measures and not funded:
            continue  # a partner role in a programme for none of the measures helps nobody
        unchecked = sector_unchecked(programme, organisation)
        contributions = _relevance(programme, terms, organisation.kind, measures, funded, catalog, settings, unchecked)
        score, reasons = explain(contributions)
        reasons += _notes(programme, terms, measures, funded, unchecked)
        items.append(_item(programme, organisation, terms, score, reasons, funded, []))
    # Partner-only and sector-unchecked programmes after every certainly usable one, as their notes say
    # (ORDER_REASON_CODES).
    items.sort(key=lambda item: (item.eligibility is not Eligibility.ELIGIBLE, -item.score, item.id))
    return FundingAnswer(as_of=as_of, items=items, ineligible=ineligible)


def applicant_terms(programme: FundingProgramme, organisation: Organisation) -> ApplicantConditions | None:
    """The programme's conditions for this kind and size (None: not for this applicant)."""
    return programme.conditions.for_applicant(organisation.kind, organisation.employees)


def is_indirect(terms: ApplicantConditions | None) -> bool:
    return terms is not None and (terms.role is not ApplicantRole.DIRECT or terms.restricted)


def funds_measure(programme: FundingProgramme, measure: str, terms: ApplicantConditions | None = None) -> bool:
    """Whether the programme pays for the measure (for this applicant, when ``terms`` are given)."""
    if measure not in programme.fundable_measures:
        return False
    return terms is None or terms.only_measures is None or measure in terms.only_measures


def sector_unchecked(programme: FundingProgramme, organisation: Organisation) -> bool:
    """The programme is limited to sectors and the business's sector is unknown: possibly usable, to be checked."""
    return bool(programme.conditions.sectors) and organisation.sector_unknown


def eligibility_problems(
    programme: FundingProgramme, organisation: Organisation, settings: FundingSettings, as_of: date
) -> list[Reason]:
    """Every hard rule the organisation fails (empty: it can use the programme, or may once its sector is
    checked: ``sector_unchecked``); texts in German, weight 0."""
    problems: list[Reason] = []
    location = organisation.location
    conditions = programme.conditions
    if programme.states and location.state not in programme.states:
        names = " und ".join(STATE_NAMES_DE.get(state, state) for state in programme.states)
        problems.append(_problem("state", f"nur für {names}"))
    elif conditions.kreise and location.kreis_code not in conditions.kreise:
        problems.append(_problem("region", f"nur für Standorte in: {conditions.region_label}"))
    kinds = conditions.kinds()
    employees = organisation.employees
    if organisation.kind not in kinds:
        allowed = ", ".join(KIND_LABELS_DE[kind] for kind in kinds)
        problems.append(
            _problem("kind", f"nicht für {KIND_LABELS_DE[organisation.kind]} (antragsberechtigt: {allowed})")
        )
    too_big_for_sme = programme.sme_only and employees > settings.sme_max_employees
    if too_big_for_sme:
        problems.append(_problem("sme", f"nur für KMU bis {german_int(settings.sme_max_employees)} Beschäftigte"))
    if programme.min_employees is not None and employees < programme.min_employees:
        problems.append(_problem("min_employees", f"erst ab {german_int(programme.min_employees)} Beschäftigten"))
    limit = programme.max_employees
    if limit is not None and employees > limit and not (too_big_for_sme and limit >= settings.sme_max_employees):
        problems.append(_problem("max_employees", f"nur bis {german_int(limit)} Beschäftigte"))
    if organisation.kind in kinds and not too_big_for_sme and applicant_terms(programme, organisation) is None:
        problems.append(_problem("size_class", _size_text(programme, organisation.kind)))
    sectors = conditions.sectors
    sector = organisation.sector
    if sectors and organisation.kind in BUSINESS_KINDS and sector is not None and sector not in sectors:
        problems.append(_problem("sector", sector_limit_text(sectors)))
    problems += availability_problems(programme, as_of)
    return problems


def sector_limit_text(sectors: Sequence[Sector]) -> str:
    """'nur für Betriebe der Branchen C (Verarbeitendes Gewerbe) und F (Baugewerbe)'."""
    noun = "Branche" if len(sectors) == 1 else "Branchen"
    return f"nur für Betriebe der {noun} " + join_de([f"{s.value} ({SECTOR_LABELS_DE[s]})" for s in sectors])


def _size_text(programme: FundingProgramme, kind: OrganisationKind) -> str:
    classes = [a for a in programme.conditions.applicants if a.kind is kind]
    highs = [a.max_employees for a in classes if a.max_employees is not None]
    if highs and len(highs) == len(classes):
        return f"als {KIND_LABELS_DE[kind]} nur bis {german_int(max(highs))} Beschäftigte (KMU)"
    lows = [a.min_employees or 0 for a in classes]
    return f"als {KIND_LABELS_DE[kind]} erst ab {german_int(min(lows))} Beschäftigten"


def availability_problems(programme: FundingProgramme, as_of: date) -> list[Reason]:
    """Why the programme cannot be applied for on ``as_of`` (empty: available).

    ``status`` is what was found on ``checked_on``. A programme closed then is closed from then on; before
    ``checked_on`` it counts as available only inside a fully known window [open_from, valid_until].
    """
    start, end, checked = programme.open_from, programme.valid_until, programme.checked_on
    closed = programme.status is FundingStatus.CLOSED
    if closed and as_of >= checked:
        since = f"seit {_date(end)}" if end is not None and end < as_of else f"(Stand {_date(checked)})"
        return [_problem("closed", f"geschlossen {since}")]
    if start is not None and as_of < start:
        return [_problem("not_yet_open", f"noch nicht geöffnet (ab {_date(start)})")]
    if end is not None and as_of > end:
        return [_problem("expired", f"Antragsfrist am {_date(end)} abgelaufen")]
    if closed and (start is None or end is None):
        return [_problem("closed", f"geschlossen (Stand {_date(checked)}), Antragszeitraum nicht bekannt")]
    return []


def coverage_weights(count: int) -> list[float]:
    """Weight of the i-th recommended measure (i = 1, 2, …): 1 / log2(i + 1), as in DCG."""
    return [1.0 / math.log2(position + 1) for position in range(1, count + 1)]


def max_rate_percent(programme: FundingProgramme) -> float | None:
    """The largest percentage in the source's rate text (numbers above 100, e.g. years, ignored).

    Over all applicants: only for catalogue views. An applicant's rate is ``applicant_rate``.
    """
    if not programme.is_grant:
        return None
    numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(programme.funding_rate_percent)]
    rates = [n for n in numbers if 0 < n <= 100]
    return max(rates) if rates else None


def cap_eur(programme: FundingProgramme) -> float | None:
    """The first amount in the source's cap text (its headline figure; later ones are variants)."""
    match = _AMOUNT.search(programme.max_amount_eur)
    if not programme.is_grant or match is None:
        return None
    amount = float(re.sub(r"[.,]", "", match.group()))
    return amount if amount > 0 else None


def applicant_rate(programme: FundingProgramme, terms: ApplicantConditions | None) -> float | None:
    return terms.rate_percent if programme.is_grant and terms is not None else None


def applicant_cap(programme: FundingProgramme, terms: ApplicantConditions | None) -> float | None:
    return terms.cap_eur if programme.is_grant and terms is not None else None


def applicant_rate_text(programme: FundingProgramme, terms: ApplicantConditions | None, kind: OrganisationKind) -> str:
    """'bis 30 % für Unternehmen, höchstens 2.100 € je E-Lastenrad' or what the instrument is instead."""
    note = terms.rate_note if terms is not None else None
    if not programme.is_grant:
        return note or INSTRUMENT_LABELS_DE[programme.instrument]
    rate = applicant_rate(programme, terms)
    if rate is None and terms is not None and terms.role is ApplicantRole.VIA_MUNICIPALITY:
        text = note or "Zuschuss an die Kommune, nicht an den Betrieb"
    elif rate is None:
        text = note or "Förderquote nicht bestätigt"
    else:
        text = f"bis {german_number(rate)} % für {KIND_LABELS_DE[kind]}" + (f" ({note})" if note else "")
    cap = applicant_cap(programme, terms)
    if cap is not None and terms is not None:
        per = f" {terms.cap_note}" if terms.cap_note else ""
        text += f", höchstens {german_int(round(cap))} €{per}"
    return text


def cap_score(amount: float, full_cap_eur: float) -> float:
    """ln(amount) / ln(full_cap_eur), clipped to [0, 1]."""
    return min(1.0, max(0.0, math.log(amount) / math.log(full_cap_eur)))


def condition_reasons(
    programme: FundingProgramme, terms: ApplicantConditions | None, unchecked: bool = False
) -> list[Reason]:
    """The conditions for this applicant, in German (weight 0): role, ownership, sectors, region, plan, cost,
    de-minimis, dates. ``unchecked``: the applicant's sector is unknown, so the sector limit is not checked."""
    conditions = programme.conditions
    business = terms is not None and terms.kind in BUSINESS_KINDS
    found: list[Reason] = []
    if terms is not None and terms.role is not ApplicantRole.DIRECT:
        found.append(_problem(f"role_{terms.role.value}", ROLE_TEXTS_DE[terms.role]))
    if terms is not None and terms.min_municipal_share_percent is not None:
        share = f"nur mit mindestens {german_number(terms.min_municipal_share_percent)} % kommunaler Beteiligung"
        found.append(_problem("municipal_share", terms.municipal_share_note or share))
    if terms is not None and terms.restriction:
        found.append(_problem("restricted_applicants", terms.restriction))
    if conditions.sectors and business:
        text = sector_limit_text(conditions.sectors)
        found.append(_problem("sectors", f"{text} – nicht geprüft: Branche unbekannt" if unchecked else text))
    if conditions.kreise:
        found.append(_problem("region", f"nur für Standorte in: {conditions.region_label}"))
    if conditions.mobility_plan:
        found.append(_problem("mobility_plan", conditions.mobility_plan))
    if conditions.min_project_cost_eur is not None:
        text = f"Mindestprojektvolumen {german_int(round(conditions.min_project_cost_eur))} €"
        note = conditions.min_project_cost_note
        found.append(_problem("min_project_cost", text + (f" ({note})" if note else "")))
    if conditions.de_minimis and business:
        found.append(_problem("de_minimis", "De-minimis-Beihilfe: zählt auf die De-minimis-Grenze des Betriebs an"))
    if conditions.dates_note:
        found.append(_problem("dates", conditions.dates_note))
    found += [_problem("condition", text) for text in conditions.conditions_de]
    return found


def _considered_measures(recommended: Sequence[str], catalog: Catalog, settings: FundingSettings) -> list[str]:
    unknown = [m for m in recommended if m not in catalog.measures]
    if unknown:
        raise InputError(
            "recommended_measures",
            f"Unbekannte Maßnahme(n) {', '.join(repr(m) for m in unknown)}; "
            "erlaubt sind die ids des Maßnahmenkatalogs.",
            "unknown_measure",
        )
    return list(dict.fromkeys(recommended))[: settings.recommended_measures]


def _relevance(
    programme: FundingProgramme,
    terms: ApplicantConditions | None,
    kind: OrganisationKind,
    measures: list[str],
    funded: list[str],
    catalog: Catalog,
    settings: FundingSettings,
    unchecked: bool,
) -> list[Contribution]:
    """Coverage, rate, cap and direct access; a programme funding none of the (given) measures scores 0.
    Direct access is claimed only when known: not while the sector limit is ``unchecked``."""
    if measures and not funded:
        return []
    weights = settings.weights
    factor = settings.unknown_status_factor if programme.status is FundingStatus.UNKNOWN else 1.0
    if is_indirect(terms):
        factor *= settings.indirect_factor
    contributions: list[Contribution] = []
    if funded:
        position_weights = coverage_weights(len(measures))
        coverage = sum(w for m, w in zip(measures, position_weights, strict=True) if m in funded)
        coverage /= sum(position_weights)
        names = [catalog.measures[m].name_de for m in funded[:MEASURES_NAMED]]
        more = ", …" if len(funded) > MEASURES_NAMED else ""
        verb = "fördert" if programme.is_grant else f"{NATURE_LABELS_DE[programme.instrument]} für"
        text = f"{verb} {len(funded)} der {len(measures)} empfohlenen Maßnahmen: {', '.join(names)}{more}"
        contributions.append(Contribution("measure_coverage", text, weights.measure_coverage * coverage * factor))
    rate = applicant_rate(programme, terms)
    if rate is not None:
        text = f"Förderquote bis {german_number(rate)} % für {KIND_LABELS_DE[kind]}"
        contributions.append(Contribution("funding_rate", text, weights.funding_rate * rate / 100 * factor))
    amount = applicant_cap(programme, terms)
    if amount is not None and terms is not None:
        per = terms.cap_note or "je Vorhaben"
        text = f"bis {german_int(round(amount))} € {per}"
        contributions.append(Contribution("cap", text, weights.cap * cap_score(amount, settings.full_cap_eur) * factor))
    if not is_indirect(terms) and not unchecked:
        status = factor if programme.status is FundingStatus.UNKNOWN else 1.0
        text = f"direkt antragsberechtigt als {KIND_LABELS_DE[kind]}"
        contributions.append(Contribution("direct_access", text, weights.direct_access * status))
    return contributions


def _notes(
    programme: FundingProgramme,
    terms: ApplicantConditions | None,
    measures: list[str],
    funded: list[str],
    unchecked: bool,
) -> list[Reason]:
    """Zero-weight remarks shown with a usable programme; they do not change the score."""
    notes: list[Reason] = []
    if measures and not funded:
        if programme.is_grant:
            notes.append(_problem("no_measure_covered", "fördert keine der empfohlenen Maßnahmen"))
        else:
            label = NATURE_LABELS_DE[programme.instrument]
            notes.append(_problem("no_measure_covered", f"{label}, betrifft keine der empfohlenen Maßnahmen"))
    if is_indirect(terms):
        notes.append(_problem(INDIRECT_ACCESS, "nicht direkt nutzbar – daher nach den direkt nutzbaren Programmen"))
    if unchecked:
        limit = sector_limit_text(programme.conditions.sectors)
        text = f"Branche unbekannt, {limit}: nicht geprüft – daher nach den sicher nutzbaren Programmen"
        notes.append(_problem(SECTOR_UNCHECKED, text))
    if programme.status is FundingStatus.UNKNOWN:
        text = f"Status nicht bestätigt – zuletzt geprüft am {_date(programme.checked_on)}, vor Antrag prüfen"
        notes.append(_problem("status_unknown", text))
    if programme.status is FundingStatus.CLOSED:  # available only because as_of lies before checked_on
        notes.append(_problem("closed_later", f"bei der Prüfung am {_date(programme.checked_on)} geschlossen"))
    if programme.valid_until is not None:
        notes.append(_problem("valid_until", f"befristet bis {_date(programme.valid_until)}"))
    if not programme.is_grant:
        notes.append(_problem("not_a_grant", INSTRUMENT_LABELS_DE[programme.instrument]))
    return notes


def _item(
    programme: FundingProgramme,
    organisation: Organisation,
    terms: ApplicantConditions | None,
    score: float,
    reasons: list[Reason],
    funded: list[str],
    problems: list[Reason],
) -> FundingRecommendation:
    unchecked = sector_unchecked(programme, organisation)
    if problems or terms is None:
        eligibility = Eligibility.NOT_ELIGIBLE
    elif unchecked:
        eligibility = Eligibility.SECTOR_UNCHECKED
    elif terms.role is ApplicantRole.DIRECT:
        eligibility = Eligibility.ELIGIBLE
    else:
        eligibility = Eligibility.PARTNER_ONLY
    return FundingRecommendation(
        id=programme.id,
        name=programme.name,
        score=score,
        reasons=reasons,
        instrument=programme.instrument,
        instrument_label=INSTRUMENT_LABELS_DE[programme.instrument],
        is_grant=programme.is_grant,
        status=programme.status,
        status_note=programme.status_as_of,
        checked_on=programme.checked_on,
        open_from=programme.open_from,
        valid_until=programme.valid_until,
        funding_rate_percent=programme.funding_rate_percent,
        max_amount_eur=programme.max_amount_eur,
        funds_measures=funded,
        eligible=not problems,
        ineligible_reasons=problems,
        eligibility=eligibility,
        eligibility_label=ELIGIBILITY_LABELS_DE[eligibility],
        applicant_role=None if terms is None else terms.role,
        conditions=condition_reasons(programme, terms, unchecked),
        applicant_rate_percent=applicant_rate(programme, terms),
        applicant_cap_eur=applicant_cap(programme, terms),
        rate_text=applicant_rate_text(programme, terms, organisation.kind),
    )


def _problem(code: str, text: str) -> Reason:
    return Reason(code=code, text=text, weight=0.0)


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")
