"""Offline evaluation on a generated scenario with planted truth (``bmm evaluate``).

Peers: among synthetic background organisations, groups are planted in real demo estates — a query
firm and ``planted_peers`` firms in the same estate with the same (rare) problem set — together with
distractors: firms in the same estate with other problems and firms with the same problems 20–40 km
away. Precision@k and recall@k (k = planted_peers) measure whether the planted peers come first.
Expert cases (``matcher.evaluation.expert``, the same set the tests run) check measures, funding,
advisors, transit and peers against answers a BMM advisor would insist on; lead cases
(matcher/evaluation/leads.py) check the advisors' ranking, and planted clusters among background
organisations (matcher/evaluation/clusters.py) check the planners' clusters.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from matcher.evaluation.clusters import evaluate_clusters
from matcher.evaluation.expert import ALL_CASES, KNOWN_DEFECTS, CaseResult, expert_context, run_cases
from matcher.evaluation.leads import evaluate_leads
from matcher.geo.distance import EARTH_RADIUS_KM
from matcher.index import OrganisationIndex
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
    expert_groups: dict[str, str] = Field(description="passed of run per case group (measures, funding, …)")
    failed_cases: list[str] = Field(description="ids of failed expert cases, then names of failed lead cases")
    known_defects: list[str] = Field(description="failed expert cases that are known defects, with the defect")
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
            **{f"expert cases, {group}": value for group, value in self.expert_groups.items()},
            "lead cases passed": f"{self.lead_cases_passed} of {self.lead_cases}",
            **{f"clusters, {key}": value for key, value in self.clusters.items()},
            "failed expert or lead cases": ", ".join(self.failed_cases) or "none",
            "known defects among them": "; ".join(self.known_defects) or "none",
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


def _groups(results: list[CaseResult]) -> dict[str, str]:
    run = Counter(r.group.value for r in results)
    passed = Counter(r.group.value for r in results if r.passed)
    return {group: f"{passed[group]} of {count}" for group, count in run.items()}


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
    # The expert cases run on their own fixed background (as in the tests), with this evaluation's vectoriser.
    expert = run_cases(expert_context(reference, settings, world.vectoriser), ALL_CASES)
    failed = [r.id for r in expert if not r.passed]
    lead_cases, lead_passed, failed_leads = evaluate_leads(reference, settings)
    clusters = evaluate_clusters(reference, settings, background=size, planted=groups // 2, seed=seed)
    return EvaluationReport(
        seed=seed,
        vectoriser=vectoriser_description,
        background_size=size,
        planted_groups=groups,
        k=k,
        peers=results,
        expert_cases=len(expert),
        expert_cases_passed=len(expert) - len(failed),
        expert_groups=_groups(expert),
        failed_cases=failed + failed_leads,
        known_defects=[f"{case}: {KNOWN_DEFECTS[case]}" for case in failed if case in KNOWN_DEFECTS],
        lead_cases=lead_cases,
        lead_cases_passed=lead_passed,
        clusters=clusters.summary(),
    )
