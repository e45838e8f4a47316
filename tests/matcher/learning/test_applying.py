from __future__ import annotations

import pytest

from matcher.explain import INDIRECT_ACCESS, Reason, Recommendation
from matcher.learning.applying import LEARNED_FEEDBACK, adjust, by_score
from matcher.learning.fitting import Adjustments, Cell
from tests.matcher.learning.factories import segment


def cell(item_id: str, adjustment: float, dimension: str = "kind", value: str = "craft_business") -> Cell:
    return Cell(
        item_type="measure", item_id=item_id, dimension=dimension, value=value, positives=2, events=20,
        type_rate=0.5, item_rate=0.4, rate=0.2, adjustment=adjustment,
    )  # fmt: skip


def item(item_id: str, *weights: float, code: str = "problem_fit") -> Recommendation:
    reasons = [Reason(code=code, text="…", weight=w) for w in weights]
    return Recommendation(id=item_id, name=item_id, score=round(sum(weights), 4), reasons=reasons)


def test_learned_reason_adds_up_and_the_list_follows_the_new_scores() -> None:
    items = [item("a", 0.4, 0.2), item("b", 0.55)]
    adjusted = adjust(items, "measure", segment("craft_business"), Adjustments(cells=[cell("a", -0.1)]))
    assert [i.id for i in adjusted] == ["b", "a"]
    lowered = adjusted[1]
    assert lowered.score == pytest.approx(0.5)
    assert lowered.score == pytest.approx(sum(r.weight for r in lowered.reasons))
    learned = lowered.reasons[-1]
    assert (learned.code, learned.weight) == (LEARNED_FEEDBACK, -0.1)
    assert learned.text == "Rückmeldungen ähnlicher Betriebe (Handwerksbetrieb): 2 von 20 fanden dies passend"


def test_other_segments_and_types_are_untouched() -> None:
    items = [item("a", 0.6), item("b", 0.5)]
    adjustments = Adjustments(cells=[cell("a", -0.1)])
    assert adjust(items, "measure", segment("company"), adjustments) == items
    assert adjust(items, "funding", segment("craft_business"), adjustments) == items
    assert adjust(items, "measure", segment("craft_business"), None) == items


def test_the_score_stays_within_0_and_1() -> None:
    items = [item("a", 0.04), item("b", 0.97)]
    adjustments = Adjustments(cells=[cell("a", -0.1), cell("b", 0.1)])
    low, high = sorted(adjust(items, "measure", segment("craft_business"), adjustments), key=lambda i: i.id)
    assert (low.score, low.reasons[-1].weight) == (0.0, -0.04)
    assert (high.score, high.reasons[-1].weight) == (1.0, 0.03)


def test_items_placed_below_every_direct_one_stay_there() -> None:
    indirect = item("x", 0.9)
    indirect = indirect.model_copy(
        update={"reasons": [*indirect.reasons, Reason(code=INDIRECT_ACCESS, text="…", weight=0)]}
    )
    assert [i.id for i in by_score([indirect, item("y", 0.2), item("z", 0.3)])] == ["z", "y", "x"]


def test_the_public_wording_and_the_overall_cell() -> None:
    items = [item("a", 0.5)]
    public = segment("municipality")
    (municipal,) = adjust(items, "measure", public, Adjustments(cells=[cell("a", 0.05, "kind", "municipality")]))
    assert municipal.reasons[-1].text.startswith("Rückmeldungen ähnlicher Einrichtungen (Gemeinde / Stadt): ")
    (overall,) = adjust(items, "measure", public, Adjustments(cells=[cell("a", 0.05, "all", "all")]))
    assert overall.reasons[-1].text == "Rückmeldungen zu dieser Empfehlung: 2 von 20 fanden dies passend"
