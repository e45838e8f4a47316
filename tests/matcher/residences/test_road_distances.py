"""Road distances from a routing engine replace the detour-factor estimate where given; assumptions say which."""

from __future__ import annotations

import pytest
from geopy.distance import great_circle

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import Site, analyse
from matcher.residences.distances import PostcodeTable, RoadDistances
from matcher.residences.pooling import Member, pooled_analysis
from matcher.transit.model import TransitClass

SITE = Site(lat=51.51390, lon=7.47727, transit_class=TransitClass.A)  # centroid of 44135, Dortmund
HOMES = ResidenceCounts.of({"44135": 6, "44139": 7, "44803": 8})  # Bochum: 15.7 km × 1.3, beyond pedelec range
BOCHUM = (51.46914, 7.26188)  # centroid of 44803
ROUTED = {"44135": 0.4, "44139": 3.1, "44803": 14.2}  # planted road distances: Bochum now within 15 km


def _origin_km(result: dict[str, object]) -> dict[str, float]:
    return {o["postcode"]: o["distance_km"] for o in result["origins"]}  # type: ignore[attr-defined]


def test_without_an_engine_the_method_is_the_detour_factor(postcode_table: PostcodeTable) -> None:
    result = analyse(HOMES, SITE, postcode_table)
    assert result["assumptions"]["distance_method"] == "Luftlinie × 1,3"
    assert result["assumptions"]["distance_note"] is None
    assert _origin_km(result)["44803"] == pytest.approx(great_circle(BOCHUM, (SITE.lat, SITE.lon)).km * 1.3, abs=0.05)
    assert result["potentials"]["pedelec"]["count"] == 13


def test_road_distances_replace_the_estimate_and_move_potentials(postcode_table: PostcodeTable) -> None:
    road = RoadDistances(source="OSRM, osrm.example.org", km=ROUTED)
    result = analyse(HOMES, SITE, postcode_table, road=road)
    assert result["assumptions"]["distance_method"] == "Straßennetz (OSRM, osrm.example.org)"
    assert result["assumptions"]["distance_note"] is None
    assert _origin_km(result) == {"44135": 0.4, "44139": 3.1, "44803": 14.2}
    assert result["potentials"]["pedelec"]["count"] == 21  # Bochum's 8 join: 14.2 km ≤ 15 km
    assert result["potentials"]["carpool"]["count"] == 0  # nobody lives beyond pedelec range any more
    bands = {(b["from_km"], b["to_km"]): b["count"] for b in result["bands"]}
    assert bands[(10.0, 15.0)] == 8
    assert bands[(15.0, 25.0)] == 0


def test_postcodes_without_a_route_keep_the_estimate_and_the_method_says_so(postcode_table: PostcodeTable) -> None:
    road = RoadDistances(source="Valhalla, localhost", km={"44135": 0.4, "44139": 3.1})  # no route for 44803
    result = analyse(HOMES, SITE, postcode_table, road=road)
    assert (
        result["assumptions"]["distance_method"] == "Straßennetz (Valhalla, localhost); PLZ ohne Route: Luftlinie × 1,3"
    )
    km = _origin_km(result)
    assert km["44139"] == 3.1
    assert km["44803"] == _origin_km(analyse(HOMES, SITE, postcode_table))["44803"]


def test_a_failed_engine_falls_back_entirely_with_its_reason(postcode_table: PostcodeTable) -> None:
    failure = "Routing-Dienst (OSRM, localhost) nicht erreichbar: Zeitüberschreitung; Entfernungen geschätzt"
    road = RoadDistances(source="OSRM, localhost", km={}, failure=failure)
    result = analyse(HOMES, SITE, postcode_table, road=road)
    plain = analyse(HOMES, SITE, postcode_table)
    assert result["assumptions"]["distance_method"] == "Luftlinie × 1,3"
    assert result["assumptions"]["distance_note"] == failure
    assert {key: value for key, value in result.items() if key != "assumptions"} == {
        key: value for key, value in plain.items() if key != "assumptions"
    }


def test_negative_or_missing_values_from_an_engine_are_not_trusted(postcode_table: PostcodeTable) -> None:
    road = RoadDistances(source="OSRM, localhost", km={"44135": -1.0, "44139": float("nan"), "44803": 14.2})
    result = analyse(HOMES, SITE, postcode_table, road=road)
    assert "PLZ ohne Route" in result["assumptions"]["distance_method"]
    assert _origin_km(result)["44135"] == 0.0


def test_pooled_analysis_uses_the_road_distances_too(postcode_table: PostcodeTable) -> None:
    members = [
        Member("a", ResidenceCounts.of({"44803": 4, "44135": 5}), consented=True),
        Member("b", ResidenceCounts.of({"44803": 4, "44139": 7}), consented=True),
    ]
    road = RoadDistances(source="OSRM, osrm.example.org", km=ROUTED)
    result = pooled_analysis(members, SITE, postcode_table, road=road)
    assert result["assumptions"]["distance_method"] == "Straßennetz (OSRM, osrm.example.org)"
    assert {c["postcode"]: c["distance_km"] for c in result["cross_firm"]} == {"44803": 14.2}
    assert result["potentials"]["pedelec"]["count"] == 20
