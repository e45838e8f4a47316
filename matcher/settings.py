"""All tunable numbers of the library in one validated settings object."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.transit.model import TransitClass
from matcher.vocabulary import ProblemCode


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GeographySettings(_Frozen):
    """Thresholds of location resolution (see docs/geography.md)."""

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


class TransitBands(_Frozen):
    """Upper distance (km) up to which a stop of one category gives each class; 0 = never that class."""

    a_km: float = Field(ge=0, le=3)
    b_km: float = Field(ge=0, le=3)
    c_km: float = Field(ge=0, le=3)
    d_km: float = Field(ge=0, le=3)

    @model_validator(mode="after")
    def _monotone(self) -> Self:
        if not self.a_km <= self.b_km <= self.c_km <= self.d_km:
            raise ValueError("class bands must widen from A to D")
        return self


class TimetableSettings(_Frozen):
    """How an imported GTFS feed becomes departures per stop (docs/transit.md, "Fahrpläne (GTFS)")."""

    peak_start_hour: int = Field(default=6, ge=0, le=23, description="morning peak from this full hour …")
    peak_end_hour: int = Field(default=9, ge=1, le=24, description="… to this one (exclusive)")
    shift_hours: tuple[int, ...] = Field(default=(6, 14, 22), description="shift-change hours counted")
    shift_window_minutes: int = Field(
        default=30, ge=5, le=60, description="departures within ± this many minutes of a shift-change hour count"
    )
    match_radius_km: float = Field(
        default=0.3, gt=0, le=1, description="a feed stop matches a packaged stop this close whose name it shares"
    )
    match_position_km: float = Field(
        default=0.1, gt=0, le=1, description="without a shared name word, the nearest packaged stop this close"
    )

    @model_validator(mode="after")
    def _peak_is_a_window(self) -> Self:
        if self.peak_end_hour <= self.peak_start_hour:
            raise ValueError("peak_end_hour must be after peak_start_hour")
        if not self.shift_hours or any(not 0 <= h <= 23 for h in self.shift_hours):
            raise ValueError("shift_hours must be hours 0-23")
        if self.match_position_km > self.match_radius_km:
            raise ValueError("match_position_km must not exceed match_radius_km")
        return self


class TransitSettings(_Frozen):
    """Transit-quality classes after the Swiss ÖV-Güteklassen (docs/transit.md): distance bands 300/500/750/1,000 m,
    stop category from the mode (the proxy for the interval, no timetables)."""

    hub: TransitBands = Field(
        default=TransitBands(a_km=0.5, b_km=0.75, c_km=1.0, d_km=1.0),
        description="category I: railway station with long-distance trains (ICE/IC/EC)",
    )
    rail: TransitBands = Field(
        default=TransitBands(a_km=0.3, b_km=0.5, c_km=0.75, d_km=1.0),
        description="category II: station with RE/RB or S-Bahn",
    )
    light_rail: TransitBands = Field(
        default=TransitBands(a_km=0.0, b_km=0.3, c_km=0.5, d_km=0.75),
        description="category III: U-Bahn/Stadtbahn or tram stop",
    )
    bus: TransitBands = Field(
        default=TransitBands(a_km=0.0, b_km=0.0, c_km=0.3, d_km=0.5), description="category IV: bus stop"
    )
    rural_bus: TransitBands = Field(
        default=TransitBands(a_km=0.0, b_km=0.0, c_km=0.0, d_km=0.3),
        description="category V: bus stop in a sparsely populated municipality (Destatis degree 03), where buses "
        "rarely run more often than every 30-60 minutes",
    )
    timetable: TimetableSettings = Field(default_factory=TimetableSettings)


class _ComponentWeights(_Frozen):
    """Weights of a recommender's score components: non-negative and adding up to 1, so scores stay in [0, 1]."""

    @model_validator(mode="after")
    def _sum_to_one(self) -> Self:
        weights = self.model_dump()
        total = sum(weights.values())
        if abs(total - 1.0) > 1e-9 or any(w < 0 for w in weights.values()):
            raise ValueError(f"weights must be >= 0 and add up to 1 (they add up to {total:.4f})")
        # Reason weights are rounded to 4 decimals; coarser weights keep their rounded sum within 1.
        if any(round(w, 4) != w for w in weights.values()):
            raise ValueError("weights may have at most 4 decimals")
        return self


