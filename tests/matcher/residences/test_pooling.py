"""Pooling over consenting organisations: 3 + 3 from two firms → one visible origin of 6; no split below k."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import AnalysisSettings, analyse
from matcher.residences.anonymity import is_safe
from matcher.residences.distances import PostcodeTable
from matcher.residences.pooling import Member, pooled_analysis
from tests.matcher.residences.test_analysis import SITE, cells


def test_two_groups_of_three_become_one_visible_origin_of_six(postcode_table: PostcodeTable) -> None:
    a = Member("a", ResidenceCounts.of({"44803": 3, "44135": 9}), consented=True)
    b = Member("b", ResidenceCounts.of({"44803": 3}), consented=True)
    alone = analyse(a.residences, SITE, postcode_table)
    assert "44803" not in {o["postcode"] for o in alone["origins"]}
    pooled = pooled_analysis([a, b], SITE, postcode_table, destination="Gewerbegebiet Test")
    assert pooled["organisations"] == 2
    assert pooled["total"] == 15
    assert pooled["cross_firm"] == [
        {"postcode": "44803", "municipality": "Bochum", "count": 6, "share": 0.4, "organisations": 2,
         "distance_km": pytest.approx(pooled["cross_firm"][0]["distance_km"])}
    ]  # fmt: skip
    bochum = next(c for c in pooled["corridors"] if c["from"] == "Bochum")
    assert bochum["count"] == 6
    assert bochum["to"] == "Gewerbegebiet Test"
    assert bochum["by_organisation"] is None  # 3 + 3: no split below k


def test_split_by_organisation_shown_when_every_part_reaches_k(postcode_table: PostcodeTable) -> None:
    a = Member("a", ResidenceCounts.of({"44803": 5}), consented=True)
    b = Member("b", ResidenceCounts.of({"44801": 6}), consented=True)
    pooled = pooled_analysis([a, b], SITE, postcode_table)
    bochum = next(c for c in pooled["corridors"] if c["from"] == "Bochum")
    assert bochum["by_organisation"] == [{"organisation": "a", "count": 5}, {"organisation": "b", "count": 6}]


def test_members_without_consent_are_left_out(postcode_table: PostcodeTable) -> None:
    a = Member("a", ResidenceCounts.of({"44803": 3}), consented=True)
    b = Member("b", ResidenceCounts.of({"44803": 30}), consented=False)
    pooled = pooled_analysis([a, b], SITE, postcode_table)
    assert pooled["organisations"] == 1
    assert pooled["total"] == 3
    assert pooled["cross_firm"] == []
    assert pooled["corridors"] == []


@pytest.mark.parametrize("seed", range(30))
def test_no_pooled_cell_shows_one_to_k_minus_one(postcode_table: PostcodeTable, seed: int) -> None:
    rng = np.random.default_rng(seed)
    near = np.asarray(postcode_table.index[(np.abs(postcode_table.lat - SITE.lat) < 0.3)
                                           & (np.abs(postcode_table.lon - SITE.lon) < 0.4)])  # fmt: skip
    members = []
    for firm in range(int(rng.integers(2, 6))):
        chosen = rng.choice(near, size=int(rng.integers(1, 15)), replace=False)
        counts = {str(p): int(c) for p, c in zip(chosen, rng.integers(1, 5, len(chosen)), strict=True)}
        members.append(Member(f"org{firm}", ResidenceCounts.of(counts), consented=bool(rng.random() < 0.8)))
    pooled = pooled_analysis(members, SITE, postcode_table, AnalysisSettings(k=5))
    assert all(is_safe(c, 5) for c in cells(pooled))
    for corridor in pooled["corridors"]:
        if corridor["by_organisation"] is not None:
            assert all(part["count"] >= 5 for part in corridor["by_organisation"])


def test_cross_firm_lists_only_origins_the_answer_lists(postcode_table: PostcodeTable) -> None:
    """6 in Bochum (3 + 3) and 2 elsewhere: "other" would hold 2, so Bochum joins it (secondary suppression);
    listing Bochum's 6 in cross_firm would let other_origins (8) minus 6 reveal the 2."""
    a = Member("a", ResidenceCounts.of({"44803": 3, "44135": 2}), consented=True)
    b = Member("b", ResidenceCounts.of({"44803": 3}), consented=True)
    pooled = pooled_analysis([a, b], SITE, postcode_table)
    assert pooled["origins"] == []
    assert pooled["other_origins"]["count"] == 8
    assert pooled["cross_firm"] == []
