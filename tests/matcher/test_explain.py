"""explain(): the score is the sum of the rounded weights; reasons largest first, then by code, then as given."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.explain import WEIGHT_DECIMALS, Contribution, Reason, explain

CODES = ["distance", "same_estate", "shared_issues", "experience"]  # few: ties of code and weight are common


def _as_written_first(contributions: list[Contribution]) -> tuple[float, list[Reason]]:
    """explain() as it was first written (a stable sort of validated reasons by weight and code), to compare with."""
    reasons = [
        Reason(code=c.code, text=c.text, weight=w)
        for c in contributions
        if (w := round(c.weight, WEIGHT_DECIMALS)) != 0
    ]
    reasons.sort(key=lambda r: (-r.weight, r.code))
    return round(sum(r.weight for r in reasons), WEIGHT_DECIMALS), reasons


# Weights that round to the same value or to zero, exact zeros, and any in [0, 0.14] (seven of them stay <= 1).
weights = st.one_of(
    st.sampled_from([0.0, 0.00004, 0.00005, 0.1, 0.10001, 0.1000049, 0.14]),
    st.floats(min_value=0.0, max_value=0.14, allow_nan=False),
)
contributions = st.lists(
    st.builds(Contribution, st.sampled_from(CODES), st.sampled_from(["a", "b", ""]), weights), max_size=7
)


@given(contributions)
def test_explain_is_what_it_was_first_written_as(given_contributions: list[Contribution]) -> None:
    score, reasons = explain(given_contributions)
    expected_score, expected = _as_written_first(given_contributions)
    assert score == expected_score
    assert [(r.code, r.text, r.weight) for r in reasons] == [(r.code, r.text, r.weight) for r in expected]
    assert all(type(r) is Reason for r in reasons)
    # Plain tuples give the same as named ones.
    assert explain([(c.code, c.text, c.weight) for c in given_contributions]) == (score, reasons)


def test_reasons_tied_in_weight_and_code_keep_their_order_and_add_up() -> None:
    score, reasons = explain(
        [Contribution("b", "zweiter", 0.2), Contribution("a", "erster", 0.2), Contribution("a", "dritter", 0.2)]
    )
    assert [r.text for r in reasons] == ["erster", "dritter", "zweiter"]
    assert score == 0.6


def test_a_score_outside_0_1_is_an_error() -> None:
    with pytest.raises(ValueError, match="outside"):
        explain([Contribution("a", "", 0.7), Contribution("b", "", 0.7)])