class VectorSettings(_Frozen):
    """Block weights of the feature vector (docs/matching.md). Each block is scaled before weighting."""

    issues: float = Field(default=3.0, ge=0)
    sector: float = Field(default=1.0, ge=0)
    size: float = Field(default=1.0, ge=0)
    kind: float = Field(default=1.5, ge=0)
    shift_work: float = Field(default=0.5, ge=0)
    location: float = Field(default=1.0, ge=0)


class PeerWeights(_ComponentWeights):
    distance: float = 0.25
    same_estate: float = 0.15
    shared_issues: float = 0.30
    similarity: float = 0.05
    experience: float = 0.15
    # Only when I report a transit problem at my site: the peer reports one too and its ÖV-Güteklasse is in my band,
    # or its measures already address mine (matcher.transit.situation). Taken from similarity, whose location block
    # only knows the railway-station distance, and from experience, which it overlaps for transit problems.
    transit_situation: float = 0.10


class PeerSettings(_Frozen):
    weights: PeerWeights = Field(default_factory=PeerWeights)
    radius_km: float = Field(default=10.0, gt=0, le=200, description="first search radius")
    municipality_radius_km: float = Field(default=25.0, gt=0, le=200, description="for municipalities and Kreise")
    max_radius_km: float = Field(default=80.0, gt=0, le=200, description="widening stops here")
    min_candidates: int = Field(default=5, ge=1, le=1000, description="widen the radius until this many")
    nearest_candidates: int = Field(
        default=100, ge=1, le=100_000, description="candidates: the nearest organisations of the peer group"
    )
    per_problem_candidates: int = Field(
        default=50, ge=1, le=100_000, description="candidates: plus the nearest ones sharing each of my problems"
    )
    problem_queries: int = Field(
        default=3, ge=0, le=29, description="problems searched that way: my rarest (highest IDF) ones"
    )
    distance_decay_km: float = Field(default=5.0, gt=0, description="distance score = exp(-d / decay)")
    default_limit: int = Field(default=10, ge=1, le=100)
    shared_homes: float = Field(
        default=0.10,
        ge=0,
        le=0.25,
        description="weight of 'staff live in the same places' (consented residence aggregates, >= k staff of each "
        "firm per municipality); only for an asking organisation that has such places, whose other five weights are "
        "then scaled by 1 - shared_homes so that scores stay in [0, 1]",
    )

    @model_validator(mode="after")
    def _scaled_weights_stay_exact(self) -> Self:
        # Reason weights are rounded to 4 decimals; scaled weights must survive that so the score stays <= 1.
        scaled = [w * (1 - self.shared_homes) for w in self.weights.model_dump().values()]
        if any(abs(round(w, 4) - w) > 1e-12 for w in scaled):
            raise ValueError("shared_homes: (1 - shared_homes) x each peer weight may have at most 4 decimals")
        return self


class MeasureWeights(_ComponentWeights):
    problem_fit: float = 0.50
    practicality: float = 0.15
    collaborative: float = 0.25
    joint_potential: float = 0.10


