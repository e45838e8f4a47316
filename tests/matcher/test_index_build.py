"""Building the index: the fingerprints of a whole column equal those of one organisation at a time; the trees
over all organisations, built on first use, answer like the others."""

from __future__ import annotations

import threading

import numpy as np

from matcher.columns import coded
from matcher.index import OrganisationIndex, fingerprint, fingerprints
from matcher.models import OrganisationProfile
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import MatcherSettings
from matcher.vectorise import PROBLEMS, fit_vectoriser
from matcher.vocabulary import OrganisationKind, Sector


def test_column_fingerprints_equal_the_fingerprint_of_each_row() -> None:
    rng = np.random.default_rng(7)
    rows = 500
    issues = rng.random((rows, len(PROBLEMS))) < 0.2
    sectors = [None if rng.random() < 0.2 else rng.choice([s.value for s in Sector]) for _ in range(rows)]
    sectors[0] = "unknown-section"  # not a Sector: still a number of its own
    kinds = [rng.choice([k.value for k in OrganisationKind]) for _ in range(rows)]
    employees = rng.integers(0, 100_000, rows)
    shift_work = rng.random(rows) < 0.5
    floats = [rng.normal(size=rows) * 100 for _ in range(3)]
    floats[0][:3] = [0.0, -0.0, np.inf]
    found = fingerprints(issues, coded(sectors), employees, kinds, shift_work, *floats)
    one_by_one = [
        fingerprint(
            [PROBLEMS[p].value for p in np.flatnonzero(issues[row])], sectors[row], int(employees[row]), kinds[row],
            bool(shift_work[row]), *(float(values[row]) for values in floats),
        )
        for row in range(rows)
    ]  # fmt: skip
    assert found.tolist() == one_by_one
    assert len(set(one_by_one)) == rows  # distinct inputs, distinct fingerprints
    assert found[0] != fingerprint([], None, 0, "company", False, 0.0, 0.0, 0.0)
    # Issues in any order, enum members or their codes, -0.0 or 0.0: the same fingerprint.
    codes = [PROBLEMS[3].value, PROBLEMS[1].value]
    assert fingerprint(codes, "C", 5, "company", True, -0.0, 1.5, 2.0) == fingerprint(
        [PROBLEMS[1], PROBLEMS[3]], Sector("C"), 5, OrganisationKind("company"), True, 0.0, 1.5, 2.0
    )


def _mixed_index(reference: ReferenceData) -> OrganisationIndex:
    builder = ProfileBuilder(reference, MatcherSettings())
    organisations = [
        builder.build(
            OrganisationProfile.model_validate({
                "kind": "company", "name": f"Betrieb {i}", "sector": "C", "employees": 20 + i,
                "lat": 51.50 + 0.002 * (i % 10), "lon": 7.40 + 0.002 * (i // 10), "visible_to_peers": i % 3 == 0,
                "issues": [["parking_shortage"], ["long_commutes"], []][i % 3],
            }),
            f"b{i:02d}",
        )
        for i in range(40)
    ]  # fmt: skip
    vectoriser = fit_vectoriser(organisations, MatcherSettings().vectors)
    return OrganisationIndex.build(organisations, vectoriser, reference.catalog)


def _nearest_by_brute_force(index: OrganisationIndex, xyz: np.ndarray, k: int) -> list[str]:
    chord = np.linalg.norm(index.xyz - xyz, axis=1)
    return [str(i) for i in index.ids[np.lexsort((np.arange(len(chord)), chord))][:k]]


def test_trees_over_all_organisations_are_built_on_first_use_and_answer_alike(reference: ReferenceData) -> None:
    index = _mixed_index(reference)
    xyz = index.xyz[0]
    # Brute force: every member within 50 km, nearest first (ties by id).
    everyone = _nearest_by_brute_force(index, xyz, 7)
    chord = np.linalg.norm(index.xyz - xyz, axis=1)
    visible = [str(i) for i in index.ids[index.visible][np.argsort(chord[index.visible], kind="stable")][:7]]
    answers: list[list[str]] = []

    def ask() -> None:  # several requests meet the not yet built trees at once
        answers.append([str(i) for i in index.ids[index.nearby("employers", xyz, 50.0, 7).positions]])

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [everyone] * 4
    assert [str(i) for i in index.ids[index.nearby("employers", xyz, 50.0, 7, visible_only=True).positions]] == visible


def test_pending_trees_built_ahead_answer_like_trees_built_on_first_use(reference: ReferenceData) -> None:
    ahead, on_use = _mixed_index(reference), _mixed_index(reference)
    ahead.blocks.build_pending()
    assert not ahead.blocks._pending  # nothing left for a first query to build
    for row in (0, 7, 23):
        xyz = ahead.xyz[row]
        nearest = [str(i) for i in ahead.ids[ahead.nearby("employers", xyz, 50.0, 9).positions]]
        assert nearest == [str(i) for i in on_use.ids[on_use.nearby("employers", xyz, 50.0, 9).positions]]
        assert nearest == _nearest_by_brute_force(ahead, xyz, 9)
