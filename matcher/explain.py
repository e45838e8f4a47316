"""Explained recommendations: every score is the sum of its reasons' weights.

Weights are rounded once, here, and the score is the sum of the rounded weights, so the two agree
exactly as printed. Texts are German (for people); codes are stable (for machines).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

WEIGHT_DECIMALS = 4

# Reasons of weight 0 that explain a list's order where it departs from the scores (tested for every list).
DIVERSITY_PROMOTED = "diversity_promoted"  # placed above a higher score for a category not yet shown
INDIRECT_ACCESS = "indirect"  # placed below every programme usable directly, whatever its score
SECTOR_UNCHECKED = "sector_unchecked"  # the same: limited to sectors, and the applicant's sector is unknown
ORDER_REASON_CODES = frozenset({DIVERSITY_PROMOTED, INDIRECT_ACCESS, SECTOR_UNCHECKED})


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str = Field(description="stable machine-readable reason code")
    text: str = Field(description="short German sentence for people")
    weight: float = Field(description="contribution to the score; the weights of all reasons add up to it")


class Recommendation(BaseModel):
    """Common shape of every recommended item (peer, advisor, measure, funding programme)."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    score: float = Field(ge=0, le=1, description="relevance in [0, 1]; not comparable across queries")
    reasons: list[Reason]


class Contribution(NamedTuple):
    """One scoring component before rounding; components with zero weight are dropped. (A named tuple: made
    several times per item of every answer, where a frozen dataclass costs half as much again to build.)"""

    code: str
    text: str
    weight: float


# Validating a Reason without BaseModel.__init__'s Python frame: the same validation, two thirds of the time (0.49
# against 0.73 µs; an answer of peers makes some fifty).
_validated_reason = Reason.__pydantic_validator__.validate_python


def explain(contributions: Iterable[tuple[str, str, float]]) -> tuple[float, list[Reason]]:
    """The score and the reasons (largest first, then by code, then as given) whose weights add up to it.
    ``contributions``: :class:`Contribution` or plain ``(code, text, weight)`` tuples (cheaper to make)."""
    kept = sorted(
        (-rounded, code, n, text)
        for n, (code, text, weight) in enumerate(contributions)
        if weight and (rounded := round(weight, WEIGHT_DECIMALS)) != 0
    )
    score = round(sum([-negative for negative, _, _, _ in kept]), WEIGHT_DECIMALS)  # in the reasons' order
    if not 0.0 <= score <= 1.0:  # the settings keep every component's weights within [0, 1]
        raise ValueError(f"score {score} outside [0, 1]: check the weights in MatcherSettings")
    return score, [
        _validated_reason({"code": code, "text": text, "weight": -negative}) for negative, code, _, text in kept
    ]
