"""Offline evaluation on a generated scenario with planted truth (``bmm evaluate``).

Peers: among synthetic background organisations, groups are planted in real demo estates — a query
firm and ``planted_peers`` firms in the same estate with the same (rare) problem set — together with
distractors: firms in the same estate with other problems and firms with the same problems 20–40 km
away. Precision@k and recall@k (k = planted_peers) measure whether the planted peers come first.
Expert cases check measures, funding and advisors against answers a BMM advisor would give; lead
cases (matcher/evaluation/leads.py) check the advisors' ranking, and planted clusters among background
organisations (matcher/evaluation/clusters.py) check the planners' clusters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from matcher.evaluation.clusters import evaluate_clusters
from matcher.evaluation.leads import evaluate_leads
from matcher.geo.distance import EARTH_RADIUS_KM
from matcher.index import OrganisationIndex
from matcher.matching.advisors import recommend_advisors
from matcher.matching.funding import recommend_funding
from matcher.matching.measures import recommend_measures_nearby
from matcher.matching.peers import recommend_peers
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.synthetic import generate_demo_data
from matcher.synthetic.estates import DemoEstate
from matcher.vectorise import Vectoriser, fit_vectoriser
from matcher.vocabulary import ProblemCode


class PeerScenarioResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenario: str
    queries: int
    precision_at_k: float
    recall_at_10: float


class EvaluationReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    seed: int
    vectoriser: str
    background_size: int
    planted_groups: int
    k: int
    peers: list[PeerScenarioResult]
    expert_cases: int
    expert_cases_passed: int
    failed_cases: list[str]
    lead_cases: int
    lead_cases_passed: int
    clusters: dict[str, str]

    @property
    def expert_share(self) -> float:
        return self.expert_cases_passed / self.expert_cases if self.expert_cases else 0.0

    def summary(self) -> dict[str, Any]:
        peers = {
            f"peers, {r.scenario}": f"precision@{self.k} {r.precision_at_k:.3f}, recall@10 {r.recall_at_10:.3f} "
            f"({r.queries} queries)"
            for r in self.peers
        }
        return {
            "scenario": f"{self.background_size:,} synthetic organisations + {self.planted_groups} planted groups "
            f"per peer scenario, {self.k} planted peers per query, seed {self.seed}",
            "vectoriser": self.vectoriser,
            **peers,
            "expert cases passed": f"{self.expert_cases_passed} of {self.expert_cases} ({self.expert_share:.0%})",
            "lead cases passed": f"{self.lead_cases_passed} of {self.lead_cases}",
            **{f"clusters, {key}": value for key, value in self.clusters.items()},
            "failed expert or lead cases": ", ".join(self.failed_cases) or "none",
        }


@dataclass(frozen=True)
class _World:
    reference: ReferenceData
    settings: MatcherSettings
    builder: ProfileBuilder
    organisations: list[Organisation]
    vectoriser: Vectoriser
    index: OrganisationIndex


def _offset(lat: float, lon: float, distance_km: float, bearing: float) -> tuple[float, float]:
    """A point ``distance_km`` from (lat, lon) in direction ``bearing`` (small-distance approximation)."""
    dlat = np.degrees(distance_km * np.cos(bearing) / EARTH_RADIUS_KM)
    dlon = np.degrees(distance_km * np.sin(bearing) / (EARTH_RADIUS_KM * np.cos(np.radians(lat))))
    return float(lat + dlat), float(lon + dlon)


@dataclass
class _Group:
    """One planted group: appends its firms to the scenario's profiles."""

    profiles: list[OrganisationProfile]
    rng: np.random.Generator
    prefix: str
    estate: DemoEstate

    def firm(self, name: str, point: tuple[float, float], issues: list[ProblemCode], estate: str | None) -> str:
        organisation_id = f"{self.prefix}-{name}"
        self.profiles.append(
            OrganisationProfile(
                id=organisation_id, kind="company", name=f"Evaluation {organisation_id} (synthetisch)",
                sector="C", employees=int(self.rng.integers(20, 400)), lat=point[0], lon=point[1], estate=estate,
                issues=issues, visible_to_peers=True, synthetic=True,
            )
        )  # fmt: skip
        return organisation_id

    def around(self, low_km: float, high_km: float) -> tuple[float, float]:
        distance, bearing = float(self.rng.uniform(low_km, high_km)), float(self.rng.uniform(0, 2 * np.pi))
        return _offset(self.estate.lat, self.estate.lon, distance, bearing)


