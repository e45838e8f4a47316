"""Planted truth for estates sparser than eps (issue 11.4: shift work in Kreis Unna gave no cluster at the defaults)
and for the answer that says why nothing was found. Firms at real places in the Kreis Unna."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pytest

from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.finding import ClusterAnswer, RegionFilter, find_clusters
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from matcher.vocabulary import ProblemCode

AS_OF = date(2026, 12, 6)
SHIFT = ProblemCode.SHIFT_WORK
KAMEN = (51.5849, 7.6473)  # Kamen, Kreis Unna
UNNA = RegionFilter(kreis="05978")


def _at(origin: tuple[float, float], east_km: float, north_km: float) -> tuple[float, float]:
    lat = origin[0] + north_km / 111.195
    return lat, origin[1] + east_km / (111.195 * math.cos(math.radians(origin[0])))


def _build(builder: ProfileBuilder, firms: Mapping[str, tuple[tuple[float, float], str | None]]) -> list[Organisation]:
    result = []
    for organisation_id, (point, estate) in firms.items():
        profile = OrganisationProfile.model_validate(
            {
                "kind": "company", "name": organisation_id, "sector": "C", "employees": 120, "lat": point[0],
                "lon": point[1], "issues": [SHIFT, ProblemCode.TRANSIT_SCHEDULE_MISMATCH], "estate": estate,
                "shift_work": True,
            }
        )  # fmt: skip
        result.append(builder.build(profile, organisation_id))
    return result


def _find(organisations: list[Organisation], reference: ReferenceData, **options: Any) -> ClusterAnswer:
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    return find_clusters(index, reference, MatcherSettings(), as_of=AS_OF, region=UNNA, problem=SHIFT, **options)


@pytest.mark.parametrize("seed", range(4))
def test_an_estate_sparser_than_eps_is_one_cluster_of_exactly_its_firms(
    builder: ProfileBuilder, reference: ReferenceData, seed: int
) -> None:
    # Planted: 5-9 shift plants on one estate of radius 1 km, every pair more than eps (0.5 km) apart, so that
    # DBSCAN alone finds no core firm; 3 plants on a second estate (below min_members); 1 firm naming the first
    # estate 3 km from the others (not the same estate); scattered plants without an estate 2 km apart.
    rng = np.random.default_rng(seed)
    count = int(rng.integers(5, 10))
    points: list[tuple[float, float]] = []
    while len(points) < count:
        radius, angle = 1.0 * math.sqrt(rng.uniform()), rng.uniform(0, 2 * math.pi)
        point = (radius * math.cos(angle), radius * math.sin(angle))
        if all(math.dist(point, other) > 0.55 for other in points):
            points.append(point)
    estate = "Gewerbegebiet Kamen-Südwest"
    firms: dict[str, tuple[tuple[float, float], str | None]] = {
        f"plant{i}": (_at(KAMEN, *xy), estate) for i, xy in enumerate(points)
    }
    firms |= {f"small{i}": (_at(KAMEN, 3.0 + 0.7 * i, -1.0), "Gewerbegebiet Kamen-Ost") for i in range(3)}
    firms["far-namesake"] = (_at(KAMEN, 0.0, 3.0), estate.upper())
    firms |= {f"lone{i}": (_at(KAMEN, -4.0 + 2.0 * i, -3.0), None) for i in range(4)}
    answer = _find(_build(builder, firms), reference)
    assert [set(c.members) for c in answer.clusters] == [{f"plant{i}" for i in range(count)}]
    assert answer.clusters[0].name.startswith("Cluster Kamen-Südwest: Schichtarbeit")
    assert answer.note is None
    # DBSCAN alone (no estate names) finds nothing there: the estate is what makes it a cluster.
    anonymous = {key: (point, None) for key, (point, _) in firms.items()}
    assert _find(_build(builder, anonymous), reference).clusters == []


def test_where_dbscan_found_part_of_an_estate_its_scattered_firms_are_not_pulled_in(
    builder: ProfileBuilder, reference: ReferenceData
) -> None:
    # Five plants within 100 m (dense at eps 0.5 km) and four more of the same estate 1-1.3 km away, each alone:
    # DBSCAN's answer stands for an estate it found; eps keeps its meaning there.
    estate = "Gewerbegebiet Kamen-Südwest"
    firms: dict[str, tuple[tuple[float, float], str | None]] = {
        f"dense{i}": (_at(KAMEN, 0.05 * i, 0.0), estate) for i in range(5)
    }
    firms |= {f"far{i}": (_at(KAMEN, 1.0 + 0.1 * i, 0.6 * i), estate) for i in range(4)}
    answer = _find(_build(builder, firms), reference)
    assert [set(c.members) for c in answer.clusters] == [{f"dense{i}" for i in range(5)}]


def test_when_nothing_is_found_the_answer_says_why_and_what_would_find_something(
    builder: ProfileBuilder, reference: ReferenceData
) -> None:
    # Eight plants 0.88 km apart on a line through Kamen, no estate.
    firms: dict[str, tuple[tuple[float, float], str | None]] = {
        f"plant{i}": (_at(KAMEN, 0.88 * i - 3.0, 0.0), None) for i in range(8)
    }
    organisations = _build(builder, firms)
    answer = _find(organisations, reference)
    assert answer.clusters == []
    assert answer.parameters.region_label == "Kreis Unna"
    assert answer.note is not None
    assert answer.note.startswith("Kein Cluster: 8 Arbeitgeber mit „Schichtarbeit“ in der Auswahl, aber nirgends 5")
    assert "(dichteste Stelle: 1)" in answer.note  # 1 is no minimum size: only a wider eps is suggested
    assert "Mindestgröße" not in answer.note
    match = re.search(r"Nachbarschaft \(eps\) von (\d+),(\d) km", answer.note)
    assert match is not None
    eps = float(f"{match.group(1)}.{match.group(2)}")
    assert eps == pytest.approx(1.8)  # two neighbours on each side of a middle plant: 2 x 0.88 km, rounded up
    assert _find(organisations, reference, eps_km=eps).clusters  # the suggestion does find a cluster
    few = _find(organisations[:3], reference)
    assert few.note is not None
    assert few.note.startswith("Kein Cluster: nur 3 Arbeitgeber")


def test_region_label_names_a_kreisfreie_stadt_as_such(builder: ProfileBuilder, reference: ReferenceData) -> None:
    organisations = _build(builder, {f"plant{i}": (_at(KAMEN, i, 0.0), None) for i in range(3)})
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    labels = {
        kreis: find_clusters(
            index, reference, MatcherSettings(), as_of=AS_OF, region=RegionFilter(kreis=kreis)
        ).parameters.region_label
        for kreis in ("05913", "05978", "08111", "05334")
    }
    assert labels == {
        "05913": "Stadt Dortmund (kreisfreie Stadt)",
        "05978": "Kreis Unna",
        "08111": "Stadt Stuttgart (Stadtkreis)",
        "05334": "Städteregion Aachen",
    }
