"""Offline evaluation on a time-ordered held-out split, and the whole learning run.

The lists with at least one counted judgement are ordered by the time they were served; the latest
``holdout_share`` of them are held out. Adjustments are fitted on the judgements made before the first
held-out list was served and evaluated on the held-out lists: their items in the logged order (before) and
re-sorted by the logged score plus the adjustment (after; the funding and diversity order rules are not
replayed). Metrics at k = ``top_ranks``:

- NDCG@k and precision@k over the judged items of a list (unjudged ones are unknown, not negatives),
  macro-averaged over lists (NDCG over lists with a positive);
- acceptance rate: positives among the judged items shown in the top k places of the whole list (the
  re-sorting can move judged items in and out of the top).

The adjustments that are stored and served are then fitted on all events.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from matcher.learning.applying import bounded
from matcher.learning.fitting import Adjustments, Impression, Judgement, LearningSettings, events, fit
from matcher.learning.segments import ALL, DIMENSIONS


class Metrics(BaseModel):
    model_config = ConfigDict(frozen=True)

    lists: int
    judged: int
    ndcg_before: float | None
    ndcg_after: float | None
    precision_before: float | None
    precision_after: float | None
    acceptance_before: float | None
    acceptance_after: float | None


class GroupMetrics(BaseModel):
    """Metrics of the held-out lists of one item type ("all": every type) and segment value."""

    model_config = ConfigDict(frozen=True)

    item_type: str
    dimension: str
    value: str
    metrics: Metrics


class Counts(BaseModel):
    model_config = ConfigDict(frozen=True)

    impressions: int
    judgements: int
    events: int = Field(description="judgements counted: latest per list and item, item in the top ranks")
    positives: int
    train_events: int
    holdout_lists: int


class LearningResult(BaseModel):
    """One fit with its model card facts: data window, counts, held-out metrics, adjustments."""

    model_config = ConfigDict(frozen=True)

    settings: LearningSettings
    first_served: datetime | None
    last_served: datetime | None
    holdout_from: datetime | None = Field(description="lists served from then on were held out")
    counts: Counts
    metrics: list[GroupMetrics]
    adjustments: Adjustments


def learn(
    impressions: Sequence[Impression], judgements: Sequence[Judgement], settings: LearningSettings
) -> LearningResult:
    counted = events(impressions, judgements, settings.top_ranks)
    lists = sorted({(i.served_at, i.list_id) for i, _ in counted})
    holdout = math.ceil(settings.holdout_share * len(lists)) if len(lists) > 1 else 0
    cutoff = lists[len(lists) - holdout][0] if holdout else None
    if cutoff is None:
        train_judgements, test_ids = list(judgements), set[str]()
    else:
        train_judgements = [j for j in judgements if j.judged_at < cutoff]
        test_ids = {list_id for _, list_id in lists[len(lists) - holdout :]}
    train = [i for i in impressions if i.list_id not in test_ids]
    trained = fit(train, train_judgements, settings)
    test = [i for i in impressions if i.list_id in test_ids]
    served = sorted(i.served_at for i in impressions)
    return LearningResult(
        settings=settings,
        first_served=served[0] if served else None,
        last_served=served[-1] if served else None,
        holdout_from=cutoff,
        counts=Counts(
            impressions=len(impressions),
            judgements=len(judgements),
            events=len(counted),
            positives=sum(positive for _, positive in counted),
            train_events=len(events(train, train_judgements, settings.top_ranks)),
            holdout_lists=holdout,
        ),
        metrics=evaluate(trained, test, [j for j in judgements if j.list_id in test_ids], settings.top_ranks),
        adjustments=fit(impressions, judgements, settings),
    )


def evaluate(
    adjustments: Adjustments, impressions: Sequence[Impression], judgements: Sequence[Judgement], k: int
) -> list[GroupMetrics]:
    """Before/after metrics per item type and segment value (and over all types), groups sorted by key."""
    verdicts: dict[tuple[str, str, str], bool] = {}
    for judgement in sorted(judgements, key=lambda j: (j.judged_at, j.positive)):
        verdicts[(judgement.list_id, judgement.item_type, judgement.item_id)] = judgement.positive
    lists: dict[tuple[str, str], list[Impression]] = defaultdict(list)
    for impression in impressions:
        lists[(impression.list_id, impression.item_type)].append(impression)
    groups: dict[tuple[str, str, str], list[_ListOutcome]] = defaultdict(list)
    for (list_id, item_type), shown in sorted(lists.items()):
        labels = {
            i.item_id: verdicts[(list_id, item_type, i.item_id)]
            for i in shown
            if (list_id, item_type, i.item_id) in verdicts
        }
        if not labels:
            continue
        before = sorted(shown, key=lambda i: i.rank)
        after = sorted(before, key=lambda i: (-_adjusted(adjustments, i), i.rank))
        outcome = _ListOutcome([i.item_id for i in before], [i.item_id for i in after], labels, k)
        segment = shown[0].segment
        for group_type in (item_type, ALL):
            for dimension in DIMENSIONS:
                if dimension in segment:
                    groups[(group_type, dimension, segment[dimension])].append(outcome)
    return [
        GroupMetrics(item_type=key[0], dimension=key[1], value=key[2], metrics=_metrics(outcomes))
        for key, outcomes in sorted(groups.items())
    ]


def _adjusted(adjustments: Adjustments, impression: Impression) -> float:
    cell = adjustments.for_item(impression.item_type, impression.item_id, impression.segment)
    return impression.score + (bounded(impression.score, cell.adjustment) if cell is not None else 0.0)


class _ListOutcome:
    """One held-out list's figures before and after re-sorting."""

    def __init__(self, before: list[str], after: list[str], labels: dict[str, bool], k: int) -> None:
        self.judged = len(labels)
        self.has_positive = any(labels.values())
        self.ndcg = (_ndcg(before, labels, k), _ndcg(after, labels, k))
        self.precision = (_precision(before, labels, k), _precision(after, labels, k))
        self.accepted = (_top(before, labels, k), _top(after, labels, k))