class MeasureSettings(_Frozen):
    weights: MeasureWeights = Field(default_factory=MeasureWeights)
    transit_factors: dict[TransitClass, float] = Field(
        default={
            TransitClass.A: 1.0,
            TransitClass.B: 1.0,
            TransitClass.C: 1.0,
            TransitClass.D: 0.6,
            TransitClass.NONE: 0.5,
        },
        description="share of problem fit a transit-dependent measure keeps, per transit-quality class of the site",
    )

    @model_validator(mode="after")
    def _every_transit_class(self) -> Self:
        if set(self.transit_factors) != set(TransitClass) or not all(
            0 <= f <= 1 for f in self.transit_factors.values()
        ):
            raise ValueError("transit_factors needs a factor in [0, 1] for every transit class")
        return self

    shift_partly_factor: float = Field(default=0.7, ge=0, le=1)
    shift_frequent_transit: frozenset[TransitClass] = Field(
        default=frozenset({TransitClass.A, TransitClass.B}),
        description=(
            "classes at which a transit measure only 'partly' suited to shift work is not demoted: rail, S-Bahn or "
            "Stadtbahn close by, whose dense service is likely to reach shift changes too (a proxy; no timetables)"
        ),
    )
    shift_min_departures: int = Field(
        default=2,
        ge=1,
        le=60,
        description="with a timetable: departures the site's stop needs around every shift-change hour for a transit "
        "measure only 'partly' suited to shift work not to be demoted (2: about every 30 minutes)",
    )
    shift_unsuitable_factor: float = Field(default=0.3, ge=0, le=1)
    neighbours_radius_km: float = Field(default=15.0, gt=0, le=200, description="collaborative signal radius")
    neighbours_count: int = Field(default=50, ge=1, le=5000, description="similar organisations considered")
    neighbours_candidates: int = Field(default=300, ge=1, le=100_000, description="nearest ones compared")
    min_neighbours: int = Field(default=5, ge=1, description="below this, no signal (privacy: no small groups)")

    @model_validator(mode="after")
    def _no_small_groups(self) -> Self:
        if self.neighbours_count < self.min_neighbours:
            raise ValueError("neighbours_count must be at least min_neighbours (no signal from small groups)")
        return self

    diversity_top: int = Field(default=5, ge=1, le=20, description="the first N results span distinct categories")
    diversity_floor: float = Field(
        default=0.85,
        ge=0,
        le=1,
        description="a new category is pulled forward only above this share of the top score (near ties only)",
    )
    lead_time_horizon_months: int = Field(
        default=18, ge=1, le=120, description="a lead time this long or longer scores 0 for speed"
    )
    large_employer_employees: int = Field(
        default=250, ge=1, description="from this headcount a measure's cost weighs less (EU: no longer an SME)"
    )
    large_employer_cost_share: float = Field(
        default=0.5, ge=0, le=1, description="share of the cost burden a large employer still bears"
    )
    default_limit: int = Field(default=10, ge=1, le=49)


class FundingWeights(_ComponentWeights):
    measure_coverage: float = 0.50
    funding_rate: float = 0.20
    cap: float = 0.10
    direct_access: float = 0.20  # usable directly, without partner or ownership conditions


class FundingSettings(_Frozen):
    weights: FundingWeights = Field(default_factory=FundingWeights)
    sme_max_employees: int = Field(default=249, ge=1, description="EU SME definition (staff headcount)")
    full_cap_eur: float = Field(default=1_000_000, gt=1, description="a cap this high scores 1 (log scale)")
    recommended_measures: int = Field(default=10, ge=1, le=49, description="measures whose funding is sought")
    unknown_status_factor: float = Field(
        default=0.9, gt=0, le=1, description="share of the relevance kept when a programme's status is unconfirmed"
    )
    indirect_factor: float = Field(
        default=0.2,
        gt=0,
        le=0.25,
        description="share of coverage, rate and cap kept when the applicant can use a programme only as partner, via "
        "the municipality or under an ownership condition; at most direct_access / (1 - direct_access) keeps every "
        "such programme below the directly usable ones that fund a measure",
    )


