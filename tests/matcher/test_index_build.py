"""Building the index: the fingerprints of a whole column equal those of one organisation at a time."""

from __future__ import annotations

import numpy as np

from matcher.columns import coded
from matcher.index import fingerprint, fingerprints
from matcher.vectorise import PROBLEMS
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
