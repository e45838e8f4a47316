"""Explained recommendations: every score is the sum of its reasons' weights.

Weights are rounded once, here, and the score is the sum of the rounded weights, so the two agree
exactly as printed. Texts are German (for people); codes are stable (for machines).
"""

from __future__ import annotations

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


def _reason_order(reason: Reason) -> tuple[float, str]:
    return -reason.weight, reason.code


def explain(contributions: list[Contribution]) -> tuple[float, list[Reason]]:
    """The score and the reasons (largest first, then by code) whose weights add up to it."""
    reasons = [
        Reason(code=c.code, text=c.text, weight=w)
        for c in contributions
        if (w := round(c.weight, WEIGHT_DECIMALS)) != 0
    ]
    reasons.sort(key=_reason_order)
    score = round(sum(r.weight for r in reasons), WEIGHT_DECIMALS)
    if not 0.0 <= score <= 1.0:  # the settings keep every component's weights within [0, 1]
        raise ValueError(f"score {score} outside [0, 1]: check the weights in MatcherSettings")
    return score, reasons