class AdvisorSettings(_Frozen):
    responsible_score: float = Field(default=1.0, gt=0, le=1, description="responsible chamber or network office")
    transit_score: float = Field(default=0.8, gt=0, le=1, description="transport association, transit problems")
    regional_score: float = Field(default=0.7, gt=0, le=1, description="regional programme (WRS, city advice)")
    statewide_score: float = Field(default=0.5, gt=0, le=1, description="statewide hub or network office")
    funding_agency_score: float = Field(default=0.3, gt=0, le=1, description="ministry or federal agency")
    transit_problems: frozenset[ProblemCode] = Field(
        default=frozenset(
            {
                ProblemCode.POOR_TRANSIT_ACCESS,
                ProblemCode.TRANSIT_SCHEDULE_MISMATCH,
                ProblemCode.LAST_MILE_GAP,
                ProblemCode.PEAK_HOUR_CROWDING,
                ProblemCode.COMMUTING_COSTS_FOR_STAFF,
            }
        ),
        description="problems that bring in the transport association",
    )


class ClusterWeights(_ComponentWeights):
    employees_affected: float = 0.5
    members: float = 0.3
    concentration: float = 0.2


class ClusterSettings(_Frozen):
    """Density-based clusters of employers sharing a problem (docs/planning.md)."""

    weights: ClusterWeights = Field(default_factory=ClusterWeights)
    # At least 10 m: a smaller neighbourhood overflows the grid of the DBSCAN (and means no cluster anyway).
    eps_km: float = Field(default=0.5, ge=0.01, le=20, description="neighbourhood size (DBSCAN eps) in km")
    min_members: int = Field(default=5, ge=2, le=1000, description="minimum organisations per cluster")
    estate_reach_km: float = Field(
        default=1.5,
        gt=0,
        le=10,
        description="a Gewerbegebiet (name and municipality) DBSCAN found none of is a cluster when at least "
        "min_members firms naming it lie within this distance of their median position, however sparse at eps: an "
        "estate is where a joint project is planned (a larger estate is rare; a name repeated far away is not it)",
    )
    full_employees: int = Field(default=5000, ge=1, description="affected employees that score 1 (log scale)")
    full_members: int = Field(default=50, ge=1, description="members that score 1 (log scale)")
    dominant_problems: int = Field(default=3, ge=1, le=29, description="problems listed per cluster")
    suggested_measures: int = Field(default=5, ge=1, le=49)
    suggested_funding: int = Field(default=5, ge=1, le=27)


class LeadWeights(_ComponentWeights):
    employees: float = 0.30
    severity: float = 0.25
    unaddressed: float = 0.20
    fundable: float = 0.15
    # ÖV-Güteklasse D/none and a reported transit problem at the site: the gap a consultation can close
    transit_gap: float = 0.10


class LeadSettings(_Frozen):
    """Ranking of an advisor's territory: whom to consult first (docs/planning.md)."""

    weights: LeadWeights = Field(default_factory=LeadWeights)
    full_employees: int = Field(default=1000, ge=1, description="employees that score 1 (log scale)")
    full_severity: float = Field(default=10.0, gt=0, description="IDF-weighted problem load that scores 1")
    default_limit: int = Field(default=20, ge=1, le=500)
    top_measures: int = Field(
        default=5, ge=1, le=49, description="a lead's top measures: checked for funding, the first one is talked about"
    )
    shortlist_factor: int = Field(
        default=5, ge=1, le=100, description="fundability is checked for at most this many x limit organisations"
    )
    brief_items: int = Field(default=5, ge=1, le=20, description="measures, funding programmes and peers in a brief")


class MatcherSettings(_Frozen):
    """Root settings object passed to every library entry point."""

    geography: GeographySettings = Field(default_factory=GeographySettings)
    transit: TransitSettings = Field(default_factory=TransitSettings)
    vectors: VectorSettings = Field(default_factory=VectorSettings)
    peers: PeerSettings = Field(default_factory=PeerSettings)
    measures: MeasureSettings = Field(default_factory=MeasureSettings)
    funding: FundingSettings = Field(default_factory=FundingSettings)
    advisors: AdvisorSettings = Field(default_factory=AdvisorSettings)
    clusters: ClusterSettings = Field(default_factory=ClusterSettings)
    leads: LeadSettings = Field(default_factory=LeadSettings)
