"""All tunable numbers of the library in one validated settings object."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class GeographySettings(BaseModel):
    """Thresholds of location resolution (see docs/geography.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    border_tolerance_km: float = Field(
        default=1.0,
        ge=0,
        le=5,
        description="points this close outside the generalised NRW/BW boundary still count as inside",
    )
    boundary_uncertainty_km: float = Field(
        default=1.0,
        ge=0,
        le=5,
        description="closer than this to a generalised VG5000 outline, the size-weighted nearest centre decides",
    )
    centre_core_fraction: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="near an outline, a point within this fraction of a municipality's radius of its centre lies in it",
    )
    centre_distance_factor: float = Field(
        default=1.5,
        gt=0,
        le=5,
        description="outside NRW/BW: accept a point within factor x equivalent radius of a municipality",
    )
    centre_distance_slack_km: float = Field(default=2.0, ge=0, le=20)
    postcode_radius_factor: float = Field(
        default=1.5,
        gt=0,
        le=5,
        description="a postcode area is taken as a circle of factor x equivalent radius",
    )
    postcode_tolerance_km: float = Field(
        default=3.0, ge=0, le=20, description="coordinates may lie this far outside their postcode area"
    )
    default_postcode_area_km2: float = Field(default=20.0, gt=0, description="for postcodes without an area")


class MatcherSettings(BaseModel):
    """Root settings object passed to every library entry point."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    geography: GeographySettings = Field(default_factory=GeographySettings)
