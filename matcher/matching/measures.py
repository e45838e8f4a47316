"""Measures: which BMM measures of the catalogue fit this organisation, and why?

A pure hybrid recommender (docs/matching.md, section Measures). Hard filters first: a measure already in
place, outside its size limits, or addressing none of the organisation's problems is never
recommended (with no problems reported, every other measure is a candidate). Each candidate is then
scored by four components whose weights are in ``MeasureSettings.weights``:

- problem fit: the IDF-weighted share of my problems the measure addresses (a problem that few
  catalogue measures address weighs more, so the one measure for a rare core problem is not drowned
  by measures that each touch several common ones), demoted for measures that need transit nearby
  by the site's transit-quality class (matcher/transit: every bus, tram, Stadtbahn, S-Bahn and rail
  stop), and for shift work by the measure's shift suitability;
- practicality: cheap, easy and quick first; large employers bear less of the cost;
- collaborative: similarity-weighted share of similar organisations nearby already using it;
- joint potential: the measure works jointly with neighbours and the organisation sits in an estate.

Demotions shrink a component's weight (never below 0) and say so in its reason, so the reasons still
add up to the score. The first ``diversity_top`` results span distinct categories where near ties allow; a
measure moved above a higher score says so in a zero-weight reason.
"""

from __future__ import annotations

import math
from collections import Counter

from pydantic import Field

from matcher.catalog import Catalog, Measure, ShiftSuitability
from matcher.explain import DIVERSITY_PROMOTED, Contribution, Reason, Recommendation, explain
from matcher.index import OrganisationIndex
from matcher.matching.neighbourhood import NeighbourAdoption, neighbour_adoption
from matcher.models import Organisation
from matcher.settings import MeasureSettings
from matcher.transit.text import class_phrase, shift_phrase
from matcher.vectorise import Vectoriser
from matcher.vocabulary import CATEGORY_LABELS_DE, PROBLEM_LABELS_DE, PUBLIC_KINDS, MeasureCategory, ProblemCode


class MeasureRecommendation(Recommendation):
    """A recommended measure; ``name`` is its German name (``name_de`` in the catalogue)."""

    category: MeasureCategory
    category_label: str = Field(description="German label of the category")
    addresses: list[ProblemCode] = Field(description="the organisation's problems this measure addresses")
    cost_level: int = Field(ge=1, le=3, description="1 low – 3 high (editorial estimate)")
    effort_level: int = Field(ge=1, le=3, description="1 low – 3 high (editorial estimate)")
    lead_time_months: int = Field(ge=0, description="typical lead time (editorial estimate)")
    joint_with_neighbours: bool = Field(description="works best (or only) together with neighbouring employers")
    neighbours_using: int = Field(ge=0, description="similar organisations nearby already using it; 0 without data")


LEVEL_LABELS_DE = {1: "gering", 2: "mittel", 3: "hoch"}


def recommend_measures(
    organisation: Organisation,
    catalog: Catalog,
    settings: MeasureSettings,
    adoption: NeighbourAdoption | None = None,
    limit: int | None = None,
) -> list[MeasureRecommendation]:
    """Ranked, explained measures for ``organisation`` (best first, ties by id)."""
    count = settings.default_limit if limit is None else limit
    if count < 1:
        raise ValueError(f"limit must be at least 1 (got {count})")
    weights = problem_weights(catalog)
    in_place = set(organisation.measures_in_place)
    scored = []
    for measure in catalog.measures.values():
        if measure.id in in_place or not _size_fits(measure, organisation.employees):
            continue
        item = _score(measure, organisation, weights, settings, adoption)
        if item is not None:
            scored.append(item)
    scored.sort(key=lambda r: (-r.score, r.id))
    return diversify(scored, settings.diversity_top, settings.diversity_floor)[:count]


def problem_weights(catalog: Catalog) -> dict[ProblemCode, float]:
    """How much a match on each problem tells: ln((1 + N) / n), n = catalogue measures addressing it (at least 1).

    A problem that one measure in 49 addresses weighs ln(50) = 3.9, one that 16 address ln(50/16) = 1.1."""
    addressing = Counter(code for m in catalog.measures.values() for code in set(m.addresses))
    total = len(catalog.measures)
    return {code: math.log((1 + total) / max(addressing[code], 1)) for code in ProblemCode}


