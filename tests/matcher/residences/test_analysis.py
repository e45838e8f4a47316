"""Planted truth: known homes around a Dortmund site → known bands, potentials and origins; the k rule on all cells."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from matcher.geo.reference import GeoReference
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import AnalysisSettings, Site, analyse
from matcher.residences.anonymity import is_safe
from matcher.residences.distances import PostcodeTable, transit_class_of
from matcher.residences.potentials import PotentialSettings, carpool_mask
from matcher.settings import TransitSettings
from matcher.transit.model import TransitClass
from matcher.transit.quality import transit_access

# Site at the centroid of 44135 (Dortmund city centre).
SITE = Site(lat=51.51390, lon=7.47727, transit_class=TransitClass.A)


def planted() -> ResidenceCounts:
    # 44135: 0 km (walk); 44139: 2.3 km straight, 3.0 km road (bike); 44137: 2 people (below k);
    # 44803 Bochum: about 15 km straight, 19–20 km road (beyond pedelec range, 8 together: carpool).
    return ResidenceCounts.of({"44135": 6, "44139": 7, "44137": 2, "44803": 8})


def cells(result: dict[str, Any]) -> list[int | None]:
    """Every count an answer shows."""
    shown = [b["count"] for b in result["bands"]] + [c["count"] for c in result["potentials"].values()]
    shown += [o["count"] for o in result["origins"]] + [result["other_origins"]["count"]]
    shown += [m["count"] for m in result["municipalities"]]
    for extra in ("cross_firm", "corridors"):
        shown += [c["count"] for c in result.get(extra, [])]
    return shown


def test_planted_homes_give_known_bands_and_potentials(postcode_table: PostcodeTable) -> None:
    result = analyse(planted(), SITE, postcode_table)
    assert result["total"] == 23
    assert result["k"] == 5
    assert result["assumptions"]["detour_factor"] == 1.3
    bands = {(b["from_km"], b["to_km"]): b["count"] for b in result["bands"]}
    # 0–2: 6; 2–5: 7 + 2 = 9; 15–25: 8; the empty bands stay 0.
    assert bands == {(0.0, 2.0): 6, (2.0, 5.0): 9, (5.0, 10.0): 0, (10.0, 15.0): 0, (15.0, 25.0): 8,
                     (25.0, 50.0): 0, (50.0, None): 0}  # fmt: skip
    potentials = {mode: cell["count"] for mode, cell in result["potentials"].items()}
    assert potentials["walk"] == 6
    assert potentials["bike"] == 15
    assert potentials["pedelec"] == 15
    assert potentials["carpool"] == 8
    assert result["potentials"]["bike"]["share"] == round(15 / 23, 4)


def test_origins_hide_small_postcodes_in_other(postcode_table: PostcodeTable) -> None:
    result = analyse(planted(), SITE, postcode_table)
    origins = {o["postcode"]: o for o in result["origins"]}
    # 44137 (2) is below k; "other" would then hold 2 people, so the smallest visible origin (44135, 6) joins it.
    assert set(origins) == {"44139", "44803"}
    assert result["other_origins"] == {"count": 8, "suppressed": False, "share": round(8 / 23, 4)}
    assert origins["44803"]["municipality"] == "Bochum"
    assert 18.0 < origins["44803"]["distance_km"] < 21.0
    assert origins["44139"]["transit_class"] in {c.value for c in TransitClass}
    assert result["municipalities"][0] == {"municipality": "Dortmund", "count": 15, "share": round(15 / 23, 4)}


def test_transit_potential_needs_a_good_site(postcode_table: PostcodeTable) -> None:
    poor = Site(lat=SITE.lat, lon=SITE.lon, transit_class=TransitClass.D)
    assert analyse(planted(), poor, postcode_table)["potentials"]["transit"]["count"] == 0


def test_k_below_five_is_refused_by_the_analysis() -> None:
    with pytest.raises(ValueError, match="k: 3"):
        AnalysisSettings(k=3)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("k", [5, 7])
def test_no_cell_shows_one_to_k_minus_one(postcode_table: PostcodeTable, seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    near = postcode_table.index[
        (np.abs(postcode_table.lat - SITE.lat) < 0.4) & (np.abs(postcode_table.lon - SITE.lon) < 0.6)
    ]
    chosen = rng.choice(np.asarray(near), size=int(rng.integers(1, 40)), replace=False)
    counts = ResidenceCounts.of({str(p): int(c) for p, c in zip(chosen, rng.integers(1, 9, len(chosen)), strict=True)})
    result = analyse(counts, SITE, postcode_table, AnalysisSettings(k=k))
    assert all(is_safe(c, k) for c in cells(result))
    shown = sum(o["count"] for o in result["origins"]) + (result["other_origins"]["count"] or 0)
    assert shown == counts.total or result["other_origins"]["suppressed"]


def test_postcode_transit_class_matches_the_transit_module(postcode_table: PostcodeTable, geo: GeoReference) -> None:
    sample = np.flatnonzero(np.char.startswith(postcode_table.index.to_numpy(dtype=str), "44"))[:60]
    sparse = np.zeros(len(sample), dtype=bool)  # the Dortmund/Bochum sample has no sparse municipality
    access = transit_access(geo.transit, postcode_table.lat[sample], postcode_table.lon[sample], TransitSettings(),
                            sparse=sparse)  # fmt: skip
    assert [transit_class_of(int(r)) for r in postcode_table.transit_rank[sample]] == [a.transit_class for a in access]


def test_carpool_counts_colleagues_in_a_neighbouring_postcode(postcode_table: PostcodeTable) -> None:
    # Bochum 44801 and 44803 are about 3 km apart, both beyond pedelec range: 1 + 2 people form a carpool;
    # a single person in far-away 01067 (Dresden) has no colleague near.
    counts = ResidenceCounts.of({"44801": 1, "44803": 2, "01067": 1, "44135": 5})
    result = analyse(counts, SITE, postcode_table)
    assert result["potentials"]["carpool"]["suppressed"] is True  # 3 people: shown as suppressed
    t = postcode_table
    position = t.positions(counts.postcodes)
    mask = carpool_mask(np.asarray(counts.counts), t.lat[position], t.lon[position], PotentialSettings())
    assert dict(zip(counts.postcodes, mask.tolist(), strict=True)) == {
        "01067": False, "44135": True, "44801": True, "44803": True,
    }  # fmt: skip


def test_small_and_empty_uploads_are_safe_and_serialisable(postcode_table: PostcodeTable) -> None:
    empty = analyse(ResidenceCounts.of({}), SITE, postcode_table)
    assert empty["total"] == 0
    assert empty["origins"] == []
    three = analyse(ResidenceCounts.of({"44135": 3}), SITE, postcode_table)
    assert three["bands"] == [{"from_km": 0.0, "to_km": None, "count": None, "suppressed": True, "share": None}]
    assert three["other_origins"]["suppressed"] is True
    assert json.loads(json.dumps(three))["total"] == 3
