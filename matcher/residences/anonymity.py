"""The k rule: no cell of any answer shows 1 … k−1 people.

A cell below k is either suppressed (``count=None, suppressed=True``) or merged into an "other" cell that is
itself ≥ k or suppressed. Because the total is shown, the "other" cell of a partition (origins) is derivable
from it; so when the people merged into "other" number 1 … k−1, the smallest visible cells join it too
(secondary suppression) until it reaches k. A pooled answer never splits a cell by organisation below k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_K = 5
DEFAULT_K = 5

IntArray = npt.NDArray[np.int64]


def check_k(k: int) -> int:
    """``k`` itself, or a ValueError naming the field when it is below the minimum of 5."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"k: „{k}“ ist keine ganze Zahl")
    if k < MIN_K:
        raise ValueError(f"k: {k} ist zu klein, die Mindestgröße einer Zelle ist {MIN_K}")
    return int(k)


@dataclass(frozen=True)
class Cell:
    """A count as it may be shown: ``None`` with ``suppressed`` when 1 … k−1 people are in it."""

    count: int | None
    suppressed: bool

    @classmethod
    def of(cls, count: int, k: int) -> Cell:
        return cls(count=None, suppressed=True) if 0 < count < k else cls(count=int(count), suppressed=False)


def is_safe(count: int | None, k: int) -> bool:
    """True when a shown count is allowed: suppressed (None), zero, or at least k."""
    return count is None or count == 0 or count >= k


def visible_mask(counts: Sequence[int] | IntArray, k: int) -> npt.NDArray[np.bool_]:
    """Which cells of a partition may be shown individually; the rest merges into one "other" cell.

    Cells below k are merged; if the merged people then number 1 … k−1, the smallest visible cells join them
    (ties broken by position, so the result is deterministic) until "other" holds ≥ k or every cell."""
    values = np.asarray(counts, dtype=np.int64)
    visible = values >= k
    other = int(values[~visible].sum())
    if 0 < other < k:
        order = np.lexsort((np.arange(len(values)), values))
        for i in order:
            if other >= k:
                break
            if visible[i]:
                visible[i] = False
                other += int(values[i])
    return visible


def merge_adjacent(counts: Sequence[int] | IntArray, k: int) -> list[tuple[int, int]]:
    """Group consecutive cells (distance bands) so that every group holds 0 or ≥ k people.

    Returns ``(first, last)`` index ranges covering all cells in order. An under-k run joins its next
    neighbour; a trailing one joins the group before it. If everything together is below k, one group."""
    values = [int(v) for v in counts]
    groups: list[tuple[int, int]] = []
    start, running = 0, 0
    for i, value in enumerate(values):
        running += value
        if running == 0 or running >= k:
            groups.append((start, i))
            start, running = i + 1, 0
    if start < len(values):  # a tail below k: merge it into the previous non-empty group
        while groups and sum(values[groups[-1][0] : groups[-1][1] + 1]) == 0:
            start = groups.pop()[0]
        if groups:
            start = groups.pop()[0]
        groups.append((start, len(values) - 1))
    return groups


def split_by_organisation(parts: Sequence[int], k: int) -> tuple[int, ...] | None:
    """The per-organisation parts of a pooled cell, or None when any non-zero part is below k (no split)."""
    if any(0 < p < k for p in parts):
        return None
    return tuple(int(p) for p in parts)
