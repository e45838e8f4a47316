"""Input filter and output models of the planners' clusters (`finding`; docs/planning.md)."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from matcher.catalog import FundingStatus
from matcher.explain import Recommendation
from matcher.transit.model import TransitClass
from matcher.vocabulary import STATE_BY_LAND_CODE, STATE_NAMES_DE, MeasureCategory, OrganisationKind, ProblemCode

# The Länder whose advisory bodies the catalogue holds (docs/matching.md, Advisors).
CLUSTER_STATES: tuple[str, ...] = ("DE-BW", "DE-NW")
_ALLOWED_STATES = ", ".join(f"{code} ({STATE_NAMES_DE[code]})" for code in CLUSTER_STATES)
_KREIS = re.compile(r"^[0-9]{5}$")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegionFilter(_Frozen):
    """Where to look; the given criteria must all hold (none given: everywhere)."""

    kreis: str | None = Field(default=None, description="Kreisschlüssel (AGS, 5 digits), e.g. 05913 for Dortmund")
    state: str | None = Field(default=None, description="DE-NW or DE-BW")
    bbox: tuple[float, float, float, float] | None = Field(
        default=None, description="min_lon, min_lat, max_lon, max_lat in WGS84 degrees"
    )

    @field_validator("kreis")
    @classmethod
    def _check_kreis(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        if not _KREIS.match(value) or STATE_BY_LAND_CODE.get(value[:2]) not in CLUSTER_STATES:
            raise ValueError(
                f"kreis {value!r} ist kein Kreisschlüssel in Nordrhein-Westfalen oder Baden-Württemberg: erwartet "
                "werden 5 Ziffern, beginnend mit 05 (NRW) oder 08 (BW), z. B. 05913 für Dortmund"
            )
        return value

    @field_validator("state")
    @classmethod
    def _check_state(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.strip().upper() not in CLUSTER_STATES:
            raise ValueError(f"state {value!r} ist nicht zulässig; erlaubt sind {_ALLOWED_STATES}")
        return value.strip().upper()

    @field_validator("bbox")
    @classmethod
    def _check_bbox(cls, value: tuple[float, float, float, float] | None) -> tuple[float, float, float, float] | None:
        if value is None:
            return None
        min_lon, min_lat, max_lon, max_lat = value
        if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
            raise ValueError(
                "bbox muss (min_lon, min_lat, max_lon, max_lat) in WGS84-Grad sein, mit min_lon < max_lon "
                "(-180 bis 180) und min_lat < max_lat (-90 bis 90), z. B. (7.30, 51.45, 7.60, 51.60) für Dortmund"
            )
        return value

    @model_validator(mode="after")
    def _kreis_in_state(self) -> Self:
        if self.kreis is not None and self.state is not None and STATE_BY_LAND_CODE[self.kreis[:2]] != self.state:
            raise ValueError(f"kreis {self.kreis} liegt nicht in {STATE_NAMES_DE[self.state]} (state {self.state})")
        return self


class ProblemShare(_Frozen):
    code: ProblemCode
    label: str = Field(description="German label")
    members: int = Field(ge=0, description="members reporting the problem")
    share: float = Field(ge=0, le=1, description="share of the members reporting it")


class EstateCount(_Frozen):
    name: str = Field(description="Gewerbegebiet as the members wrote it (most frequent spelling)")
    members: int


class MunicipalityCount(_Frozen):
    ags: str
    name: str
    members: int


class ClusterMeasure(_Frozen):
    """A catalogue measure that neighbours implement together (``joint_with_neighbours``)."""

    id: str
    name: str = Field(description="German name")
    category: MeasureCategory
    category_label: str
    addresses: list[ProblemCode] = Field(description="the members' problems it addresses, most reported first")
    load_share: float = Field(ge=0, le=1, description="IDF-weighted share of the members' problem load addressed")
    members_addressed: int = Field(description="members reporting at least one problem it addresses")
    members_using: int = Field(description="members that already have it in place")


class FundingApplicant(_Frozen):
    kind: OrganisationKind
    label: str = Field(description="German label of the applicant kind")
    eligible_members: int | None = Field(description="members of this kind that may apply; None for the municipality")
    eligibility: str | None = Field(
        default=None, description="for the municipality: eligible or partner_only (members: either)"
    )
    rate_text: str | None = Field(default=None, description="German: rate and cap for the municipality")


class ClusterFunding(_Frozen):
    """A programme available on ``as_of`` that funds suggested measures, for the municipality or members."""

    id: str
    name: str
    instrument_label: str
    status: FundingStatus
    note: str | None = Field(description="German caveat, e.g. status not confirmed")
    funds_measures: list[str] = Field(description="suggested measures it funds, in their order")
    applicants: list[FundingApplicant]


class TableSeat(_Frozen):
    """Who should be at the table: the municipality (id = AGS) or a body of the advisor catalogue."""

    id: str
    name: str
    role: str = Field(description="municipality or an advisor role (responsible_chamber, transit_authority, …)")
    role_label: str
    reason: str = Field(description="German: why this party")


class TransitClassCount(_Frozen):
    transit_class: TransitClass
    label: str = Field(description="German label of the ÖV-Güteklasse")
    members: int


class Cluster(Recommendation):
    """A dense group of employers sharing a problem: where a joint project is worth it."""

    members: list[str] = Field(description="member organisation ids, sorted")
    size: int
    employees: int = Field(description="total employees of the members")
    employees_affected: int = Field(description="employees of the members reporting the leading problem")
    centroid_lat: float
    centroid_lon: float
    radius_km: float = Field(description="largest great-circle distance of a member from the centroid")
    members_located_at_site: int = Field(
        description="members whose location is known to the address or given as coordinates; the others sit on "
        "their postcode's centroid (or municipality centre), so radius and hull describe those points, not sites"
    )
    hull: list[list[list[float]]] | None = Field(
        description="GeoJSON Polygon coordinates (lon, lat; counter-clockwise) of the convex hull; None below 3 points"
    )
    dominant_problems: list[ProblemShare]
    estates: list[EstateCount]
    members_outside_estates: int
    municipalities: list[MunicipalityCount]
    transit_classes: list[TransitClassCount] = Field(description="members per ÖV-Güteklasse, best class first")
    transit_note: str | None = Field(
        description="German, where a transit problem at the site is dominant: the members' ÖV-Güteklassen"
    )
    transit_stop_note: str | None = Field(
        description="German, where most members have class D/none and a transit problem at the site is dominant: the "
        "stop most of them have nearest (withheld by the service when members are withheld)"
    )
    suggested_measures: list[ClusterMeasure]
    funding: list[ClusterFunding]
    at_the_table: list[TableSeat]


class ClusterOrder(StrEnum):
    """Reihenfolge der Cluster / order of the clusters in an answer (ties: score, then id)."""

    SCORE = "score"
    SIZE = "size"
    EMPLOYEES_AFFECTED = "employees_affected"


# Score first, as every recommendation list (issue 11.3): the order follows the scores shown. At state scale the
# score saturates (5,000 affected employees, 50 members), so large clusters rank by concentration; `size` is
# the plain order by members (docs/planning.md, Output).
DEFAULT_CLUSTER_ORDER = ClusterOrder.SCORE

CLUSTER_ORDER_TEXT_DE: dict[ClusterOrder, str] = {
    ClusterOrder.SCORE: (
        "nach Relevanz absteigend (betroffene Beschäftigte, Zahl der Betriebe, Anteil mit dem Hauptproblem); "
        "gleichauf nach id"
    ),
    ClusterOrder.SIZE: "nach Zahl der Betriebe absteigend; gleichauf nach Relevanz, dann nach id",
    ClusterOrder.EMPLOYEES_AFFECTED: (
        "nach betroffenen Beschäftigten absteigend; gleichauf nach Relevanz, dann nach id"
    ),
}


class ClusterParameters(_Frozen):
    eps_km: float
    min_members: int
    problem: ProblemCode | None
    problem_label: str | None
    region: RegionFilter | None
    order: ClusterOrder = Field(description="order of the clusters: score, size or employees_affected")
    order_text: str = Field(description="German: what the order is")
    region_label: str = Field(description='German: "Kreis Unna", "Stadt Dortmund (kreisfreie Stadt)", "alle Standorte"')


class ClusterAnswer(_Frozen):
    """One page of the clusters found: ``clusters`` are ranks ``offset + 1`` to ``offset + returned`` of
    ``total`` in the order of ``parameters.order``; the counts of employers cover all clusters."""

    as_of: date
    parameters: ClusterParameters
    considered: int = Field(description="employers in the region (and reporting the problem, if given)")
    clustered: int = Field(description="of these, members of a cluster")
    noise: int = Field(description="of these, in no cluster")
    total: int = Field(ge=0, description="clusters found, on all pages")
    offset: int = Field(ge=0, description="clusters skipped before this page")
    limit: int | None = Field(ge=1, description="largest page asked for; None: all from offset")
    returned: int = Field(ge=0, description="clusters on this page (len(clusters))")
    clusters: list[Cluster] = Field(description="this page, in the order of parameters.order")
    note: str | None = Field(
        default=None,
        description="German, only when no cluster was found: why, and which eps or minimum size would find one",
    )

    @model_validator(mode="after")
    def _returned_is_the_page(self) -> Self:
        if self.returned != len(self.clusters):
            raise ValueError(f"returned={self.returned}, but the page holds {len(self.clusters)} clusters")
        return self
