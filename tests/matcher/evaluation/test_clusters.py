"""The planted-cluster evaluation on a small scenario: minimums, not exact figures."""

from __future__ import annotations

import pytest

from matcher.evaluation.clusters import ClusterEvaluation, evaluate_clusters
from matcher.reference import ReferenceData
from matcher.settings import ClusterSettings, MatcherSettings
from matcher.vocabulary import ProblemCode


@pytest.fixture(scope="module")
def evaluation(reference: ReferenceData) -> ClusterEvaluation:
    return evaluate_clusters(reference, MatcherSettings(), background=3_000, planted=12, seed=5)


def test_planted_clusters_are_recovered(evaluation: ClusterEvaluation) -> None:
    assert evaluation.planted == 12
    assert 12 * 15 <= evaluation.planted_firms <= 12 * 30  # every planted firm lies in Germany
    assert evaluation.recovered >= 0.9 * evaluation.planted
    assert evaluation.mean_jaccard >= 0.85
    assert evaluation.found >= evaluation.recovered
    assert evaluation.found == evaluation.recovered + evaluation.spurious + evaluation.mixed
    assert evaluation.mixed <= 1


def test_summary_and_parameters(evaluation: ClusterEvaluation) -> None:
    assert evaluation.problem is ProblemCode.CARPOOL_CRITICAL_MASS
    defaults = ClusterSettings()
    assert (evaluation.eps_km, evaluation.min_members) == (defaults.eps_km, defaults.min_members)
    summary = evaluation.summary()
    assert summary["planted clusters recovered (wiedergefunden, Jaccard >= 0.5)"].startswith(
        f"{evaluation.recovered} of 12"
    )
    assert all(isinstance(value, str) and value for value in summary.values())


def test_deterministic(reference: ReferenceData, evaluation: ClusterEvaluation) -> None:
    again = evaluate_clusters(reference, MatcherSettings(), background=3_000, planted=12, seed=5)
    assert again == evaluation


def test_too_many_groups_for_the_separation(reference: ReferenceData) -> None:
    with pytest.raises(ValueError, match=r"mindestens 500\.0 km"):
        evaluate_clusters(reference, MatcherSettings(), background=700, planted=5, seed=1, separation_km=500.0)
