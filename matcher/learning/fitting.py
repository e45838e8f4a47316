"""Fitting: from impressions and judgements to bounded per item x segment adjustments (beta-binomial).

An *event* is one judgement (accepted, contacted, implemented = positive; rejected = negative) on an item
shown in the top ``top_ranks`` places of its list (rank within its item type). Judgements on items shown
lower are left out: advisors read the top of a list, and what they dig out further down is a different
population (position bias handled by counting only the top ranks, models/LEARNING.md). The latest judgement
per list and item counts once.

Rates are shrunk in two steps, each a beta-binomial posterior mean with a prior worth a fixed number of
events: the item's rate towards its item type's rate, a cell's (item x segment value) towards the item's.
A cell with fewer than ``min_events`` events is not kept, nor is a segment value that holds all of the
item's events (the item's overall cell, dimension ``all``, says the same). A kept cell whose rate is not
credibly different from the type rate (posterior probability of its side below ``credibility``) gets the
adjustment 0, so that noise in large data is not learned, and still stops the back-off to coarser cells
(``Adjustments.for_item``). The adjustment is
``gain x (cell rate - type rate)``, bounded to ``±max_adjustment``. Everything is sorted by explicit keys,
so the same data give the same adjustments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field
from scipy.special import betainc

from matcher.learning.segments import ALL, DIMENSIONS

ItemKey = tuple[str, str]  # (item type, item id)
CellKey = tuple[str, str, str, str]  # (item type, item id, dimension, value)


class Impression(BaseModel):
    """One item in one served list, with the segment of the organisation it was served to."""

    model_config = ConfigDict(frozen=True)

    list_id: str
    served_at: datetime
    item_type: str
    item_id: str
    rank: int = Field(ge=1, description="place among the list's items of this type")
    score: float
    segment: dict[str, str] = Field(description="value per dimension (matcher.learning.segments)")


class Judgement(BaseModel):
    """An advisor's or organisation's verdict on an item of a served list."""

    model_config = ConfigDict(frozen=True)

    list_id: str
    item_type: str
    item_id: str
    positive: bool
    judged_at: datetime


class LearningSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_events: int = Field(default=20, ge=1, description="no adjustment for a cell with fewer events")
    top_ranks: int = Field(default=5, ge=1, description="only judgements on items shown this high count")
    item_prior_events: float = Field(default=10.0, gt=0, description="pseudo-events: item rate -> type rate")
    cell_prior_events: float = Field(default=10.0, gt=0, description="pseudo-events: cell rate -> item rate")
    credibility: float = Field(
        default=0.995,
        ge=0.5,
        lt=1,
        description="posterior probability that the cell's rate lies on the side of the type rate it points to; "
        "below it the adjustment is 0 (strict, as many cells are tested at once)",
    )
    gain: float = Field(default=0.5, gt=0, description="score points per point of acceptance rate")
    max_adjustment: float = Field(default=0.1, gt=0, le=0.5, description="bound of an adjustment (score points)")
    holdout_share: float = Field(default=0.2, gt=0, lt=1, description="latest share of lists held out")


class Cell(BaseModel):
    """A learned adjustment with its evidence."""

    model_config = ConfigDict(frozen=True)

    item_type: str
    item_id: str
    dimension: str
    value: str
    positives: int
    events: int
    type_rate: float = Field(description="acceptance rate of all items of this type")
    item_rate: float = Field(description="the item's rate, shrunk towards the type rate")
    rate: float = Field(description="the cell's rate, shrunk towards the item rate")
    adjustment: float

    @property
    def key(self) -> CellKey:
        return (self.item_type, self.item_id, self.dimension, self.value)


class Adjustments(BaseModel):
    """Every cell with enough evidence, largest change first; a cell whose rate is not credibly different from
    the type rate has adjustment 0 and still counts: it is the evidence that nothing changes for its segment."""

    model_config = ConfigDict(frozen=True)

    cells: list[Cell]

    @cached_property
    def by_key(self) -> dict[CellKey, Cell]:
        return {cell.key: cell for cell in self.cells}

    @property
    def changes(self) -> list[Cell]:
        """The cells that move a score."""
        return [cell for cell in self.cells if cell.adjustment != 0]

    def for_item(self, item_type: str, item_id: str, segment: dict[str, str]) -> Cell | None:
        """The cell that applies: the organisation's first cell with enough evidence in the back-off order of
        ``DIMENSIONS`` (kind, size class, WZ section, transit class, all); None when it changes nothing."""
        for dimension in DIMENSIONS:
            cell = self.by_key.get((item_type, item_id, dimension, segment.get(dimension, "")))
            if cell is not None:
                return cell if cell.adjustment != 0 else None
        return None


def events(
    impressions: Iterable[Impression], judgements: Iterable[Judgement], top_ranks: int
) -> list[tuple[Impression, bool]]:
    """(impression, positive) for the latest judgement per list and item shown in the top ranks."""
    shown = {(i.list_id, i.item_type, i.item_id): i for i in impressions}
    latest: dict[tuple[str, str, str], Judgement] = {}
    for judgement in sorted(judgements, key=lambda j: (j.judged_at, j.positive)):
        latest[(judgement.list_id, judgement.item_type, judgement.item_id)] = judgement
    found = [(shown[key], j.positive) for key, j in latest.items() if key in shown and shown[key].rank <= top_ranks]
    return sorted(found, key=lambda e: (e[0].served_at, e[0].list_id, e[0].item_type, e[0].item_id))


def fit(impressions: Sequence[Impression], judgements: Sequence[Judgement], settings: LearningSettings) -> Adjustments:
    counted = events(impressions, judgements, settings.top_ranks)
    by_type: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_item: dict[ItemKey, list[int]] = defaultdict(lambda: [0, 0])
    by_cell: dict[CellKey, list[int]] = defaultdict(lambda: [0, 0])
    for impression, positive in counted:
        item = (impression.item_type, impression.item_id)
        keys = [(*item, d, impression.segment[d]) for d in DIMENSIONS if d in impression.segment]
        for counts in (by_type[impression.item_type], by_item[item], *(by_cell[k] for k in keys)):
            counts[0] += positive
            counts[1] += 1
    cells: list[Cell] = []
    for key in sorted(by_cell):
        positives, total = by_cell[key]
        item_positives, item_total = by_item[(key[0], key[1])]
        if total < settings.min_events or (key[2] != ALL and total == item_total):
            continue  # too little evidence, or a segment holding all of the item's events (the ``all`` cell says it)
        type_positives, type_total = by_type[key[0]]
        type_rate = type_positives / type_total
        item_rate = _shrunk(item_positives, item_total, type_rate, settings.item_prior_events)
        rate = _shrunk(positives, total, item_rate, settings.cell_prior_events)
        raw = settings.gain * (rate - type_rate)
        adjustment = round(max(-settings.max_adjustment, min(settings.max_adjustment, raw)), 4)
        if _side_probability(positives, total, item_rate, settings.cell_prior_events, type_rate) < settings.credibility:
            adjustment = 0.0  # not credibly different from the type rate: noise is not learned
        cells.append(
            Cell(
                item_type=key[0], item_id=key[1], dimension=key[2], value=key[3], positives=positives,
                events=total, type_rate=round(type_rate, 4), item_rate=round(item_rate, 4), rate=round(rate, 4),
                adjustment=adjustment,
            )
        )  # fmt: skip
    cells.sort(key=lambda c: (-abs(c.adjustment), -c.events, c.key))
    return Adjustments(cells=cells)


def _side_probability(positives: int, total: int, prior_rate: float, prior_events: float, baseline: float) -> float:
    """Posterior probability that the rate lies on the same side of ``baseline`` as the posterior mean."""
    a = positives + prior_rate * prior_events
    b = total - positives + (1 - prior_rate) * prior_events
    below = float(betainc(a, b, baseline))  # the Beta(a, b) distribution function at the baseline
    return 1.0 - below if a / (a + b) >= baseline else below


def _shrunk(positives: int, total: int, prior_rate: float, prior_events: float) -> float:
    """Posterior mean of a beta-binomial with a Beta(prior_rate x m, (1 - prior_rate) x m) prior."""
    return (positives + prior_rate * prior_events) / (total + prior_events)
