"""Applying learned adjustments: one more additive reason, then the list re-sorted by the new scores.

The reason's weight is the adjustment, bounded so that the score stays in [0, 1]; the reasons still add up
to the score. The generic order is by score, except that items whose order reason puts them below every
directly usable one (funding: ``indirect``, ``sector_unchecked``) stay there; a list with its own order rule
(measures: diversity) passes its own ``reorder``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from matcher.explain import INDIRECT_ACCESS, SECTOR_UNCHECKED, WEIGHT_DECIMALS, Reason, Recommendation
from matcher.learning.fitting import Adjustments, Cell
from matcher.learning.segments import ALL, peers_word_de, segment_label_de
from matcher.matching.measures import MeasureRecommendation, rediversify
from matcher.settings import MeasureSettings

LEARNED_FEEDBACK = "learned_feedback"
BELOW_DIRECT = frozenset({INDIRECT_ACCESS, SECTOR_UNCHECKED})

R = TypeVar("R", bound=Recommendation)


def bounded(score: float, adjustment: float) -> float:
    """The adjustment as far as the score can move within [0, 1], rounded as reason weights are."""
    return round(max(-score, min(1.0 - score, adjustment)), WEIGHT_DECIMALS)


def learned_text(cell: Cell, kind: str) -> str:
    """'Rückmeldungen ähnlicher Betriebe (Handwerksbetrieb): 14 von 18 fanden dies passend'."""
    if cell.dimension == ALL:
        who = "Rückmeldungen zu dieser Empfehlung"
    else:
        who = f"Rückmeldungen {peers_word_de(kind)} ({segment_label_de(cell.dimension, cell.value)})"
    return f"{who}: {cell.positives} von {cell.events} fanden dies passend"


def by_score(items: list[R]) -> list[R]:
    """Stable: by score within 'usable directly' and 'below every direct one', ties keep their order."""
    ranked = sorted(
        enumerate(items), key=lambda p: (bool(BELOW_DIRECT & {r.code for r in p[1].reasons}), -p[1].score, p[0])
    )
    return [item for _, item in ranked]


def adjust(
    items: Sequence[R],
    item_type: str,
    segment: dict[str, str],
    adjustments: Adjustments | None,
    reorder: Callable[[list[R]], list[R]] = by_score,
) -> list[R]:
    """The items with their learned reason, re-ordered; unchanged when nothing applies."""
    if adjustments is None or not adjustments.changes:
        return list(items)
    changed = False
    result: list[R] = []
    for item in items:
        cell = adjustments.for_item(item_type, item.id, segment)
        weight = bounded(item.score, cell.adjustment) if cell is not None else 0.0
        if cell is None or weight == 0:
            result.append(item)
            continue
        changed = True
        reason = Reason(code=LEARNED_FEEDBACK, text=learned_text(cell, segment["kind"]), weight=weight)
        score = round(item.score + weight, WEIGHT_DECIMALS)
        result.append(item.model_copy(update={"score": score, "reasons": [*item.reasons, reason]}))
    return reorder(result) if changed else result


def adjust_measures(
    items: Sequence[MeasureRecommendation],
    segment: dict[str, str],
    adjustments: Adjustments | None,
    settings: MeasureSettings,
) -> list[MeasureRecommendation]:
    """Measures keep their own order rule: diversified again after the adjustment."""
    return adjust(items, "measure", segment, adjustments, lambda changed: rediversify(changed, settings))