def diversify(ranked: list[MeasureRecommendation], top: int, floor: float) -> list[MeasureRecommendation]:
    """Greedy re-rank: each of the first ``top`` places goes to the best measure of a category not yet
    shown whose score is at least ``floor`` x the best score; when none is left, to the best remaining
    measure. The rest keep their order by score. A measure placed above one with a higher score says so in a
    reason of weight 0 (code ``diversity_promoted``), so the list explains its order."""
    if not ranked:
        return []
    threshold = floor * ranked[0].score
    remaining = list(ranked)
    chosen: list[MeasureRecommendation] = []
    shown: set[MeasureCategory] = set()
    while remaining and len(chosen) < top:
        pick = next((i for i, r in enumerate(remaining) if r.category not in shown and r.score >= threshold), 0)
        item = remaining.pop(pick)
        if remaining and remaining[0].score > item.score:
            item = _promoted(item, ranked.index(item) + 1, top)
        chosen.append(item)
        shown.add(item.category)
    return chosen + remaining


def rediversify(items: list[MeasureRecommendation], settings: MeasureSettings) -> list[MeasureRecommendation]:
    """Measures whose scores changed after ranking (learned feedback): earlier promotions dropped, then sorted
    and diversified again, so the order still follows the scores or says why."""
    plain = [i.model_copy(update={"reasons": [r for r in i.reasons if r.code != DIVERSITY_PROMOTED]}) for i in items]
    plain.sort(key=lambda r: (-r.score, r.id))
    return diversify(plain, settings.diversity_top, settings.diversity_floor)


def _promoted(item: MeasureRecommendation, place_by_score: int, top: int) -> MeasureRecommendation:
    text = (
        f"vorgezogen, damit die ersten {top} Empfehlungen verschiedene Kategorien zeigen: beste Maßnahme der "
        f"Kategorie „{item.category_label}“ (nach Punktzahl allein Platz {place_by_score})"
    )
    reason = Reason(code=DIVERSITY_PROMOTED, text=text, weight=0.0)
    return item.model_copy(update={"reasons": [*item.reasons, reason]})


def _size_fits(measure: Measure, employees: int) -> bool:
    return (measure.min_employees is None or employees >= measure.min_employees) and (
        measure.max_employees is None or employees <= measure.max_employees
    )


def _score(
    measure: Measure,
    organisation: Organisation,
    idf: dict[ProblemCode, float],
    settings: MeasureSettings,
    adoption: NeighbourAdoption | None,
) -> MeasureRecommendation | None:
    """The explained recommendation; None when it addresses none of my problems, or nothing is left to explain."""
    mine = set(organisation.issues)
    addressed = [code for code in measure.addresses if code in mine]
    if mine and not addressed:
        return None
    fit = _problem_fit(measure, organisation, addressed, idf, settings)
    if mine and fit.weight <= 0:  # a demotion factor of 0 excludes the measure
        return None
    share = min(max(adoption.weighted_share.get(measure.id, 0.0), 0.0), 1.0) if adoption else 0.0
    using = adoption.adopters.get(measure.id, 0) if adoption else 0
    joint = measure.joint_with_neighbours and organisation.estate is not None
    score, reasons = explain(
        [
            fit,
            _practicality(measure, organisation.employees, settings),
            Contribution(
                "collaborative",
                _neighbours_text(using, organisation.kind in PUBLIC_KINDS),
                settings.weights.collaborative * share,
            ),
            Contribution(
                "joint_potential",
                f"gemeinsam mit Nachbarbetrieben im Gewerbegebiet „{organisation.estate}“ umsetzbar",
                settings.weights.joint_potential * float(joint),
            ),
        ]
    )
    if score <= 0:
        return None
    return MeasureRecommendation(
        id=measure.id,
        name=measure.name_de,
        score=score,
        reasons=reasons,
        category=measure.category,
        category_label=CATEGORY_LABELS_DE[measure.category],
        addresses=addressed,
        cost_level=measure.cost_level,
        effort_level=measure.effort_level,
        lead_time_months=measure.typical_lead_time_months,
        joint_with_neighbours=measure.joint_with_neighbours,
        neighbours_using=using,
    )