def _plant(
    profiles: list[OrganisationProfile], estates: list[DemoEstate], k: int, rng: np.random.Generator, same_estate: bool
) -> dict[str, set[str]]:
    """Append planted groups to ``profiles``; return query id -> planted peer ids.

    ``same_estate``: the planted peers share the query's estate; otherwise they sit 0.5-3 km away
    outside any estate while the estate itself holds only distractors with other problems.
    """
    problems = list(ProblemCode)
    truth: dict[str, set[str]] = {}
    tag = "estate" if same_estate else "nearby"
    for g, estate in enumerate(estates):
        chosen = [problems[i] for i in rng.choice(len(problems), size=3, replace=False)]
        others = [p for p in problems if p not in chosen]
        group = _Group(profiles, rng, f"eval-{tag}-{g:03d}", estate)
        query = group.firm("query", group.around(0, estate.radius_km), chosen, estate.name)
        if same_estate:
            truth[query] = {
                group.firm(f"peer{i}", group.around(0, estate.radius_km), chosen, estate.name) for i in range(k)
            }
        else:
            truth[query] = {group.firm(f"peer{i}", group.around(0.5, 3.0), chosen, None) for i in range(k)}
        for i in range(k):  # same estate, other problems
            other = [others[j] for j in rng.choice(len(others), 3, replace=False)]
            group.firm(f"estate{i}", group.around(0, estate.radius_km), other, estate.name)
        for i in range(k):  # same problems, 20-40 km away
            group.firm(f"far{i}", group.around(20, 40), chosen, None)
    return truth


