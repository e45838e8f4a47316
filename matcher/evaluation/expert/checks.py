"""One function per expectation type: (passed, German text of what was expected and what was seen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from matcher.catalog import Catalog
from matcher.evaluation.expert.model import (
    CATEGORY_PREFIX,
    AdvisorAbsent,
    AdvisorHasRole,
    AdvisorInTop,
    AdvisorsCovered,
    Expectation,
    ExpertCase,
    FundingAbsent,
    FundingBelowDirect,
    FundingCondition,
    FundingConditionText,
    FundingEligibility,
    FundingListed,
    FundingNotEligibleBecause,
    FundingOnlyOwnState,
    FundingRankedBefore,
    FundingRate,
    FundingRateText,
    FundingReadsRight,
    MeasureAbsent,
    MeasureInTop,
    MeasureRankedBefore,
    MeasuresFitSize,
    NoGrantFunds,
    PeersNearby,
    TransitClassAtLeast,
    TransitClassAtMost,
)
from matcher.explain import WEIGHT_DECIMALS
from matcher.matching.funding import FundingRecommendation
from matcher.transit.model import TRANSIT_CLASS_ORDER
from matcher.wording import format_km, german_number

if TYPE_CHECKING:
    from matcher.evaluation.expert.runner import Answers

SHOWN = 5  # ids named in a text
Result = tuple[bool, str]


def _listing(ids: list[str]) -> str:
    if not ids:
        return "keine"
    return ", ".join(ids[:SHOWN]) + (", …" if len(ids) > SHOWN else "")


def _place(ids: list[str], wanted: str) -> str:
    return f"Platz {ids.index(wanted) + 1}" if wanted in ids else "nicht gelistet"


def _position(ids: list[str], wanted: str) -> int | None:
    return ids.index(wanted) if wanted in ids else None


def _measures(answers: Answers) -> list[str]:
    return [m.id for m in answers.measures]


def _usable(answers: Answers) -> list[str]:
    return [f.id for f in answers.funding.items]


def _programme(answers: Answers, programme: str) -> FundingRecommendation | None:
    funding = answers.funding
    return next((f for f in [*funding.items, *funding.ineligible] if f.id == programme), None)


def _measure_in_top(e: MeasureInTop, answers: Answers) -> Result:
    ids = _measures(answers)
    return e.measure in ids[: e.k], f"Maßnahme {e.measure} unter den ersten {e.k}: {_place(ids, e.measure)} " + (
        f"(vorn: {_listing(ids)})"
    )


def _first(answers: Answers, selectors: list[str]) -> int | None:
    """Position of the first measure matching a selector (id or category:<code>)."""
    for position, m in enumerate(answers.measures):
        if any(s in (m.id, CATEGORY_PREFIX + m.category.value) for s in selectors):
            return position
    return None


def _measure_ranked_before(e: MeasureRankedBefore, answers: Answers) -> Result:
    a, b = _first(answers, e.first), _first(answers, e.then)
    first, then = "/".join(e.first), "/".join(e.then)
    seen = f"{first} auf Platz {'–' if a is None else a + 1}, {then} auf Platz {'–' if b is None else b + 1}"
    return a is not None and (b is None or a < b), f"{first} vor {then}: {seen}"


def _measure_absent(e: MeasureAbsent, answers: Answers) -> Result:
    ids = _measures(answers)
    return e.measure not in ids, f"Maßnahme {e.measure} nicht empfohlen: {_place(ids, e.measure)}"


def _measures_fit_size(e: MeasuresFitSize, answers: Answers) -> Result:
    employees = answers.organisation.employees
    catalog = answers.context.reference.catalog
    wrong = []
    for m in _measures(answers):
        low, high = catalog.measures[m].min_employees, catalog.measures[m].max_employees
        if (low is not None and employees < low) or (high is not None and employees > high):
            wrong.append(m)
    return not wrong, f"nur Maßnahmen für {employees} Beschäftigte: Größengrenze verfehlt bei {_listing(wrong)}"


def _funding_eligibility(e: FundingEligibility, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    seen = "nicht in der Antwort" if item is None else item.eligibility.value
    ok = item is not None and item.eligibility is e.eligibility
    return ok, f"{e.programme}: {e.eligibility.value} erwartet, gesehen {seen}"


def _funding_listed(e: FundingListed, answers: Answers) -> Result:
    ids = _usable(answers)
    where = "nutzbar gelistet" if e.k is None else f"unter den ersten {e.k} nutzbaren"
    ok = e.programme in (ids if e.k is None else ids[: e.k])
    return ok, f"{e.programme} {where}: {_place(ids, e.programme)} (vorn: {_listing(ids)})"


def _funding_absent(e: FundingAbsent, answers: Answers) -> Result:
    ids = _usable(answers)
    return e.programme not in ids, f"{e.programme} nicht als nutzbar gelistet: {_place(ids, e.programme)}"


def _funding_rate(e: FundingRate, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    wanted = "keine bestätigte Quote" if e.percent is None else f"{german_number(e.percent)} %"
    if item is None:
        return False, f"{e.programme}: Quote {wanted} erwartet, Programm nicht in der Antwort"
    seen = item.applicant_rate_percent
    text = f"{e.programme}: Quote für diesen Antragsteller {wanted}, gesehen {seen} ({item.rate_text})"
    return seen == e.percent, text


def _funding_condition(e: FundingCondition, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    codes = [] if item is None else [c.code for c in item.conditions]
    return e.code in codes, f"{e.programme}: Bedingung {e.code} genannt, gesehen {_listing(codes)}"


def _funding_rate_text(e: FundingRateText, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    text = "" if item is None else item.rate_text
    missing = [fragment for fragment in e.contains if fragment not in text]
    return item is not None and not missing, f"{e.programme}: Quote „{text}“ enthält {' | '.join(e.contains)}"


def _funding_condition_text(e: FundingConditionText, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    texts = [] if item is None else [c.text for c in item.conditions]
    missing = [t for t in e.texts if t not in texts]
    seen = " | ".join(texts) or "keine"
    return item is not None and not missing, f"{e.programme}: Bedingungen {' | '.join(e.texts)}; gesehen {seen}"


def _funding_not_eligible_because(e: FundingNotEligibleBecause, answers: Answers) -> Result:
    item = _programme(answers, e.programme)
    reasons = [] if item is None else [r.text for r in item.ineligible_reasons]
    ok = e.programme not in _usable(answers) and any(e.because in r for r in reasons)
    return ok, f"{e.programme} nicht nutzbar, weil „{e.because}“: gesehen {' | '.join(reasons) or 'kein Grund'}"


def _funding_below_direct(e: FundingBelowDirect, answers: Answers) -> Result:
    item = next((f for f in answers.funding.items if f.id == e.programme), None)
    if item is None:
        return False, f"{e.programme} nach den direkt nutzbaren Programmen: nicht gelistet"
    says = "indirect" in {r.code for r in item.reasons}
    direct = [f for f in answers.funding.items if f.funds_measures and "direct_access" in {r.code for r in f.reasons}]
    above = [f.id for f in direct if f.score <= item.score]
    text = f"{e.programme} als nicht direkt nutzbar gekennzeichnet: {says}; direkt nutzbare nicht davor: "
    return says and not above, text + _listing(above)


def _funding_reads_right(e: FundingReadsRight, answers: Answers) -> Result:
    item = next((f for f in answers.funding.items if f.id == e.programme), None)
    if item is None:
        return False, f"{e.programme}: nicht gelistet"
    adds_up = item.score == round(sum(r.weight for r in item.reasons), WEIGHT_DECIMALS)
    grant_words = [r.text for r in item.reasons if not item.is_grant and r.text.startswith("fördert")]
    text = f"{e.programme}: Score = Summe der Gründe: {adds_up}; als Zuschuss formuliert: {_listing(grant_words)}"
    return adds_up and not grant_words, text


def _funding_ranked_before(e: FundingRankedBefore, answers: Answers) -> Result:
    ids = _usable(answers)
    a, b = _position(ids, e.first), _position(ids, e.then)
    ok = a is not None and (b is None or a < b)
    return ok, f"{e.first} vor {e.then}: {_place(ids, e.first)} gegen {_place(ids, e.then)}"


def _funding_only_own_region(e: FundingOnlyOwnState, answers: Answers) -> Result:
    location = answers.organisation.location
    catalog = answers.context.reference.catalog
    wrong = []
    for f in _usable(answers):
        states, kreise = catalog.funding[f].states, catalog.funding[f].conditions.kreise
        if (states and location.state not in states) or (kreise and location.kreis_code not in kreise):
            wrong.append(f)
    return not wrong, f"nur Programme für {location.state}, Kreis {location.kreis_code}: fremd {_listing(wrong)}"


def _no_grant_funds(e: NoGrantFunds, answers: Answers) -> Result:
    wrong = [f.id for f in answers.funding.items if f.is_grant and e.measure in f.funds_measures]
    return not wrong, f"kein Zuschussprogramm „fördert“ {e.measure}: gesehen bei {_listing(wrong)}"


def _advisor_in_top(e: AdvisorInTop, answers: Answers) -> Result:
    items = answers.advisors.items
    top = items[: e.k]
    ok = any(a.id == e.advisor for a in top) if e.advisor else any(a.role is e.role for a in top)
    target = e.advisor or f"Rolle {e.role.value if e.role else ''}"
    return ok, f"{target} unter den ersten {e.k} Beratungsstellen (vorn: {_listing([a.id for a in items])})"


def _advisor_absent(e: AdvisorAbsent, answers: Answers) -> Result:
    wrong = [
        a.id
        for a in answers.advisors.items
        if a.id == e.advisor or (e.role is not None and a.role is e.role) or a.organisation_type in e.organisation_types
    ]
    target = " / ".join([e.advisor or "", e.role.value if e.role else "", *e.organisation_types]).strip(" /")
    return not wrong, f"nicht gelistet: {target}; gesehen {_listing(wrong)}"


def _advisor_has_role(e: AdvisorHasRole, answers: Answers) -> Result:
    item = next((a for a in answers.advisors.items if a.id == e.advisor), None)
    seen = "nicht gelistet" if item is None else item.role.value
    return item is not None and item.role is e.role, f"{e.advisor} als {e.role.value} gelistet: gesehen {seen}"


def _advisors_covered(e: AdvisorsCovered, answers: Answers) -> Result:
    seen = answers.advisors.covered
    return seen == e.covered, f"zuständige Stelle hinterlegt = {e.covered}: gesehen {seen}"


def _transit(e: TransitClassAtLeast | TransitClassAtMost, answers: Answers) -> Result:
    features = answers.organisation.features
    seen, wanted = TRANSIT_CLASS_ORDER.index(features.transit_class), TRANSIT_CLASS_ORDER.index(e.transit_class)
    at_least = isinstance(e, TransitClassAtLeast)
    stop = features.transit_stop
    where = "keine Haltestelle in Gehweite"
    if stop is not None:
        where = f"{stop.label} {stop.name}, {format_km(stop.distance_km)}"
    word = "mindestens" if at_least else "höchstens"
    ok = seen <= wanted if at_least else seen >= wanted
    return ok, f"ÖV-Güteklasse {word} {e.transit_class.value}: gesehen {features.transit_class.value} ({where})"


def _peers_nearby(e: PeersNearby, answers: Answers) -> Result:
    items = answers.peers.items
    good = [p for p in items if p.distance_km <= e.max_km and (p.shared_issues or p.solved_with)]
    ok = len(good) >= e.min_count and len(good) == len(items)
    text = f"mindestens {e.min_count} Partner bis {format_km(e.max_km)} mit gemeinsamem oder gelöstem Problem"
    return ok, f"{text}: {len(good)} von {len(items)}"


CHECKS: dict[type[Any], Callable[[Any, Answers], Result]] = {
    MeasureInTop: _measure_in_top,
    MeasureRankedBefore: _measure_ranked_before,
    MeasureAbsent: _measure_absent,
    MeasuresFitSize: _measures_fit_size,
    FundingEligibility: _funding_eligibility,
    FundingListed: _funding_listed,
    FundingAbsent: _funding_absent,
    FundingRate: _funding_rate,
    FundingCondition: _funding_condition,
    FundingRankedBefore: _funding_ranked_before,
    FundingOnlyOwnState: _funding_only_own_region,
    NoGrantFunds: _no_grant_funds,
    FundingRateText: _funding_rate_text,
    FundingConditionText: _funding_condition_text,
    FundingNotEligibleBecause: _funding_not_eligible_because,
    FundingBelowDirect: _funding_below_direct,
    FundingReadsRight: _funding_reads_right,
    AdvisorInTop: _advisor_in_top,
    AdvisorAbsent: _advisor_absent,
    AdvisorHasRole: _advisor_has_role,
    AdvisorsCovered: _advisors_covered,
    TransitClassAtLeast: _transit,
    TransitClassAtMost: _transit,
    PeersNearby: _peers_nearby,
}


def check(expectation: Expectation, answers: Answers) -> Result:
    return CHECKS[type(expectation)](expectation, answers)


def unknown_ids(case: ExpertCase, catalog: Catalog) -> list[str]:
    """Measure, programme and advisor ids the case names that the catalogue does not know."""
    measures: list[str] = [*case.profile.measures_in_place, *(case.funding_for or [])]
    programmes: list[str] = []
    for item in case.expect:
        if isinstance(item, FundingRankedBefore):
            programmes += [item.first, item.then]
        elif isinstance(item, MeasureRankedBefore):
            measures += [s for s in (*item.first, *item.then) if not s.startswith(CATEGORY_PREFIX)]
        if isinstance(getattr(item, "measure", None), str):
            measures.append(item.measure)  # type: ignore[union-attr]
        if isinstance(getattr(item, "programme", None), str):
            programmes.append(item.programme)  # type: ignore[union-attr]
    advisors = [a for a in (getattr(item, "advisor", None) for item in case.expect) if isinstance(a, str)]
    unknown = [m for m in measures if m not in catalog.measures]
    unknown += [p for p in programmes if p not in catalog.funding]
    unknown += [a for a in advisors if a not in catalog.advisors]
    return sorted(set(unknown))
