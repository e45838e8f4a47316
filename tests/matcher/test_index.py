"""The index's nearest-neighbour search against brute force, with many rows exactly as far (ties by id); where
a query point is."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.geo.distance import chord_to_km, to_unit_vectors
from matcher.index import OrganisationIndex
from matcher.models import Organisation, OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import PROBLEMS, fit_vectoriser

# Few spots, many organisations on each: every answer's last place is tied with rows outside it, or is not.
SPOTS = [(51.5136, 7.4653), (51.5140, 7.4660), (51.5200, 7.4700), (51.5300, 7.4500), (51.6000, 7.3000)]


# The problems reported: everybody parking_shortage, some one or two more (per-problem trees of different sizes).
MORE_ISSUES = [[], [], ["shift_work"], ["congestion"], ["shift_work", "congestion"]]


def _organisations(reference: ReferenceData) -> list[Organisation]:
    builder = ProfileBuilder(reference, MatcherSettings())
    rng = np.random.default_rng(7)
    organisations = []
    for n, spot in enumerate(rng.integers(0, len(SPOTS), size=40).tolist()):
        lat, lon = SPOTS[spot]
        profile = {
            "kind": "company", "name": f"Betrieb {n}", "sector": "C", "employees": 20 + n, "lat": lat, "lon": lon,
            "issues": ["parking_shortage", *MORE_ISSUES[n % len(MORE_ISSUES)]], "visible_to_peers": n % 3 != 0,
        }  # fmt: skip
        organisations.append(builder.build(OrganisationProfile.model_validate(profile), f"b{(n * 17) % 40:02d}"))
    return organisations


def _brute_force(
    index: OrganisationIndex,
    xyz: np.ndarray,
    radius_km: float,
    limit: int,
    visible_only: bool,
    problem: int | None = None,
) -> list[tuple[float, str]]:
    live = index.live_positions()
    if visible_only:
        live = live[index.visible[live]]
    if problem is not None:
        live = live[index.issues[live, problem]]
    distance = chord_to_km(np.linalg.norm(index.xyz[live] - xyz, axis=1))
    rows = sorted((float(d), str(index.ids[p])) for p, d in zip(live.tolist(), distance.tolist(), strict=True))
    return [row for row in rows if row[0] <= radius_km][:limit]


@pytest.mark.parametrize("limit", [1, 3, 7, 8, 12, 25, 39, 40, 41])
def test_nearest_rows_are_those_of_brute_force_ties_by_id(reference: ReferenceData, limit: int) -> None:
    organisations = _organisations(reference)
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    # Dead rows in the trees too: two organisations removed, one written again (appended).
    changed = index.updated(["b03", "b11"], [organisations[5]], vectoriser)
    for searched in (index, changed):
        for organisation in organisations[:6]:
            query = searched.query_point(organisation, vectoriser)
            for visible_only in (False, True):
                for radius_km in (0.1, 5.0, 50.0):
                    found = searched.nearby(query.group, query.xyz, radius_km, limit, visible_only=visible_only)
                    answer = [
                        (float(d), str(searched.ids[p]))
                        for p, d in zip(found.positions.tolist(), found.distance_km.tolist(), strict=True)
                    ]
                    assert answer == _brute_force(searched, query.xyz, radius_km, limit, visible_only)


@pytest.mark.parametrize(("nearest", "per_problem"), [(1, 1), (3, 2), (8, 5), (12, 12), (41, 3)])
def test_peer_candidates_are_the_union_of_brute_force_searches(
    reference: ReferenceData, nearest: int, per_problem: int
) -> None:
    """The nearest of the group and the nearest reporting each of my problems, nearest first, ties by id: on a
    fresh index (the trees' answers taken as they are) and on one with dead and appended rows."""
    organisations = _organisations(reference)
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    changed = index.updated(["b03", "b11"], [organisations[5]], vectoriser)
    for searched in (index, changed):
        for organisation in organisations[:10]:
            query = searched.query_point(organisation, vectoriser)
            for visible_only in (False, True):
                for radius_km in (0.1, 5.0, 50.0):
                    found = searched.peer_candidates(
                        query, radius_km, nearest, per_problem, len(PROBLEMS), visible_only=visible_only
                    )
                    answer = [
                        (float(d), str(searched.ids[p]))
                        for p, d in zip(found.positions.tolist(), found.distance_km.tolist(), strict=True)
                    ]
                    expected = set(_brute_force(searched, query.xyz, radius_km, nearest, visible_only))
                    for problem in np.flatnonzero(query.issues).tolist():
                        expected |= set(
                            _brute_force(searched, query.xyz, radius_km, per_problem, visible_only, problem)
                        )
                    assert answer == sorted(expected)


def test_positions_of_many_ids_are_those_of_one_id_at_a_time(reference: ReferenceData) -> None:
    organisations = _organisations(reference)
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    # Removed (dead rows of the base), written again (appended), and ids no row has: unknown, longer than every
    # stored id, ending in a NUL byte (which fixed-width bytes would drop), a prefix of a stored id, empty.
    changed = index.updated(["b03", "b11"], [organisations[5]], vectoriser)
    asked = [o.id for o in organisations] + ["b99", "b000", "b01\0", "b0", "", "zz"]
    for searched in (index, changed):
        lookup = searched.position
        expected = [lookup.get(i) for i in asked]
        assert lookup.get_many(asked) == expected
        assert lookup.get_many(list(reversed(asked))) == list(reversed(expected))
        assert lookup.get_many([]) == []
    assert changed.position.get_many(["b03", "b11"]) == [None, None]
    assert changed.position.get_many([organisations[5].id]) == [changed.position.get(organisations[5].id)]


def test_a_query_point_is_where_the_organisation_is_now(reference: ReferenceData) -> None:
    """A stored organisation's point is its row's; one moved since (an edited profile) is where it is now."""
    organisations = _organisations(reference)
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    index = OrganisationIndex.build(organisations, vectoriser, reference.catalog)
    stored = organisations[4]
    moved = stored.model_copy(update={"location": stored.location.model_copy(update={"lat": 51.0, "lon": 7.0})})
    for organisation in (stored, moved):
        location = organisation.location
        expected = to_unit_vectors(np.array([location.lat]), np.array([location.lon]))[0]
        assert index.query_point(organisation, vectoriser).xyz.tobytes() == expected.tobytes()
    assert index.query_point(stored, vectoriser).xyz.tobytes() == index.xyz[index.position[stored.id]].tobytes()
