"""What similar organisations nearby already do: the collaborative signal for measures."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class NeighbourAdoption(BaseModel):
    """Adoption of measures among the most similar organisations near a location."""

    model_config = ConfigDict(frozen=True)

    neighbours: int = Field(ge=0, description="similar organisations considered")
    radius_km: float = Field(description="search radius actually used")
    adopters: dict[str, int] = Field(default_factory=dict, description="measure id -> organisations using it")
    weighted_share: dict[str, float] = Field(
        default_factory=dict, description="measure id -> similarity-weighted share of neighbours using it, in [0, 1]"
    )
