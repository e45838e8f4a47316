"""What similar organisations nearby already do: the collaborative signal for measures."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from matcher.index import OrganisationIndex
from matcher.models import Organisation
from matcher.settings import MeasureSettings
from matcher.vectorise import Vectoriser


class NeighbourAdoption(BaseModel):
    """Adoption of measures among the most similar organisations near a location."""

    model_config = ConfigDict(frozen=True)

    neighbours: int = Field(ge=0, description="similar organisations considered")
    radius_km: float = Field(description="search radius actually used")
    adopters: dict[str, int] = Field(default_factory=dict, description="measure id -> organisations using it")
    weighted_share: dict[str, float] = Field(
        default_factory=dict, description="measure id -> similarity-weighted share of neighbours using it, in [0, 1]"
    )


def neighbour_adoption(
    organisation: Organisation, index: OrganisationIndex, vectoriser: Vectoriser, settings: MeasureSettings
) -> NeighbourAdoption:
    """Measures in place among the ``neighbours_count`` most similar organisations of the same peer group
    within ``neighbours_radius_km``, counting only organisations visible to peers. Only aggregate counts
    leave this function, and none at all when fewer than ``min_neighbours`` qualify."""
    query = index.query_point(organisation, vectoriser)
    # Only organisations that agreed to be visible to peers contribute, even to aggregate counts.
    found = index.nearby(
        query.group, query.xyz, settings.neighbours_radius_km, settings.neighbours_candidates, visible_only=True
    )
    positions = found.positions[found.positions != query.position]
    if len(positions) < settings.min_neighbours:
        return NeighbourAdoption(neighbours=0, radius_km=settings.neighbours_radius_km)
    similarity = np.clip(index.vectors[positions] @ query.vector, 0.0, 1.0).astype(np.float64)
    top = np.lexsort((index.id_order(positions), -similarity))[: settings.neighbours_count]
    positions, similarity = positions[top], similarity[top]
    used = index.measures[positions]
    counts = used.sum(axis=0)
    total = float(similarity.sum())
    shares = (similarity @ used) / total if total > 0 else np.zeros(used.shape[1])
    return NeighbourAdoption(
        neighbours=len(positions),
        radius_km=settings.neighbours_radius_km,
        adopters={index.measure_ids[m]: int(counts[m]) for m in np.flatnonzero(counts)},
        weighted_share={index.measure_ids[m]: float(shares[m]) for m in np.flatnonzero(counts)},
    )
