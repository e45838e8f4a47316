from __future__ import annotations

import random

from matcher.learning.fitting import Adjustments, Cell, LearningSettings, fit
from tests.matcher.learning.factories import judge, planted, segment, served_list

SETTINGS = LearningSettings()


def test_planted_preference_lowers_the_measure_for_crafts_and_not_for_companies() -> None:
    impressions, judgements = planted()
    adjustments = fit(impressions, judgements, SETTINGS)
    craft = adjustments.for_item("measure", "m_jobticket", segment("craft_business"))
    company = adjustments.for_item("measure", "m_jobticket", segment("company"))
    assert craft is not None
    assert company is not None
    assert (craft.dimension, craft.value, craft.positives, craft.events) == ("kind", "craft_business", 0, 30)
    assert craft.adjustment < 0 < company.adjustment
    # Shrunk towards the item's rate: 0 of 30 is not read as a rate of 0.
    assert 0 < craft.rate < craft.item_rate


def test_adjustments_are_bounded() -> None:
    impressions, judgements = planted(lists_per_kind=200)
    adjustments = fit(impressions, judgements, SETTINGS)
    assert adjustments.cells
    assert max(abs(c.adjustment) for c in adjustments.cells) == SETTINGS.max_adjustment


def test_three_rejections_change_nothing() -> None:
    lists = [served_list(n, "craft_business") for n in range(3)]
    judgements = [judge(shown[1], positive=False) for shown in lists]
    assert fit([i for shown in lists for i in shown], judgements, SETTINGS) == Adjustments(cells=[])


def test_below_the_minimum_evidence_nothing_and_at_it_something() -> None:
    impressions, judgements = planted(lists_per_kind=19)  # 19 craft judgements on m_jobticket
    cell = ("measure", "m_jobticket", "kind", "craft_business")
    assert cell not in fit(impressions, judgements, SETTINGS).by_key
    assert cell in fit(impressions, judgements, LearningSettings(min_events=19)).by_key


def test_only_judgements_on_the_top_ranks_count() -> None:
    lists = [served_list(n, "craft_business") for n in range(30)]
    assert all((shown[0].rank, shown[-1].rank) == (1, 6) for shown in lists)
    judgements = [judge(shown[0], positive=True) for shown in lists] + [judge(shown[-1], False) for shown in lists]
    impressions = [i for shown in lists for i in shown]
    last = lists[0][-1].item_id
    assert {c.item_id for c in fit(impressions, judgements, SETTINGS).changes} == set()
    assert last in {c.item_id for c in fit(impressions, judgements, LearningSettings(top_ranks=6)).changes}


def test_the_latest_judgement_per_list_and_item_counts_once() -> None:
    impressions, judgements = planted()
    doubled = judgements + [judge(i, positive=True, minutes=60) for i in impressions if i.item_id == "m_jobticket"]
    adjustments = fit(impressions, doubled, SETTINGS)
    craft = adjustments.by_key[("measure", "m_jobticket", "kind", "craft_business")]
    assert (craft.positives, craft.events) == (30, 30)


def test_the_fit_is_deterministic_whatever_the_input_order() -> None:
    impressions, judgements = planted()
    first = fit(impressions, judgements, SETTINGS)
    shuffled_impressions, shuffled_judgements = list(impressions), list(judgements)
    random.Random(7).shuffle(shuffled_impressions)
    random.Random(8).shuffle(shuffled_judgements)
    assert fit(shuffled_impressions, shuffled_judgements, SETTINGS).model_dump_json() == first.model_dump_json()


def test_cells_come_largest_change_first() -> None:
    impressions, judgements = planted()
    changes = [abs(c.adjustment) for c in fit(impressions, judgements, SETTINGS).cells]
    assert changes == sorted(changes, reverse=True)


def _cell(dimension: str, value: str, adjustment: float) -> Cell:
    return Cell(
        item_type="measure", item_id="m_jobticket", dimension=dimension, value=value, positives=0, events=40,
        type_rate=0.5, item_rate=0.4, rate=0.4, adjustment=adjustment,
    )  # fmt: skip


def test_an_organisation_gets_its_first_cell_with_evidence_kind_first() -> None:
    # Class B holds mostly crafts (who reject the item): its cell is lower; companies' own cell says "as usual".
    adjustments = Adjustments(
        cells=[
            _cell("kind", "craft_business", -0.1), _cell("transit_class", "B", -0.06), _cell("all", "all", -0.03),
            _cell("kind", "company", 0.0),
        ]
    )  # fmt: skip
    craft = adjustments.for_item("measure", "m_jobticket", segment("craft_business"))
    assert craft is not None
    assert (craft.dimension, craft.adjustment) == ("kind", -0.1)
    assert adjustments.for_item("measure", "m_jobticket", segment("company")) is None
    association = adjustments.for_item("measure", "m_jobticket", segment("association"))
    assert association is not None
    assert (association.dimension, association.value) == ("transit_class", "B")
    assert adjustments.for_item("measure", "m_bike", segment("craft_business")) is None
    assert [c.dimension for c in adjustments.changes] == ["kind", "transit_class", "all"]


def test_noise_is_not_learned() -> None:
    """A cell whose rate is within the noise of the type rate is kept with adjustment 0."""
    impressions, judgements = planted()
    by_key = fit(impressions, judgements, SETTINGS).by_key
    overall = by_key[("measure", "m_jobticket", "all", "all")]  # 30 of 60 against a type rate of 70 of 120
    assert (overall.positives, overall.events, overall.adjustment) == (30, 60, 0.0)
    assert by_key[("measure", "m_jobticket", "kind", "craft_business")].adjustment < 0


def test_a_segment_holding_all_of_an_items_events_repeats_nothing() -> None:
    impressions, judgements = planted()  # every organisation has 10-49 employees, WZ C, class B
    dimensions = {c.dimension for c in fit(impressions, judgements, SETTINGS).cells}
    assert dimensions == {"all", "kind"}
