"""Outside NRW and Baden-Württemberg: accepted with a German note naming the state."""

from __future__ import annotations

import pytest

from service.coverage import COVERED_STATES, coverage_note


@pytest.mark.parametrize("state", COVERED_STATES)
def test_no_note_inside_the_covered_states(state: str) -> None:
    assert coverage_note(state) is None


def test_a_note_names_the_state_and_what_is_missing() -> None:
    note = coverage_note("DE-BY")
    assert note is not None
    assert "Bayern" in note
    assert "Förderprogramme" in note
    assert "Nordrhein-Westfalen und Baden-Württemberg" in note
