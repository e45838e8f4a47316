"""The k rule: minimum k, suppression, the "other" cell, band merging, per-organisation splits."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.residences.anonymity import (
    Cell,
    check_k,
    is_safe,
    merge_adjacent,
    split_by_organisation,
    visible_mask,
)


@pytest.mark.parametrize("k", [-1, 0, 1, 4])
def test_k_below_five_is_refused(k: int) -> None:
    with pytest.raises(ValueError, match=r"k: .* Mindestgröße einer Zelle ist 5"):
        check_k(k)


def test_k_of_five_or_more_is_accepted() -> None:
    assert check_k(5) == 5
    assert check_k(11) == 11


def test_cell_suppresses_one_to_k_minus_one() -> None:
    assert Cell.of(4, 5) == Cell(count=None, suppressed=True)
    assert Cell.of(5, 5) == Cell(count=5, suppressed=False)
    assert Cell.of(0, 5) == Cell(count=0, suppressed=False)


def test_other_cell_pulls_in_smallest_visible_when_below_k() -> None:
    # 3 people in small cells: the total would reveal them, so the smallest visible cell (6) joins "other".
    counts = [10, 6, 2, 1, 7]
    visible = visible_mask(counts, 5)
    assert visible.tolist() == [True, False, False, False, True]
    assert int(np.asarray(counts)[~visible].sum()) == 9


def test_other_cell_of_zero_or_at_least_k_keeps_visible_cells() -> None:
    assert visible_mask([10, 6, 3, 2], 5).tolist() == [True, True, False, False]
    assert visible_mask([10, 6], 5).tolist() == [True, True]


@pytest.mark.parametrize("seed", range(50))
def test_visible_mask_never_leaves_other_below_k(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 12, size=int(rng.integers(1, 20)))
    visible = visible_mask(counts, 5)
    other = int(counts[~visible].sum())
    assert all(c >= 5 for c in counts[visible])
    assert other == 0 or other >= 5 or not visible.any()


@pytest.mark.parametrize("seed", range(50))
def test_merged_bands_cover_everything_and_are_safe(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 9, size=int(rng.integers(1, 12))).tolist()
    groups = merge_adjacent(counts, 5)
    covered = [i for first, last in groups for i in range(first, last + 1)]
    assert covered == list(range(len(counts)))
    sums = [sum(counts[a : b + 1]) for a, b in groups]
    if sum(counts) >= 5:
        assert all(is_safe(s, 5) for s in sums)
    else:
        assert len(groups) == 1


def test_split_by_organisation_only_when_every_part_reaches_k() -> None:
    assert split_by_organisation([3, 3], 5) is None
    assert split_by_organisation([6, 0, 5], 5) == (6, 0, 5)
