"""Measure recommender: hand-built organisations with answers an advisor would give."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.catalog import Catalog
from matcher.explain import DIVERSITY_PROMOTED
from matcher.matching.measures import MeasureRecommendation, diversify, problem_weights, recommend_measures
from matcher.matching.neighbourhood import NeighbourAdoption
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.settings import MatcherSettings, MeasureSettings
from matcher.transit.model import TransitClass, TransitMode
from matcher.vocabulary import CATEGORY_LABELS_DE, MeasureCategory, ProblemCode
from matcher.wording import format_distance

ALL = 49  # limit that returns every candidate
JOB_TICKETS = {"deutschlandticket_job", "jobticket_solidarity_model", "jobticket_via_chamber_framework"}
POOLED = ["shift_carpool_groups", "shift_bus_workers", "shared_estate_shuttle", "carpool_matching"]
PLANT_ISSUES = ["shift_work", "poor_transit_access", "transit_schedule_mismatch", "long_commutes"]

# A shift-working plant in Harsewinkel (Kreis Gütersloh, NRW), about 7.5 km from the nearest station
# (Clarholz), and a small office 350 m from Köln Hbf.
PLANT: dict[str, Any] = {
    "kind": "company",
    "name": "Beispiel Landmaschinen GmbH",
    "sector": "C",
    "employees": 800,
    "lat": 51.9617,
    "lon": 8.2368,
    "shift_work": True,
    "issues": PLANT_ISSUES,
}
OFFICE: dict[str, Any] = {
    "kind": "company",
    "name": "Beispiel Beratung GmbH",
    "sector": "M",
    "employees": 30,
    "lat": 50.9405,
    "lon": 6.956,
    "issues": ["parking_shortage"],
}


@pytest.fixture(scope="module")
def measure_settings(settings: MatcherSettings) -> MeasureSettings:
    return settings.measures


def build(builder: ProfileBuilder, base: dict[str, Any], **overrides: Any) -> Organisation:
    return builder.build(OrganisationProfile.model_validate({**base, **overrides}), "org-1")


def ids(recommendations: list[MeasureRecommendation]) -> list[str]:
    return [r.id for r in recommendations]


def by_id(recommendations: list[MeasureRecommendation]) -> dict[str, MeasureRecommendation]:
    return {r.id: r for r in recommendations}


def weight(recommendation: MeasureRecommendation, code: str) -> float:
    return sum(r.weight for r in recommendation.reasons if r.code == code)


def text(recommendation: MeasureRecommendation, code: str) -> str:
    return next(r.text for r in recommendation.reasons if r.code == code)


def without_transit(organisation: Organisation) -> Organisation:
    """The organisation with no stop in walking distance: every nearest stop moved 7.3 km away."""
    stops = [s.model_copy(update={"distance_km": 7.3, "transit_class": TransitClass.NONE})
             for s in organisation.features.transit_stops]  # fmt: skip
    update = {"transit_class": TransitClass.NONE, "transit_stop": None, "transit_stops": stops}
    return organisation.model_copy(update={"features": organisation.features.model_copy(update=update)})


# --- expert cases -------------------------------------------------------------------------------


def test_shift_plant_far_from_station_gets_pooled_rides_and_no_job_ticket(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    plant = build(builder, PLANT)
    assert plant.features.station_distance_km > 5
    result = recommend_measures(plant, catalog, measure_settings, limit=ALL)
    assert ids(result)[:2] == ["shift_carpool_groups", "shift_bus_workers"]
    assert set(POOLED) <= set(ids(result))
    assert not JOB_TICKETS & set(ids(result))  # they address none of the plant's problems


def test_shift_plant_with_commuting_costs_still_ranks_pooled_rides_before_job_tickets(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    issues = [*PLANT_ISSUES, "commuting_costs_for_staff", "high_car_share"]
    plant = build(builder, PLANT, issues=issues)
    result = ids(recommend_measures(plant, catalog, measure_settings, limit=ALL))
    tickets = [result.index(t) for t in JOB_TICKETS if t in result]
    assert tickets, "job tickets address commuting costs and should be candidates"
    assert max(result.index(m) for m in POOLED) < min(tickets)
    ticket = by_id(recommend_measures(plant, catalog, measure_settings, limit=ALL))["deutschlandticket_job"]
    # Harsewinkel: the nearest stop is a bus stop 310 m away (class D), the reason names it
    assert plant.features.transit_class is TransitClass.D
    stop = plant.features.transit_stop
    assert stop is not None
    assert stop.mode is TransitMode.BUS
    phrase = f"ÖV-Güteklasse D (geringe Erschließung): Bushaltestelle {stop.name}, {format_distance(stop.distance_km)}"
    assert f"{phrase} – ÖPNV-Maßnahme abgewertet" in text(ticket, "problem_fit")
    assert "nur bedingt für Schichtarbeit geeignet" in text(ticket, "problem_fit")


def test_inner_city_office_near_station_gets_transit_cycling_and_parking_measures(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    assert measure_settings.transit_factors[office.features.transit_class] == 1.0  # 340 m from Köln Hbf: class A
    result = recommend_measures(office, catalog, measure_settings)
    best = {r.category for r in result if r.score == result[0].score}
    assert {MeasureCategory.PUBLIC_TRANSPORT, MeasureCategory.PARKING_MANAGEMENT} <= best
    assert {r.category for r in result[:2]} == {MeasureCategory.PUBLIC_TRANSPORT, MeasureCategory.PARKING_MANAGEMENT}
    categories = [r.category for r in result]
    wanted = {MeasureCategory.PUBLIC_TRANSPORT, MeasureCategory.CYCLING, MeasureCategory.PARKING_MANAGEMENT}
    assert wanted <= set(categories)
    first_cycling = categories.index(MeasureCategory.CYCLING)
    assert MeasureCategory.SHUTTLE not in categories[:first_cycling]
    assert MeasureCategory.INFRASTRUCTURE not in categories[:first_cycling]
    assert not any("abgewertet" in reason.text for r in result for reason in r.reasons)


def test_measures_in_place_never_come_back(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    in_place = ["shift_carpool_groups", "shift_bus_workers", "guaranteed_ride_home"]
    plant = build(builder, PLANT, measures_in_place=in_place)
    result = ids(recommend_measures(plant, catalog, measure_settings, limit=ALL))
    assert not set(in_place) & set(result)
    assert "carpool_matching" in result


@pytest.mark.parametrize(
    ("employees", "expected"),
    [
        pytest.param(0, set(), id="no staff: not even the per-person ticket"),
        pytest.param(1, {"deutschlandticket_job"}, id="one person"),
        pytest.param(2, {"deutschlandticket_job", "jobticket_via_chamber_framework"}, id="2: chamber framework"),
        pytest.param(49, {"deutschlandticket_job", "jobticket_via_chamber_framework"}, id="49: chamber framework"),
        pytest.param(50, {"deutschlandticket_job", "jobticket_solidarity_model"}, id="50: solidarity model"),
        pytest.param(800, {"deutschlandticket_job", "jobticket_solidarity_model"}, id="800: solidarity model"),
    ],
)
def test_size_limits_are_hard_filters(
    builder: ProfileBuilder,
    catalog: Catalog,
    measure_settings: MeasureSettings,
    employees: int,
    expected: set[str],
) -> None:
    office = build(builder, OFFICE, issues=["commuting_costs_for_staff", "high_car_share"], employees=employees)
    result = set(ids(recommend_measures(office, catalog, measure_settings, limit=ALL)))
    assert result & JOB_TICKETS == expected


def test_top_results_span_distinct_categories(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    issues = ["parking_shortage", "high_car_share", "commuting_costs_for_staff", "ev_charging_demand"]
    office = build(builder, OFFICE, issues=issues, employees=120)
    top = measure_settings.diversity_top
    wide = measure_settings.model_copy(update={"diversity_floor": 0.5})  # pull forward from half the top score
    diverse = recommend_measures(office, catalog, wide, limit=ALL)
    assert len({r.category for r in diverse[:top]}) == top
    for place, item in enumerate(diverse[:top]):
        overtakes = any(other.score > item.score for other in diverse[place + 1 :])
        promoted = [r for r in item.reasons if r.code == DIVERSITY_PROMOTED]
        assert bool(promoted) == overtakes, item.id
        assert all(r.weight == 0 and "verschiedene Kategorien" in r.text for r in promoted)
    assert all(DIVERSITY_PROMOTED not in {r.code for r in item.reasons} for item in diverse[top:])
    undiversified = measure_settings.model_copy(update={"diversity_top": 1})
    plain = recommend_measures(office, catalog, undiversified, limit=ALL)
    assert plain == sorted(plain, key=lambda r: (-r.score, r.id))
    assert len({r.category for r in plain[:top]}) < top  # two job tickets among the plain top five
    assert set(ids(diverse)) == set(ids(plain))


def test_the_default_floor_reorders_near_ties_only(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    """A measure at 0.40 must not jump a core measure at 0.62 (issue 11: bike parking behind a bike challenge)."""
    issues = ["cycling_barriers", "employee_health"]
    firm = build(builder, OFFICE, issues=issues, employees=180)
    ranked = recommend_measures(firm, catalog, measure_settings, limit=ALL)
    floor = measure_settings.diversity_floor * ranked[0].score
    for place, item in enumerate(ranked):
        if any(other.score > item.score for other in ranked[place + 1 :]):
            assert item.score >= floor, item.id
    assert ids(ranked).index("secure_bike_parking") < 3


def test_adoption_nearby_raises_a_measure(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    without = recommend_measures(office, catalog, measure_settings)
    assert ids(without)[0] != "secure_bike_parking"
    assert all(r.neighbours_using == 0 for r in without)
    adoption = NeighbourAdoption(
        neighbours=20,
        radius_km=15.0,
        adopters={"secure_bike_parking": 7, "eco_driving": 12},
        weighted_share={"secure_bike_parking": 0.6, "eco_driving": 1.0},
    )
    result = recommend_measures(office, catalog, measure_settings, adoption=adoption)
    first = result[0]
    assert first.id == "secure_bike_parking"
    assert first.neighbours_using == 7
    assert text(first, "collaborative") == "7 ähnliche Betriebe in der Nähe nutzen das bereits"
    assert weight(first, "collaborative") == pytest.approx(measure_settings.weights.collaborative * 0.6)
    # popularity alone never brings in a measure that addresses none of my problems
    assert "eco_driving" not in ids(recommend_measures(office, catalog, measure_settings, adoption=adoption, limit=ALL))


# --- components and demotions -------------------------------------------------------------------


def test_no_stop_in_walking_distance_demotes_transit_measures_and_says_so(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    near = by_id(recommend_measures(office, catalog, measure_settings, limit=ALL))
    far = by_id(recommend_measures(without_transit(office), catalog, measure_settings, limit=ALL))
    ticket_near, ticket_far = near["deutschlandticket_job"], far["deutschlandticket_job"]
    assert weight(ticket_far, "problem_fit") == pytest.approx(
        weight(ticket_near, "problem_fit") * measure_settings.transit_factors[TransitClass.NONE]
    )
    assert "ÖV-Güteklasse A (sehr gute Erschließung): Fernverkehrsbahnhof Köln Hbf, 340 m" in text(
        ticket_near, "problem_fit"
    )
    assert text(ticket_far, "problem_fit").endswith(
        "keine ÖV-Güteklasse (keine Haltestelle in Gehweite); nächste Haltestelle: Fernverkehrsbahnhof Köln Hbf, 7,3 km"
        " – ÖPNV-Maßnahme stark abgewertet"
    )
    assert ticket_far.score < ticket_near.score
    assert far["carpool_priority_parking"] == near["carpool_priority_parking"]  # needs no transit


def test_stadtbahn_stop_far_from_a_railway_station_keeps_job_tickets_at_the_top(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    """Issue 11: an employer among Stadtbahn and bus stops, 2.1 km from the nearest railway station (Dortmund,
    Westfalenhütte), was told "Bahnhof 2,1 km entfernt – ÖPNV-Maßnahme abgewertet"."""
    firm = build(builder, OFFICE, lat=51.5300, lon=7.4850, employees=300, issues=["parking_shortage", "high_car_share"])
    assert firm.features.station_distance_km > 2.0
    result = recommend_measures(firm, catalog, measure_settings, limit=ALL)
    assert "deutschlandticket_job" in ids(result)[:5]
    reason = text(by_id(result)["deutschlandticket_job"], "problem_fit")
    assert "ÖV-Güteklasse B (gute Erschließung): Stadtbahn-Haltestelle Westfalenhütte, Dortmund, 140 m" in reason
    assert "abgewertet" not in reason


def test_shift_work_demotes_by_suitability(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    day = by_id(recommend_measures(office, catalog, measure_settings, limit=ALL))
    shifts = by_id(
        recommend_measures(office.model_copy(update={"shift_work": True}), catalog, measure_settings, limit=ALL)
    )
    factors = {
        "carpool_priority_parking": 1.0,  # suits shift work
        "carpool_matching": measure_settings.shift_partly_factor,  # partly
        "remote_work_days": measure_settings.shift_unsuitable_factor,  # no
    }
    for measure_id, factor in factors.items():
        assert weight(shifts[measure_id], "problem_fit") == pytest.approx(
            weight(day[measure_id], "problem_fit") * factor, abs=1e-4
        )
    assert "für Schichtarbeit kaum geeignet – stark abgewertet" in text(shifts["remote_work_days"], "problem_fit")


def test_joint_potential_only_for_joint_measures_in_an_estate(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    alone = by_id(recommend_measures(office, catalog, measure_settings, limit=ALL))
    estate = by_id(
        recommend_measures(
            office.model_copy(update={"estate": "Gewerbegebiet Nord"}), catalog, measure_settings, limit=ALL
        )
    )
    assert weight(alone["carpool_matching"], "joint_potential") == 0
    assert weight(estate["carpool_matching"], "joint_potential") == measure_settings.weights.joint_potential
    assert "„Gewerbegebiet Nord“" in text(estate["carpool_matching"], "joint_potential")
    assert estate["carpool_matching"].joint_with_neighbours
    assert weight(estate["carpool_priority_parking"], "joint_potential") == 0  # works alone


def test_large_employers_bear_less_of_the_cost(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    plant = build(builder, PLANT)
    large = by_id(recommend_measures(plant, catalog, measure_settings, limit=ALL))["shift_bus_workers"]
    small = by_id(
        recommend_measures(plant.model_copy(update={"employees": 100}), catalog, measure_settings, limit=ALL)
    )["shift_bus_workers"]
    assert weight(large, "practicality") > weight(small, "practicality")
    assert "Kosten hoch (für große Arbeitgeber tragbar)" in text(large, "practicality")
    assert "Kosten hoch, " in text(small, "practicality")


def test_cheap_easy_and_quick_measures_score_higher_on_practicality(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    result = by_id(recommend_measures(office, catalog, measure_settings, limit=ALL))
    cheap = result["carpool_priority_parking"]  # cost 1, effort 1, 1 month
    dear = result["estate_mobility_station"]  # cost 3, effort 3, 18 months
    assert weight(cheap, "practicality") > weight(result["parking_cash_out"], "practicality") > 0
    assert weight(dear, "practicality") == 0
    assert text(cheap, "practicality") == "Umsetzbarkeit: Kosten gering, Aufwand gering, Vorlauf ca. 1 Monat"


def test_one_rare_core_problem_is_not_drowned(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    issues = ["parking_shortage", "high_car_share", "commuting_costs_for_staff", "ev_charging_demand"]
    office = build(builder, OFFICE, issues=issues, employees=120)
    idf = problem_weights(catalog)
    assert idf[ProblemCode.EV_CHARGING_DEMAND] > 3 * idf[ProblemCode.PARKING_SHORTAGE]
    result = recommend_measures(office, catalog, measure_settings)
    charging = by_id(result)["employee_charging"]  # the only measure for charging demand
    assert ids(result).index("employee_charging") < measure_settings.diversity_top
    assert charging.addresses == [ProblemCode.EV_CHARGING_DEMAND]
    plain_share = measure_settings.weights.problem_fit / len(issues)
    assert weight(charging, "problem_fit") > 1.5 * plain_share
    two_common = by_id(result)["carpool_priority_parking"]  # parking shortage and high car share
    assert weight(charging, "problem_fit") > weight(two_common, "problem_fit")


def test_only_measures_for_my_problems_unless_i_report_none(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    plant = build(builder, PLANT)
    for recommendation in recommend_measures(plant, catalog, measure_settings, limit=ALL):
        assert recommendation.addresses
        assert set(recommendation.addresses) <= set(plant.issues)
    blank = build(builder, OFFICE, issues=[])
    starters = recommend_measures(blank, catalog, measure_settings)
    assert len(starters) == measure_settings.default_limit
    assert all(r.addresses == [] and weight(r, "problem_fit") == 0 for r in starters)
    assert all(r.cost_level == 1 and r.effort_level == 1 for r in starters[:5])


# --- contract -----------------------------------------------------------------------------------


def test_reasons_add_up_to_the_score(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    everything = NeighbourAdoption(
        neighbours=5,
        radius_km=15.0,
        adopters=dict.fromkeys(catalog.measures, 5),
        weighted_share=dict.fromkeys(catalog.measures, 1.0),
    )
    cases = [
        (build(builder, PLANT), None),
        (build(builder, PLANT, estate="Gewerbegebiet Harsewinkel-West"), everything),
        (build(builder, OFFICE), everything),
        (build(builder, OFFICE, issues=[]), None),
    ]
    for organisation, adoption in cases:
        for r in recommend_measures(organisation, catalog, measure_settings, adoption=adoption, limit=ALL):
            assert r.score == round(sum(reason.weight for reason in r.reasons), 4)
            assert 0 < r.score <= 1
            assert all(reason.weight > 0 for reason in r.reasons)
    best = recommend_measures(cases[1][0], catalog, measure_settings, adoption=everything)[0]
    assert best.id == "shift_carpool_groups"
    assert 0.85 < best.score <= 1  # 0.5 fit + 0.12 practicality + 0.25 neighbours; not joint


def test_recommendation_carries_the_catalogue_facts(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    plant = build(builder, PLANT)
    for r in recommend_measures(plant, catalog, measure_settings, limit=ALL):
        measure = catalog.measures[r.id]
        assert r.name == measure.name_de
        assert (r.category, r.category_label) == (measure.category, CATEGORY_LABELS_DE[measure.category])
        assert (r.cost_level, r.effort_level, r.lead_time_months) == (
            measure.cost_level,
            measure.effort_level,
            measure.typical_lead_time_months,
        )
        assert r.joint_with_neighbours == measure.joint_with_neighbours
        assert r.addresses == [p for p in measure.addresses if p in plant.issues]


def test_deterministic_and_independent_of_catalogue_order(
    builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings
) -> None:
    office = build(builder, OFFICE)
    first = recommend_measures(office, catalog, measure_settings, limit=ALL)
    assert recommend_measures(office, catalog, measure_settings, limit=ALL) == first
    reversed_catalog = catalog.model_copy(update={"measures": dict(reversed(catalog.measures.items()))})
    assert recommend_measures(office, reversed_catalog, measure_settings, limit=ALL) == first
    rest = first[measure_settings.diversity_top :]
    assert rest == sorted(rest, key=lambda r: (-r.score, r.id))  # ties broken by id


def test_limit(builder: ProfileBuilder, catalog: Catalog, measure_settings: MeasureSettings) -> None:
    office = build(builder, OFFICE)
    assert len(recommend_measures(office, catalog, measure_settings)) == measure_settings.default_limit
    assert (
        recommend_measures(office, catalog, measure_settings, limit=3)
        == recommend_measures(office, catalog, measure_settings)[:3]
    )
    with pytest.raises(ValueError, match="limit"):
        recommend_measures(office, catalog, measure_settings, limit=0)


# --- diversity re-rank on hand-made scores ------------------------------------------------------


def item(measure_id: str, category: MeasureCategory, score: float) -> MeasureRecommendation:
    return MeasureRecommendation(
        id=measure_id,
        name=measure_id,
        score=score,
        reasons=[],
        category=category,
        category_label=CATEGORY_LABELS_DE[category],
        addresses=[],
        cost_level=1,
        effort_level=1,
        lead_time_months=1,
        joint_with_neighbours=False,
        neighbours_using=0,
    )


RANKED = [
    item("a", MeasureCategory.CYCLING, 0.9),
    item("b", MeasureCategory.CYCLING, 0.8),
    item("c", MeasureCategory.FLEET, 0.5),
    item("d", MeasureCategory.WALKING, 0.3),
    item("e", MeasureCategory.FLEET, 0.2),
]


@pytest.mark.parametrize(
    ("top", "floor", "expected"),
    [
        pytest.param(3, 0.5, "acbde", id="walking below the floor: the third place goes by score"),
        pytest.param(3, 0.3, "acdbe", id="lower floor: walking is pulled forward"),
        pytest.param(2, 0.3, "acbde", id="only the first two places are diversified"),
        pytest.param(1, 0.0, "abcde", id="top 1: plain order"),
    ],
)
def test_diversify_pulls_new_categories_forward_above_the_floor(top: int, floor: float, expected: str) -> None:
    assert "".join(ids(diversify(RANKED, top, floor))) == expected
    assert diversify([], top, floor) == []