def _build_world(
    reference: ReferenceData,
    settings: MatcherSettings,
    profiles: list[OrganisationProfile],
    vectoriser: Vectoriser | None,
) -> _World:
    builder = ProfileBuilder(reference, settings)
    # Far distractors that fall outside Germany are dropped (the resolver rejects them).
    organisations = [o for o in builder.build_many([(p, p.id or "") for p in profiles]) if isinstance(o, Organisation)]
    vectoriser = vectoriser or fit_vectoriser(organisations, settings.vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    return _World(reference, settings, builder, organisations, vectoriser, index)


def _peer_metrics(world: _World, truth: dict[str, set[str]], k: int) -> tuple[float, float, int]:
    by_id = {o.id: o for o in world.organisations}
    precision, recall = [], []
    for query_id, planted in truth.items():
        if query_id not in by_id:
            continue
        answer = recommend_peers(
            by_id[query_id], world.index, world.vectoriser, world.reference.catalog, world.settings.peers
        )
        ranked = [p.id for p in answer.items]
        precision.append(len(set(ranked[:k]) & planted) / k)
        recall.append(len(set(ranked[:10]) & planted) / len(planted))
    return float(np.mean(precision)), float(np.mean(recall)), len(precision)


# -- expert cases ---------------------------------------------------------------------------------

_CARPOOL_OR_SHUTTLE = {"carpooling", "shuttle"}
_JOB_TICKETS = {"deutschlandticket_job", "jobticket_solidarity_model", "jobticket_via_chamber_framework"}


def _make(world: _World, **fields: Any) -> Organisation:
    profile = {"kind": "company", "name": "Expertenfall (synthetisch)", "sector": "C", "employees": 120, **fields}
    return world.builder.build(OrganisationProfile.model_validate(profile), "expert-case")


def _measures(world: _World, organisation: Organisation) -> list[str]:
    measures = recommend_measures_nearby(
        organisation, world.index, world.vectoriser, world.reference.catalog, world.settings.measures
    )
    return [m.id for m in measures]


def _advisor_ids(world: _World, organisation: Organisation) -> list[str]:
    return [a.id for a in recommend_advisors(organisation, world.reference.catalog, world.settings.advisors).items]


def _shift_plant_far_from_station(world: _World) -> bool:
    plant = _make(
        world, employees=800, shift_work=True, lat=51.4915, lon=8.4311,  # Rüthen centre, 14 km from a station
        issues=["shift_work", "poor_transit_access", "transit_schedule_mismatch", "long_commutes"],
    )  # fmt: skip
    ranked = _measures(world, plant)
    categories = [world.reference.catalog.measures[m].category.value for m in ranked]
    first_pool = next((i for i, c in enumerate(categories) if c in _CARPOOL_OR_SHUTTLE), len(ranked))
    first_ticket = next((i for i, m in enumerate(ranked) if m in _JOB_TICKETS), len(ranked))
    return plant.features.station_distance_km > 3 and first_pool < first_ticket


def _nrw_firm_never_gets_bw_only_funding(world: _World) -> bool:
    firm = _make(world, postcode="44135", issues=["parking_shortage", "cycling_barriers", "ev_charging_demand"])
    measures = _measures(world, firm)
    answer = recommend_funding(firm, world.reference.catalog, measures, world.settings.funding, date(2026, 11, 23))
    states = [world.reference.catalog.funding[f.id].states for f in answer.items]
    return bool(answer.items) and all(not s or "DE-NW" in s for s in states)


def _closed_programme_never_available(world: _World) -> bool:
    firm = _make(world, postcode="70173", issues=["ev_charging_demand"])
    answer = recommend_funding(
        firm, world.reference.catalog, ["employee_charging"], world.settings.funding, date(2026, 11, 23)
    )
    return not {"kfw_441", "bw_charge_at_bw"} & {f.id for f in answer.items}


def _advisor_case(postcode: str, kind: str, expected: str) -> Callable[[_World], bool]:
    def case(world: _World) -> bool:
        sector = None if kind in ("municipality", "district") else "F"
        organisation = _make(world, postcode=postcode, kind=kind, sector=sector, issues=["parking_shortage"])
        return expected in _advisor_ids(world, organisation)[:2]

    return case


def _outside_regions_no_responsible_advisor(world: _World) -> bool:
    answer = recommend_advisors(_make(world, postcode="10115"), world.reference.catalog, world.settings.advisors)
    return not answer.covered and not any(a.organisation_type in ("ihk", "hwk") for a in answer.items)


def _measures_in_place_not_repeated(world: _World) -> bool:
    firm = _make(world, postcode="50667", issues=["parking_shortage"], measures_in_place=["parking_allocation_rules"])
    return "parking_allocation_rules" not in _measures(world, firm)


def _size_limits_respected(world: _World) -> bool:
    large = _make(world, postcode="50667", employees=900, issues=["commuting_costs_for_staff", "high_car_share"])
    small = _make(world, postcode="50667", employees=12, issues=["commuting_costs_for_staff", "high_car_share"])
    return "jobticket_via_chamber_framework" not in _measures(world, large) and (
        "jobticket_solidarity_model" not in _measures(world, small)
    )


EXPERT_CASES: dict[str, Callable[[_World], bool]] = {
    "shift plant far from a station: carpool/shuttle before job ticket": _shift_plant_far_from_station,
    "NRW firm never gets a Baden-Württemberg-only programme": _nrw_firm_never_gets_bw_only_funding,
    "closed programmes (KfW 441, Charge@BW) never shown as available": _closed_programme_never_available,
    "craft business in Dortmund -> HWK Dortmund": _advisor_case("44135", "craft_business", "hwk_dortmund"),
    "company in Witten -> IHK Mittleres Ruhrgebiet": _advisor_case("58452", "company", "ihk_mittleres_ruhrgebiet"),
    "company in Hagen -> SIHK Hagen": _advisor_case("58095", "company", "sihk_hagen"),
    "company in Stuttgart -> IHK Region Stuttgart": _advisor_case("70173", "company", "ihk_region_stuttgart"),
    "craft business in Esslingen -> HWK Region Stuttgart": _advisor_case(
        "73728", "craft_business", "hwk_region_stuttgart"
    ),
    "municipality Köln -> Zukunftsnetz Rheinland": _advisor_case("50667", "municipality", "znm_ks_rheinland"),
    "company in Berlin: no responsible advisor invented": _outside_regions_no_responsible_advisor,
    "measures in place are never recommended again": _measures_in_place_not_repeated,
    "job-ticket size limits respected": _size_limits_respected,
}


def evaluate(
    reference: ReferenceData,
    settings: MatcherSettings,
    *,
    size: int = 5_000,
    groups: int = 40,
    k: int = 3,
    seed: int = 11,
    vectoriser: Vectoriser | None = None,
    vectoriser_description: str = "refitted on the scenario",
) -> EvaluationReport:
    """Run the planted-peer scenarios and the expert cases (deterministic for a seed)."""
    demo = generate_demo_data(reference, size=size, seed=seed)
    rng = np.random.default_rng(seed + 1)
    profiles = list(demo.profiles)
    chosen = [demo.estates[i] for i in rng.choice(len(demo.estates), size=2 * groups, replace=False)]
    truths = {
        "same estate, same problems": _plant(profiles, chosen[:groups], k, rng, same_estate=True),
        "0.5-3 km away, same problems; estate holds distractors": _plant(
            profiles, chosen[groups:], k, rng, same_estate=False
        ),
    }
    world = _build_world(reference, settings, profiles, vectoriser)
    results = []
    for name, truth in truths.items():
        precision, recall, queries = _peer_metrics(world, truth, k)
        results.append(
            PeerScenarioResult(scenario=name, queries=queries, precision_at_k=precision, recall_at_10=recall)
        )
    failed = [name for name, case in EXPERT_CASES.items() if not case(world)]
    lead_cases, lead_passed, failed_leads = evaluate_leads(reference, settings)
    clusters = evaluate_clusters(reference, settings, background=size, planted=groups // 2, seed=seed)
    return EvaluationReport(
        seed=seed,
        vectoriser=vectoriser_description,
        background_size=size,
        planted_groups=groups,
        k=k,
        peers=results,
        expert_cases=len(EXPERT_CASES),
        expert_cases_passed=len(EXPERT_CASES) - len(failed),
        failed_cases=failed + failed_leads,
        lead_cases=lead_cases,
        lead_cases_passed=lead_passed,
        clusters=clusters.summary(),
    )
