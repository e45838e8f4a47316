"""Funding: who pays for the recommended measures? (docs/matching.md, section Funding)

Hard rules decide eligibility (Land, applicant kind, SME and size limits, availability on ``as_of``);
relevance ranks the eligible programmes: coverage of the recommended measures (earlier ones count
more), the funding rate and the cap as the source states them. Blank or unparsable source cells
score 0 and are never guessed. A closed or expired programme is never listed as available.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Catalog, FundingProgramme, FundingStatus, Instrument
from matcher.errors import InputError
from matcher.explain import Contribution, Reason, Recommendation, explain
from matcher.models import Organisation
from matcher.settings import FundingSettings
from matcher.vocabulary import KIND_LABELS_DE, STATE_NAMES_DE

INSTRUMENT_LABELS_DE: dict[Instrument, str] = {
    Instrument.GRANT: "Zuschuss",
    Instrument.COMPETITION: "Wettbewerb (Förderaufruf)",
    Instrument.CO_FINANCING: "Kofinanzierung",
    Instrument.CONSULTING: "geförderte Beratung",
    Instrument.TICKET_DISCOUNT: "kein Zuschuss: Rabatt auf das Deutschlandticket Job",
    Instrument.TAX_RULE: "kein Zuschuss: Steuerregel",
    Instrument.LEVY: "kein Zuschuss: kommunale Abgabe",
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
    funding_rate_percent: str = Field(description="as the source states it")
    max_amount_eur: str = Field(description="as the source states it")
    funds_measures: list[str] = Field(description="the recommended measures this programme funds, in their order")
    eligible: bool
    ineligible_reasons: list[Reason] = Field(description="why not (weight 0); empty when eligible")


class FundingAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: date
    items: list[FundingRecommendation] = Field(description="eligible programmes, best first (ties by id)")
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
        funded = [m for m in measures if m in programme.fundable_measures]
        problems = eligibility_problems(programme, organisation, settings, as_of)
        if problems:
            if include_ineligible:
                ineligible.append(_item(programme, 0.0, [], funded, problems))
            continue
        score, reasons = explain(_relevance(programme, measures, funded, catalog, settings))
        reasons += _notes(programme, measures, funded)
        items.append(_item(programme, score, reasons, funded, []))
    items.sort(key=lambda item: (-item.score, item.id))
    return FundingAnswer(as_of=as_of, items=items, ineligible=ineligible)


def eligibility_problems(
    programme: FundingProgramme, organisation: Organisation, settings: FundingSettings, as_of: date
) -> list[Reason]:
    """Every hard rule the organisation fails (empty: eligible); texts in German, weight 0."""
    problems: list[Reason] = []
    if programme.states and organisation.location.state not in programme.states:
        names = " und ".join(STATE_NAMES_DE.get(state, state) for state in programme.states)
        problems.append(_problem("state", f"nur für {names}"))
    if organisation.kind not in programme.eligible_kinds:
        allowed = ", ".join(KIND_LABELS_DE[kind] for kind in programme.eligible_kinds)
        problems.append(
            _problem("kind", f"nicht für {KIND_LABELS_DE[organisation.kind]} (antragsberechtigt: {allowed})")
        )
    employees = organisation.employees
    too_big_for_sme = programme.sme_only and employees > settings.sme_max_employees
    if too_big_for_sme:
        problems.append(_problem("sme", f"nur für KMU bis {_int(settings.sme_max_employees)} Beschäftigte"))
    if programme.min_employees is not None and employees < programme.min_employees:
        problems.append(_problem("min_employees", f"erst ab {_int(programme.min_employees)} Beschäftigten"))
    limit = programme.max_employees
    if limit is not None and employees > limit and not (too_big_for_sme and limit >= settings.sme_max_employees):
        problems.append(_problem("max_employees", f"nur bis {_int(limit)} Beschäftigte"))
    problems += availability_problems(programme, as_of)
    return problems


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
    """The largest percentage in the source's rate text (numbers above 100, e.g. years, ignored)."""
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


def cap_score(amount: float, full_cap_eur: float) -> float:
    """ln(amount) / ln(full_cap_eur), clipped to [0, 1]."""
    return min(1.0, max(0.0, math.log(amount) / math.log(full_cap_eur)))


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
    programme: FundingProgramme, measures: list[str], funded: list[str], catalog: Catalog, settings: FundingSettings
) -> list[Contribution]:
    """Coverage, rate and cap; a programme funding none of the (given) measures scores 0, so it ranks last."""
    if measures and not funded:
        return []
    weights = settings.weights
    factor = settings.unknown_status_factor if programme.status is FundingStatus.UNKNOWN else 1.0
    contributions: list[Contribution] = []
    if funded:
        position_weights = coverage_weights(len(measures))
        coverage = sum(w for m, w in zip(measures, position_weights, strict=True) if m in funded)
        coverage /= sum(position_weights)
        names = [catalog.measures[m].name_de for m in funded[:MEASURES_NAMED]]
        more = ", …" if len(funded) > MEASURES_NAMED else ""
        text = f"fördert {len(funded)} der {len(measures)} empfohlenen Maßnahmen: {', '.join(names)}{more}"
        contributions.append(Contribution("measure_coverage", text, weights.measure_coverage * coverage * factor))
    rate = max_rate_percent(programme)
    if rate is not None:
        text = f"Förderquote bis {_number(rate)} %"
        contributions.append(Contribution("funding_rate", text, weights.funding_rate * rate / 100 * factor))
    amount = cap_eur(programme)
    if amount is not None:
        per = "je Vorhaben" if programme.max_amount_eur.strip().isdigit() else "(Bezugsgröße laut Quelle)"
        text = f"bis {_int(round(amount))} € {per}"
        contributions.append(Contribution("cap", text, weights.cap * cap_score(amount, settings.full_cap_eur) * factor))
    return contributions


def _notes(programme: FundingProgramme, measures: list[str], funded: list[str]) -> list[Reason]:
    """Zero-weight remarks shown with an eligible programme; they do not change the score."""
    notes: list[Reason] = []
    if measures and not funded:
        notes.append(_problem("no_measure_covered", "fördert keine der empfohlenen Maßnahmen"))
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
    programme: FundingProgramme, score: float, reasons: list[Reason], funded: list[str], problems: list[Reason]
) -> FundingRecommendation:
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
    )


def _problem(code: str, text: str) -> Reason:
    return Reason(code=code, text=text, weight=0.0)


def _date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def _int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _number(value: float) -> str:
    return f"{value:g}".replace(".", ",")
