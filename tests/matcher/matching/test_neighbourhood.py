"""The collaborative signal: aggregate adoption among similar organisations nearby."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.index import OrganisationIndex
from matcher.matching.neighbourhood import neighbour_adoption
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings, MeasureSettings
from matcher.vectorise import fit_vectoriser


def _build(reference: ReferenceData, count: int, **fields: Any) -> list[Organisation]:
    builder = ProfileBuilder(reference, MatcherSettings())
    organisations = []
    for i in range(count):
        profile = {
            "kind": "company", "name": f"Nachbar {i}", "sector": "C", "employees": 50 + i,
            "lat": 51.53 + 0.001 * i, "lon": 7.44, "issues": ["parking_shortage"], "visible_to_peers": True,
        }  # fmt: skip
        profile.update(fields)
        organisations.append(builder.build(OrganisationProfile.model_validate(profile), f"n{i:02d}"))
    return organisations


def test_counts_adopters_among_similar_neighbours(reference: ReferenceData) -> None:
    users = _build(reference, 6, measures_in_place=["carpool_priority_parking"])
    others = _build(reference, 6)
    others = [o.model_copy(update={"id": f"o{i:02d}"}) for i, o in enumerate(others)]
    everyone = users + others
    vectoriser = fit_vectoriser(everyone, MatcherSettings().vectors)
    index = OrganisationIndex.build(everyone, vectoriser, reference.catalog)
    adoption = neighbour_adoption(users[0], index, vectoriser, MeasureSettings())
    assert adoption.neighbours == len(everyone) - 1  # never the organisation itself
    assert adoption.adopters == {"carpool_priority_parking": 5}
    assert 0 < adoption.weighted_share["carpool_priority_parking"] < 1


def test_no_signal_from_groups_smaller_than_the_minimum(reference: ReferenceData) -> None:
    organisations = _build(reference, 4, measures_in_place=["carpool_priority_parking"])
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    adoption = neighbour_adoption(organisations[0], index, vectoriser, MeasureSettings(min_neighbours=5))
    assert adoption.neighbours == 0
    assert adoption.adopters == {}


@pytest.mark.parametrize("count", [1, 3])
def test_respects_the_neighbour_count(reference: ReferenceData, count: int) -> None:
    organisations = _build(reference, 8, measures_in_place=["carpool_priority_parking"])
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    settings = MeasureSettings(neighbours_count=count, min_neighbours=1)
    adoption = neighbour_adoption(organisations[0], index, vectoriser, settings)
    assert adoption.neighbours == count
    assert adoption.adopters == {"carpool_priority_parking": count}


def test_organisations_not_visible_to_peers_do_not_count(reference: ReferenceData) -> None:
    hidden = _build(reference, 6, measures_in_place=["carpool_priority_parking"], visible_to_peers=False)
    shown = [o.model_copy(update={"id": f"v{i:02d}"}) for i, o in enumerate(_build(reference, 6))]
    everyone = hidden + shown
    vectoriser = fit_vectoriser(everyone, MatcherSettings().vectors)
    index = OrganisationIndex.build(everyone, vectoriser, reference.catalog)
    adoption = neighbour_adoption(hidden[0], index, vectoriser, MeasureSettings())
    assert adoption.neighbours == 6
    assert adoption.adopters == {}
