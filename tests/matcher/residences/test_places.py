"""Home places for the peers reason: only municipalities with ≥ k of an organisation's staff, largest first."""

from __future__ import annotations

import pytest

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.distances import PostcodeTable
from matcher.residences.places import home_places

DORTMUND, BOCHUM, UNNA, LUENEN = "05913000", "05911000", "05978036", "05978024"


def test_only_municipalities_with_k_or_more_staff_are_kept_largest_first(postcode_table: PostcodeTable) -> None:
    uploads = [
        # Dortmund 3 + 4 over two postcodes = 7; Bochum 9; Unna 4 (below k); Lünen 5.
        ("a", ResidenceCounts.of({"44135": 3, "44139": 4, "44803": 9, "59423": 4, "44532": 5})),
        ("b", ResidenceCounts.of({"59423": 4})),  # nothing reaches k: no entry at all
    ]
    places = home_places(uploads, postcode_table, k=5)
    assert places.by_organisation == {"a": (BOCHUM, DORTMUND, LUENEN)}
    assert places.of("b") == ()
    assert places.names == {BOCHUM: "Bochum", DORTMUND: "Dortmund", LUENEN: "Lünen"}


def test_a_higher_k_keeps_fewer_places(postcode_table: PostcodeTable) -> None:
    uploads = [("a", ResidenceCounts.of({"44135": 3, "44139": 4, "44803": 9, "44532": 5}))]
    assert home_places(uploads, postcode_table, k=8).by_organisation == {"a": (BOCHUM,)}


def test_k_below_five_is_refused(postcode_table: PostcodeTable) -> None:
    with pytest.raises(ValueError, match="k: 3"):
        home_places([], postcode_table, k=3)


def test_every_postcode_knows_its_municipality_code(postcode_table: PostcodeTable) -> None:
    position = postcode_table.positions(["44135", "59423"])
    assert postcode_table.ags[position].tolist() == [DORTMUND, UNNA]


def test_postcodes_the_reference_cannot_place_are_left_out(postcode_table: PostcodeTable) -> None:
    """03139 and 03202 have no municipality in the reference (GeoNames-only postcodes)."""
    assert home_places([("a", ResidenceCounts.of({"03139": 9}))], postcode_table, k=5).by_organisation == {}
    mixed = home_places([("a", ResidenceCounts.of({"03139": 9, "03202": 6, "44803": 5}))], postcode_table, k=5)
    assert mixed.by_organisation == {"a": (BOCHUM,)}
