"""Planning cases an advisor would insist on: an estate is one cluster, names are unique, Kreise named right."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from matcher.catalog import Catalog
from matcher.geo.naming import kreis_label, kreis_types, place_label
from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.finding import ClusterAnswer, find_clusters
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from matcher.vocabulary import ProblemCode

AS_OF = date(2026, 11, 23)
BERGKAMEN = (51.6160, 7.6350)
POOR = ProblemCode.POOR_TRANSIT_ACCESS


def _at(origin: tuple[float, float], east_km: float, north_km: float) -> tuple[float, float]:
    lat = origin[0] + north_km / 111.195
    return lat, origin[1] + east_km / (111.195 * math.cos(math.radians(origin[0])))


def _group(builder: ProfileBuilder, prefix: str, east_km: float, estate: str | None) -> list[Organisation]:
    result = []
    for i in range(5):  # five firms 150 m apart: one DBSCAN cluster at the defaults (eps 0.5 km, 5 members)
        lat, lon = _at(BERGKAMEN, east_km + 0.15 * i, 0.0)
        data: dict[str, Any] = {"kind": "company", "name": f"{prefix}{i}", "sector": "C", "employees": 100,
                                "lat": lat, "lon": lon, "issues": [POOR], "estate": estate}  # fmt: skip
        result.append(builder.build(OrganisationProfile.model_validate(data), f"{prefix}{i}"))
    return result


def _answer(organisations: list[Organisation], catalog: Catalog, reference: ReferenceData) -> ClusterAnswer:
    index = OrganisationIndex.build(organisations, fit_vectoriser(organisations, MatcherSettings().vectors), catalog)
    return find_clusters(index, reference, MatcherSettings(), as_of=AS_OF)


def test_an_estate_wider_than_the_radius_is_one_cluster(
    builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData
) -> None:
    firms = _group(builder, "w", 0.0, "Gewerbegebiet Rünthe") + _group(builder, "e", 2.0, "Gewerbegebiet Rünthe")
    answer = _answer(firms, catalog, reference)
    assert [c.size for c in answer.clusters] == [10]
    assert answer.clusters[0].name == "Cluster Rünthe: schlechte ÖPNV-Anbindung (10 Betriebe)"


def test_merging_does_not_depend_on_the_order_of_the_input(
    builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData
) -> None:
    firms = _group(builder, "w", 0.0, "Gewerbegebiet Rünthe") + _group(builder, "e", 2.0, "gewerbegebiet  rünthe")
    forward, backward = _answer(firms, catalog, reference), _answer(firms[::-1], catalog, reference)
    assert [(c.id, c.members, c.name) for c in forward.clusters] == [
        (c.id, c.members, c.name) for c in backward.clusters
    ]


def test_groups_without_a_shared_estate_stay_apart_with_unique_names(
    builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData
) -> None:
    firms = _group(builder, "w", 0.0, None) + _group(builder, "e", 2.0, None)
    answer = _answer(firms, catalog, reference)
    assert [c.size for c in answer.clusters] == [5, 5]
    names = [c.name for c in answer.clusters]
    assert len(set(names)) == 2, names
    assert names[1].startswith("Cluster Bergkamen (2): ")


def test_two_estates_keep_their_own_names(builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData) -> None:
    firms = _group(builder, "w", 0.0, "Gewerbegebiet Rünthe") + _group(builder, "e", 2.0, "Gewerbegebiet Overberge")
    names = sorted(c.name for c in _answer(firms, catalog, reference).clusters)
    assert names == [
        "Cluster Overberge: schlechte ÖPNV-Anbindung (5 Betriebe)",
        "Cluster Rünthe: schlechte ÖPNV-Anbindung (5 Betriebe)",
    ]


def test_kreisfreie_stadt_is_a_city_not_a_kreis(reference: ReferenceData) -> None:
    types = kreis_types(reference.geo.kreise)
    assert kreis_label("Dortmund", types["05913"]) == "Stadt Dortmund (kreisfreie Stadt)"
    assert place_label("Dortmund", "Dortmund", types["05913"]) == "Stadt Dortmund (kreisfreie Stadt)"
    assert place_label("Bergkamen", "Unna", types["05978"]) == "Bergkamen, Kreis Unna"


def test_clusters_are_in_score_order(builder: ProfileBuilder, catalog: Catalog, reference: ReferenceData) -> None:
    firms = _group(builder, "w", 0.0, None) + _group(builder, "e", 2.0, None) + _group(builder, "x", 4.0, "GE X")
    scores = [c.score for c in _answer(firms, catalog, reference).clusters]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) == 3
