"""Clusters for planners on hand-built scenarios with known answers (Dortmund, Stuttgart, scattered noise)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from datetime import date
from typing import Any

import numpy as np
import pytest

from matcher.catalog import Catalog
from matcher.errors import InputError
from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.describe import draft_cluster, municipality_names, table_organisations
from matcher.planning.clusters.finding import (
    ClusterAnswer,
    ClusterOrder,
    RegionFilter,
    clusters_to_geojson,
    find_clusters,
)
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import ClusterSettings, MatcherSettings
from matcher.vectorise import fit_vectoriser
from matcher.vocabulary import ProblemCode, Sector

AS_OF = date(2026, 11, 23)
DORTMUND = (51.5300, 7.4400)  # near the harbour
STUTTGART = (48.8300, 9.1600)  # Feuerbach
BONN = (50.7100, 7.1300)  # Bonn-Beuel
PARKING = ProblemCode.PARKING_SHORTAGE

# Group A (Dortmund, 8 firms, 2 x 4 grid 0.15 km apart): parking shortage for all, poor transit access for 3.
A_IDS = [f"a{i}" for i in range(8)]
# Group B (Stuttgart, 6 firms): parking shortage for all, nothing transit-related.
B_IDS = [f"b{i}" for i in range(6)]
# Near A, other problem only: joins A without the problem filter.
NEAR_IDS = ["near0", "near1", "near2"]
# Scattered: parking shortage, each alone (tens of km apart).
NOISE = {"noise-bielefeld": (52.02, 8.53), "noise-muenster": (51.96, 7.63), "noise-bonn": (50.73, 7.10),
         "noise-aachen": (50.78, 6.08), "noise-esslingen": (48.74, 9.31)}  # fmt: skip


def _at(origin: tuple[float, float], east_km: float, north_km: float) -> tuple[float, float]:
    lat = origin[0] + north_km / 111.195
    return lat, origin[1] + east_km / (111.195 * math.cos(math.radians(origin[0])))


def _firm(builder: ProfileBuilder, organisation_id: str, point: tuple[float, float], **fields: Any) -> Organisation:
    data: dict[str, Any] = {
        "kind": "company",
        "name": organisation_id,
        "sector": "C",
        "employees": 100,
        "lat": point[0],
        "lon": point[1],
        "issues": [PARKING],
    }
    data.update(fields)
    return builder.build(OrganisationProfile.model_validate(data), organisation_id)


def _organisations(builder: ProfileBuilder) -> list[Organisation]:
    result = []
    for i, organisation_id in enumerate(A_IDS):
        point = _at(DORTMUND, 0.15 * (i % 4), 0.15 * (i // 4))
        issues = [PARKING, ProblemCode.POOR_TRANSIT_ACCESS] if i < 3 else [PARKING]
        kind = "craft_business" if i == 7 else "company"
        estate = "Gewerbegebiet Dortmund-Hafen" if i < 6 else None
        result.append(
            _firm(builder, organisation_id, point, issues=issues, employees=100 + 10 * i, kind=kind, estate=estate)
        )
    for i, organisation_id in enumerate(B_IDS):
        point = _at(STUTTGART, 0.1 * (i % 3), 0.1 * (i // 3))
        result.append(_firm(builder, organisation_id, point, employees=50, issues=[PARKING, ProblemCode.SHIFT_WORK]))
    for i, organisation_id in enumerate(NEAR_IDS):
        result.append(_firm(builder, organisation_id, _at(DORTMUND, 0.1 * i, 0.4), issues=[ProblemCode.FLEET_COSTS]))
    for organisation_id, point in NOISE.items():
        result.append(_firm(builder, organisation_id, point))
    # Territorial bodies are never clustered.
    town = {"kind": "municipality", "sector": None, "employees": 9000}
    result += [_firm(builder, f"town{i}", _at(DORTMUND, 0.05 * i, 0.1), **town) for i in range(6)]
    return result


@pytest.fixture(scope="module")
def organisations(builder: ProfileBuilder) -> list[Organisation]:
    return _organisations(builder)


def _index(organisations: list[Organisation], catalog: Catalog) -> OrganisationIndex:
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    return OrganisationIndex.build(organisations, vectoriser, catalog)


@pytest.fixture(scope="module")
def index(organisations: list[Organisation], catalog: Catalog) -> OrganisationIndex:
    return _index(organisations, catalog)


def _find(index: OrganisationIndex, reference: ReferenceData, **options: Any) -> ClusterAnswer:
    settings = options.pop("settings", MatcherSettings())
    return find_clusters(index, reference, settings, as_of=options.pop("as_of", AS_OF), **options)


def _member_sets(answer: ClusterAnswer) -> list[set[str]]:
    return [set(cluster.members) for cluster in answer.clusters]


def test_two_dense_groups_far_apart_are_the_two_clusters(index: OrganisationIndex, reference: ReferenceData) -> None:
    answer = _find(index, reference, problem=PARKING)
    assert sorted(_member_sets(answer), key=len) == [set(B_IDS), set(A_IDS)]
    assert answer.considered == len(A_IDS) + len(B_IDS) + len(NOISE)
    assert (answer.clustered, answer.noise) == (len(A_IDS) + len(B_IDS), len(NOISE))
    assert answer.parameters.problem is PARKING
    assert answer.parameters.problem_label == "Parkplatzmangel"
    defaults = ClusterSettings()
    assert (answer.parameters.eps_km, answer.parameters.min_members) == (defaults.eps_km, defaults.min_members)
    dortmund = next(c for c in answer.clusters if "a0" in c.members)
    assert dortmund.members == sorted(A_IDS)
    assert dortmund.size == 8
    assert dortmund.employees == dortmund.employees_affected == sum(100 + 10 * i for i in range(8))
    assert dortmund.name == "Cluster Dortmund-Hafen: Parkplatzmangel (8 Betriebe)"
    assert [(e.name, e.members) for e in dortmund.estates] == [("Gewerbegebiet Dortmund-Hafen", 6)]
    assert dortmund.members_outside_estates == 2
    assert [(m.ags, m.name, m.members) for m in dortmund.municipalities] == [("05913000", "Dortmund", 8)]
    assert 0.2 < dortmund.radius_km < 0.35  # grid corners are 0.23-0.24 km from the centroid
    assert abs(dortmund.centroid_lat - _at(DORTMUND, 0, 0.075)[0]) < 1e-4


def test_without_problem_filter_other_firms_join_and_shares_follow(
    index: OrganisationIndex, reference: ReferenceData
) -> None:
    answer = _find(index, reference)
    assert set(A_IDS + NEAR_IDS) in _member_sets(answer)
    assert set(B_IDS) in _member_sets(answer)
    assert answer.considered == len(A_IDS) + len(B_IDS) + len(NEAR_IDS) + len(NOISE)
    dortmund = next(c for c in answer.clusters if "a0" in c.members)
    shares = [(p.code, p.members, p.share) for p in dortmund.dominant_problems]
    assert shares == [
        (PARKING, 8, round(8 / 11, 4)),
        (ProblemCode.POOR_TRANSIT_ACCESS, 3, round(3 / 11, 4)),  # ties (3 each) in vocabulary order
        (ProblemCode.FLEET_COSTS, 3, round(3 / 11, 4)),
    ]
    assert dortmund.employees == sum(100 + 10 * i for i in range(8)) + 300
    assert dortmund.employees_affected == sum(100 + 10 * i for i in range(8))
    assert "73 % teilen Parkplatzmangel" in [r.text for r in dortmund.reasons]
    assert dortmund.name == "Cluster Dortmund-Hafen: Parkplatzmangel (11 Betriebe)"  # the estate holds 6 of 11
    stuttgart = next(c for c in answer.clusters if "b0" in c.members)
    assert stuttgart.name == "Cluster Stuttgart: Parkplatzmangel (6 Betriebe)"  # no estate: the municipality


def test_region_filters(index: OrganisationIndex, reference: ReferenceData) -> None:
    kreis = _find(index, reference, problem=PARKING, region=RegionFilter(kreis="05913"))
    assert _member_sets(kreis) == [set(A_IDS)]
    assert kreis.considered == len(A_IDS)
    state = _find(index, reference, problem=PARKING, region=RegionFilter(state="DE-BW"))
    assert _member_sets(state) == [set(B_IDS)]
    assert state.considered == len(B_IDS) + 1
    box = _find(index, reference, problem=PARKING, region=RegionFilter(bbox=(7.3, 51.45, 7.6, 51.6)))
    assert _member_sets(box) == [set(A_IDS)]
    assert box.parameters.region == RegionFilter(bbox=(7.3, 51.45, 7.6, 51.6))
    both = _find(index, reference, region=RegionFilter(state="DE-NW", bbox=(9.0, 48.7, 9.4, 48.9)))
    assert both.clusters == []
    assert both.considered == 0


def test_argument_errors_name_the_argument(index: OrganisationIndex, reference: ReferenceData) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"region": RegionFilter(kreis="05999")}, "region.kreis"),
        ({"eps_km": 0.0}, "eps_km"),
        ({"eps_km": 25.0}, "eps_km"),
        ({"min_members": 1}, "min_members"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
    ]
    for options, field in cases:
        with pytest.raises(InputError) as caught:
            _find(index, reference, **options)
        assert caught.value.field == field
    with pytest.raises(InputError, match="höchstens 20"):
        _find(index, reference, eps_km=25.0)


def test_min_members_and_eps(index: OrganisationIndex, reference: ReferenceData) -> None:
    assert _member_sets(_find(index, reference, problem=PARKING, min_members=7)) == [set(A_IDS)]
    assert _find(index, reference, problem=PARKING, min_members=9).clusters == []
    # A's grid points are 0.15 km apart, B's 0.1 km: with eps 0.12 km only B stays dense; of A, the six firms
    # naming the estate Dortmund-Hafen are still a cluster by their estate (the two outside it are not).
    sparse = _find(index, reference, problem=PARKING, eps_km=0.12, min_members=3)
    assert sorted(_member_sets(sparse), key=sorted) == [set(A_IDS[:6]), set(B_IDS)]
    assert _find(index, reference, problem=PARKING, eps_km=0.05, min_members=7).clusters == []
    # A wide eps (20 km) takes in the firm in Esslingen, 13 km from group B; the others are further apart.
    wide = _find(index, reference, problem=PARKING, eps_km=20.0)
    assert sorted(_member_sets(wide), key=len) == [{*B_IDS, "noise-esslingen"}, set(A_IDS)]


def test_ids_are_stable_and_independent_of_input_order(
    organisations: list[Organisation], index: OrganisationIndex, catalog: Catalog, reference: ReferenceData
) -> None:
    first = _find(index, reference, problem=PARKING)
    again = _find(index, reference, problem=PARKING)
    shuffled = list(reversed(organisations))
    shuffled = shuffled[1::2] + shuffled[::2]
    other = _find(_index(shuffled, catalog), reference, problem=PARKING)
    assert first == again
    assert [(c.id, c.members, c.score) for c in first.clusters] == [(c.id, c.members, c.score) for c in other.clusters]
    for cluster in first.clusters:
        digest = hashlib.sha1("\n".join(sorted(cluster.members)).encode("utf-8")).hexdigest()[:12]
        assert cluster.id == "cl-" + digest


def test_score_reasons_add_up_and_ranking(index: OrganisationIndex, reference: ReferenceData) -> None:
    settings = MatcherSettings()
    weights = settings.clusters.weights
    for answer in (_find(index, reference), _find(index, reference, problem=PARKING)):
        assert [c.id for c in answer.clusters] == [
            c.id for c in sorted(answer.clusters, key=lambda c: (-c.score, c.id))
        ]
        for cluster in answer.clusters:
            assert 0 <= cluster.score <= 1
            assert cluster.score == round(sum(r.weight for r in cluster.reasons), 4)
    dortmund = next(c for c in _find(index, reference, problem=PARKING).clusters if "a0" in c.members)
    by_code = {r.code: r for r in dortmund.reasons}
    assert by_code["members"].text == "8 Betriebe im Cluster"
    assert by_code["members"].weight == round(weights.members * math.log1p(8) / math.log1p(50), 4)
    assert by_code["employees_affected"].text == "1.080 Beschäftigte betroffen"
    assert by_code["concentration"].text == "100 % teilen Parkplatzmangel"
    assert by_code["concentration"].weight == weights.concentration


def test_suggested_measures_are_joint_and_address_a_dominant_problem(
    index: OrganisationIndex, reference: ReferenceData, catalog: Catalog
) -> None:
    for cluster in _find(index, reference).clusters:
        dominant = {p.code for p in cluster.dominant_problems}
        assert cluster.suggested_measures
        assert len(cluster.suggested_measures) <= MatcherSettings().clusters.suggested_measures
        shares = [m.load_share for m in cluster.suggested_measures]
        assert shares == sorted(shares, reverse=True)
        for measure in cluster.suggested_measures:
            assert catalog.measures[measure.id].joint_with_neighbours
            assert dominant & set(catalog.measures[measure.id].addresses)
            assert set(measure.addresses) <= set(catalog.measures[measure.id].addresses)
            assert 0 < measure.members_addressed <= cluster.size


def test_at_the_table_in_dortmund_and_stuttgart(index: OrganisationIndex, reference: ReferenceData) -> None:
    answer = _find(index, reference, problem=PARKING)
    dortmund = next(c for c in answer.clusters if "a0" in c.members)
    seats = {seat.id: seat for seat in dortmund.at_the_table}
    assert dortmund.at_the_table[0].id == "05913000"
    assert seats["05913000"].role == "municipality"
    assert seats["05913000"].name == "Dortmund"
    assert seats["ihk_dortmund"].role == "responsible_chamber"
    assert seats["ihk_dortmund"].reason == "zuständige Kammer für 7 Unternehmen im Cluster"
    assert seats["hwk_dortmund"].reason == "zuständige Kammer für 1 Handwerksbetrieb im Cluster"
    assert seats["znm_ks_rhein_ruhr"].role == "municipal_network"
    assert seats["vrr"].role == "transit_authority"  # poor transit access is among the dominant problems
    stuttgart = next(c for c in answer.clusters if "b0" in c.members)
    ids = [seat.id for seat in stuttgart.at_the_table]
    assert ids[0] == "08111000"
    assert "ihk_region_stuttgart" in ids
    assert "wrs" in ids
    assert "hwk_region_stuttgart" not in ids  # no craft business among the members
    assert "vvs" not in ids  # no transit problem among the dominant ones


def test_funding_is_available_for_suggested_measures_and_never_of_another_land(
    index: OrganisationIndex, reference: ReferenceData, catalog: Catalog
) -> None:
    for as_of in (AS_OF, date(2026, 3, 1), date(2024, 1, 15)):
        for cluster in _find(index, reference, as_of=as_of).clusters:
            state = "DE-NW" if "a0" in cluster.members else "DE-BW"
            suggested = [m.id for m in cluster.suggested_measures]
            assert cluster.funding or as_of != AS_OF
            for item in cluster.funding:
                programme = catalog.funding[item.id]
                assert not programme.states or programme.states == [state], (item.id, state)
                assert item.funds_measures
                assert set(item.funds_measures) <= set(suggested)
                assert item.applicants
                assert programme.status != "closed" or as_of < programme.checked_on
    nrw_only = {p.id for p in catalog.funding.values() if p.states == ["DE-NW"]}
    stuttgart = next(c for c in _find(index, reference).clusters if "b0" in c.members)
    assert not {item.id for item in stuttgart.funding} & nrw_only


def test_geojson_shape_without_members_by_default(index: OrganisationIndex, reference: ReferenceData) -> None:
    answer = _find(index, reference, problem=PARKING)
    collection = clusters_to_geojson(answer)
    json.dumps(collection)  # serialisable
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == len(answer.clusters)
    for rank, (feature, cluster) in enumerate(zip(collection["features"], answer.clusters, strict=True), start=1):
        assert feature["type"] == "Feature"
        assert feature["id"] == cluster.id
        geometry = feature["geometry"]
        assert geometry["type"] == "Polygon"
        ring = geometry["coordinates"][0]
        assert len(ring) >= 4
        assert ring[0] == ring[-1]
        assert all(5.8 < lon < 15.1 and 47.2 < lat < 55.1 for lon, lat in ring)
        signed_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring))
        assert signed_area > 0  # counter-clockwise exterior ring (RFC 7946)
        properties = feature["properties"]
        assert "members" not in properties
        assert "hull" not in properties
        assert properties["rank"] == rank
        assert properties["size"] == cluster.size
    with_members = clusters_to_geojson(answer, include_members=True)
    assert with_members["features"][0]["properties"]["members"] == answer.clusters[0].members


def test_fewer_than_three_distinct_points_give_no_hull(
    builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData
) -> None:
    same_place = [_firm(builder, f"same{i}", DORTMUND) for i in range(5)]
    answer = _find(_index(same_place, catalog), reference)
    (cluster,) = answer.clusters
    assert cluster.hull is None
    assert cluster.radius_km == 0.0
    (feature,) = clusters_to_geojson(answer)["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [cluster.centroid_lon, cluster.centroid_lat]}


def test_limit_keeps_the_best_and_the_counts(index: OrganisationIndex, reference: ReferenceData) -> None:
    full = _find(index, reference, problem=PARKING)
    top = _find(index, reference, problem=PARKING, limit=1)
    assert top.clusters == full.clusters[:1]
    assert (top.considered, top.clustered, top.noise) == (full.considered, full.clustered, full.noise)
    assert (full.total, full.returned, full.offset, full.limit) == (2, 2, 0, None)
    assert (top.total, top.returned, top.offset, top.limit) == (2, 1, 0, 1)


def test_pages_of_one_add_up_to_the_whole_answer(index: OrganisationIndex, reference: ReferenceData) -> None:
    full = _find(index, reference, problem=PARKING)
    pages = [_find(index, reference, problem=PARKING, offset=offset, limit=1) for offset in range(full.total)]
    assert [cluster for page in pages for cluster in page.clusters] == full.clusters
    assert {page.total for page in pages} == {full.total}
    second = clusters_to_geojson(pages[1])
    assert [feature["properties"]["rank"] for feature in second["features"]] == [2]
    assert (second["total"], second["returned"], second["offset"], second["limit"]) == (2, 1, 1, 1)
    beyond = _find(index, reference, problem=PARKING, offset=full.total)
    assert (beyond.clusters, beyond.total, beyond.returned) == ([], full.total, 0)


def _few_big_and_many_small(builder: ProfileBuilder, catalog: Catalog) -> OrganisationIndex:
    """Dortmund: 12 firms of 10 employees; Stuttgart: 5 firms of 500; Bonn: 5 firms of 40 (all with parking
    shortage). Dortmund is the largest, Stuttgart has the most affected employees and the highest score, Bonn
    is as large as Stuttgart with the lowest score."""
    small = [_firm(builder, f"small{i}", _at(DORTMUND, 0.1 * (i % 4), 0.1 * (i // 4)), employees=10) for i in range(12)]
    big = [_firm(builder, f"big{i}", _at(STUTTGART, 0.1 * i, 0.0), employees=500) for i in range(5)]
    bonn = [_firm(builder, f"bonn{i}", _at(BONN, 0.1 * i, 0.0), employees=40) for i in range(5)]
    return _index(small + big + bonn, catalog)


def test_orders_by_score_size_and_affected_employees(
    builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData
) -> None:
    index = _few_big_and_many_small(builder, catalog)
    by_score = _find(index, reference)
    by_size = _find(index, reference, order=ClusterOrder.SIZE)
    by_affected = _find(index, reference, order=ClusterOrder.EMPLOYEES_AFFECTED)
    stuttgart, dortmund, bonn = by_score.clusters
    sizes = [(c.size, c.employees_affected) for c in (stuttgart, dortmund, bonn)]
    assert sizes == [(5, 2500), (12, 120), (5, 200)]
    assert stuttgart.score > dortmund.score > bonn.score
    # Size first; Stuttgart and Bonn are equally large, so the higher score comes first.
    assert [c.id for c in by_size.clusters] == [dortmund.id, stuttgart.id, bonn.id]
    assert [c.id for c in by_affected.clusters] == [stuttgart.id, bonn.id, dortmund.id]
    assert [c.id for c in _find(index, reference, order=ClusterOrder.SIZE, offset=1, limit=1).clusters] == [
        stuttgart.id
    ]
    # The answer says its order; names and scores do not depend on it.
    assert (by_score.parameters.order, by_size.parameters.order) == (ClusterOrder.SCORE, ClusterOrder.SIZE)
    assert by_size.parameters.order_text.startswith("nach Zahl der Betriebe absteigend")
    assert by_score.parameters.order_text.startswith("nach Relevanz absteigend")
    assert {(c.id, c.name, c.score) for c in by_size.clusters} == {(c.id, c.name, c.score) for c in by_score.clusters}


def test_table_falls_back_to_the_member_nearest_to_a_centroid_abroad(
    index: OrganisationIndex, reference: ReferenceData
) -> None:
    settings = MatcherSettings()
    members = np.array([index.position[i] for i in sorted(A_IDS)], dtype=np.int64)
    draft = draft_cluster(index, municipality_names(reference), members, PARKING, settings.clusters)
    abroad = dataclasses.replace(draft, centroid=(52.09, 5.12))  # Utrecht
    (table,) = table_organisations(index, reference, settings, [abroad])
    assert table is not None
    assert table.location.municipality_ags == "05913000"
    nearest = draft.nearest_member
    assert (table.location.lat, table.location.lon) == (index.lat[nearest], index.lon[nearest])


def test_members_of_another_or_an_unknown_sector_are_not_counted_for_a_sector_limited_programme(
    builder: ProfileBuilder, reference: ReferenceData
) -> None:
    # FöRi-MM limited to sector C for the test (the shipped catalogue limits no programme to sectors).
    programme = reference.catalog.funding["nrw_foeri_mm"]
    sources = {**programme.conditions.sources, "sectors": "Testannahme"}
    limited = programme.model_copy(
        update={"conditions": programme.conditions.model_copy(update={"sectors": [Sector.C], "sources": sources})}
    )
    catalog = reference.catalog.model_copy(update={"funding": {**reference.catalog.funding, limited.id: limited}})
    changed = {"a0": None, "a1": Sector.G, "near0": None}  # companies of unknown and of another sector
    organisations = [
        o.model_copy(update={"sector": changed[o.id]}) if o.id in changed else o for o in _organisations(builder)
    ]
    answer = _find(_index(organisations, catalog), dataclasses.replace(reference, catalog=catalog))
    cluster = next(c for c in answer.clusters if "a0" in c.members)
    funding = next(f for f in cluster.funding if f.id == "nrw_foeri_mm")
    counted = {a.kind.value: a.eligible_members for a in funding.applicants}
    assert counted == {"municipality": None, "company": 10 - 3, "craft_business": 1}