def _problem_fit(
    measure: Measure,
    organisation: Organisation,
    addressed: list[ProblemCode],
    idf: dict[ProblemCode, float],
    settings: MeasureSettings,
) -> Contribution:
    """IDF-weighted share of my problems addressed, times the demotion factors (each in [0, 1])."""
    my_weight = sum(idf[code] for code in organisation.issues)
    share = sum(idf[code] for code in addressed) / my_weight if my_weight else 0.0
    factor, notes = 1.0, []
    if measure.needs_transit_nearby:
        transit_factor, transit_note = _transit_fit(organisation, settings)
        factor *= transit_factor
        notes.append(transit_note)
    if organisation.shift_work or ProblemCode.SHIFT_WORK in organisation.issues:
        if measure.suits_shift_work is ShiftSuitability.PARTLY:
            frequent, why = _shift_transit(organisation, settings) if measure.needs_transit_nearby else (False, "")
            if frequent:
                notes.append("nur bedingt für Schichtarbeit geeignet, hier nicht abgewertet: " + why)
            else:
                factor *= settings.shift_partly_factor
                notes.append("nur bedingt für Schichtarbeit geeignet – abgewertet" + (f": {why}" if why else ""))
        elif measure.suits_shift_work is ShiftSuitability.NO:
            factor *= settings.shift_unsuitable_factor
            notes.append("für Schichtarbeit kaum geeignet – stark abgewertet")
    text = "; ".join(["hilft bei: " + ", ".join(PROBLEM_LABELS_DE[code] for code in addressed), *notes])
    return Contribution("problem_fit", text, settings.weights.problem_fit * share * factor)


def _shift_transit(organisation: Organisation, settings: MeasureSettings) -> tuple[bool, str]:
    """Whether transit at the site runs often enough at shift changes, and why. With an imported timetable the
    stop giving the class must have ``shift_min_departures`` around every shift-change hour; without one, classes
    in ``shift_frequent_transit`` stand in for it (rail, S-Bahn or Stadtbahn close by)."""
    features = organisation.features
    stop = features.transit_stop
    if stop is not None and stop.shift_departures:
        enough = all(d.departures >= settings.shift_min_departures for d in stop.shift_departures)
        return enough, f"{stop.label} {stop.name} zu den Schichtwechseln {shift_phrase(stop.shift_departures)}"
    if features.transit_class in settings.shift_frequent_transit:
        return True, (
            f"bei ÖV-Güteklasse {features.transit_class.value} ist dichter Takt auch zu Schichtwechseln zu "
            "erwarten (ohne Fahrplandaten nicht geprüft)"
        )
    return False, ""


def _transit_fit(organisation: Organisation, settings: MeasureSettings) -> tuple[float, str]:
    """Factor and reason for a measure that needs transit nearby, from the site's transit-quality class (every
    stop counts, not only railway stations): the reason names the stop, and says when the measure was demoted."""
    features = organisation.features
    factor = settings.transit_factors[features.transit_class]
    text = class_phrase(features.transit_class, features.transit_stop, features.transit_stops)
    if factor < 1:
        text += " – ÖPNV-Maßnahme " + ("stark abgewertet" if factor <= 0.5 else "abgewertet")
    return factor, text


def _practicality(measure: Measure, employees: int, settings: MeasureSettings) -> Contribution:
    """1 minus the mean burden of cost, effort and lead time (each scaled to [0, 1])."""
    large = employees >= settings.large_employer_employees
    cost = (measure.cost_level - 1) / 2 * (settings.large_employer_cost_share if large else 1.0)
    effort = (measure.effort_level - 1) / 2
    lead = min(measure.typical_lead_time_months, settings.lead_time_horizon_months) / settings.lead_time_horizon_months
    months = measure.typical_lead_time_months
    cost_text = f"Kosten {LEVEL_LABELS_DE[measure.cost_level]}"
    if large and measure.cost_level > 1:
        cost_text += " (für große Arbeitgeber tragbar)"
    lead_text = "sofort umsetzbar" if months == 0 else f"Vorlauf ca. {months} Monat{'e' if months > 1 else ''}"
    text = f"Umsetzbarkeit: {cost_text}, Aufwand {LEVEL_LABELS_DE[measure.effort_level]}, {lead_text}"
    return Contribution("practicality", text, settings.weights.practicality * (1.0 - (cost + effort + lead) / 3))


def _neighbours_text(using: int, public_body: bool) -> str:
    one, many = (
        ("ähnliche Einrichtung", "ähnliche Einrichtungen")
        if public_body
        else ("ähnlicher Betrieb", "ähnliche Betriebe")
    )
    if using == 1:
        return f"1 {one} in der Nähe nutzt das bereits"
    if using > 1:
        return f"{using} {many} in der Nähe nutzen das bereits"
    return f"{many} in der Nähe nutzen das bereits"


def recommend_measures_nearby(
    organisation: Organisation,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: MeasureSettings,
    limit: int | None = None,
) -> list[MeasureRecommendation]:
    """Measures with the collaborative signal from similar organisations nearby, as an organisation sees them."""
    adoption = neighbour_adoption(organisation, index, vectoriser, settings)
    return recommend_measures(organisation, catalog, settings, adoption, limit)