def _judged_order(order: list[str], labels: dict[str, bool]) -> list[bool]:
    return [labels[item] for item in order if item in labels]


def _ndcg(order: list[str], labels: dict[str, bool], k: int) -> float:
    gains = _judged_order(order, labels)
    dcg = sum(1 / math.log2(place + 2) for place, good in enumerate(gains[:k]) if good)
    ideal = sum(1 / math.log2(place + 2) for place in range(min(k, sum(gains))))
    return dcg / ideal if ideal else 0.0


def _precision(order: list[str], labels: dict[str, bool], k: int) -> float:
    top = _judged_order(order, labels)[:k]
    return sum(top) / len(top)


def _top(order: list[str], labels: dict[str, bool], k: int) -> tuple[int, int]:
    """(positives, judged) among the first k places of the whole list."""
    top = [labels[item] for item in order[:k] if item in labels]
    return sum(top), len(top)


def _metrics(outcomes: list[_ListOutcome]) -> Metrics:
    ranked = [o for o in outcomes if o.has_positive]

    def mean(values: list[float]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    def share(pairs: list[tuple[int, int]]) -> float | None:
        judged = sum(n for _, n in pairs)
        return round(sum(p for p, _ in pairs) / judged, 4) if judged else None

    before, after = ([o.precision[i] for o in outcomes] for i in (0, 1))
    return Metrics(
        lists=len(outcomes),
        judged=sum(o.judged for o in outcomes),
        ndcg_before=mean([o.ndcg[0] for o in ranked]),
        ndcg_after=mean([o.ndcg[1] for o in ranked]),
        precision_before=mean(before),
        precision_after=mean(after),
        acceptance_before=share([o.accepted[0] for o in outcomes]),
        acceptance_after=share([o.accepted[1] for o in outcomes]),
    )
