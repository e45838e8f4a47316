from __future__ import annotations

from matcher.learning.evaluation import GroupMetrics, learn
from matcher.learning.fitting import LearningSettings
from tests.matcher.learning.factories import planted

SETTINGS = LearningSettings()


def group(metrics: list[GroupMetrics], item_type: str, dimension: str, value: str) -> GroupMetrics:
    return next(g for g in metrics if (g.item_type, g.dimension, g.value) == (item_type, dimension, value))


def test_held_out_lists_are_the_latest_and_the_planted_preference_improves_crafts() -> None:
    impressions, judgements = planted()
    result = learn(impressions, judgements, SETTINGS)
    assert result.counts.holdout_lists == 12  # 20 % of 60 lists
    assert result.holdout_from == sorted({i.served_at for i in impressions})[48]
    crafts = group(result.metrics, "measure", "kind", "craft_business").metrics
    assert crafts.lists == 6
    assert crafts.judged == 12
    # Before: m_bike (liked 2 in 3) above the rejected m_jobticket; both in the top 5 either way.
    assert crafts.acceptance_after == crafts.acceptance_before
    companies = group(result.metrics, "measure", "kind", "company").metrics
    assert companies.ndcg_after is not None
    assert companies.ndcg_before is not None
    assert companies.ndcg_after > companies.ndcg_before  # m_jobticket, accepted by all, now above m_bike
    overall = group(result.metrics, "all", "all", "all").metrics
    assert overall.lists == 12
    assert overall.precision_after == overall.precision_before  # judged-only precision@5 of two items


def test_counts_and_window() -> None:
    impressions, judgements = planted()
    result = learn(impressions, judgements, SETTINGS)
    assert (result.counts.impressions, result.counts.judgements, result.counts.events) == (360, 120, 120)
    assert result.counts.train_events == 96
    assert result.first_served == min(i.served_at for i in impressions)
    assert result.adjustments.changes  # the served adjustments are fitted on all events


def test_learning_is_deterministic() -> None:
    impressions, judgements = planted()
    first = learn(impressions, judgements, SETTINGS).model_dump_json()
    assert learn(list(reversed(impressions)), list(reversed(judgements)), SETTINGS).model_dump_json() == first


def test_no_judgements_no_metrics_no_adjustments() -> None:
    impressions, _ = planted()
    result = learn(impressions, [], SETTINGS)
    assert (result.metrics, result.adjustments.cells, result.holdout_from) == ([], [], None)
