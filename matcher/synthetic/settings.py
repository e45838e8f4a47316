"""Every number of the demo-data model in one frozen, validated settings object.

docs/demo-data.md explains each rule; the defaults here are the documented ones.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.settings import GeographySettings, TransitSettings
from matcher.transit.model import TransitClass
from matcher.vocabulary import OrganisationKind, ProblemCode, Sector, Urbanisation

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Bonus = Annotated[float, Field(ge=-1.0, le=1.0)]

_WEIGHT_TOLERANCE = 1e-6

# Kreise of the Region Stuttgart (Verband Region Stuttgart).
REGION_STUTTGART_KREISE = ("08111", "08115", "08116", "08117", "08118", "08119")


class Ramp(BaseModel):
    """Linear ramp: ``low`` at or below ``start``, ``high`` at or above ``end``, linear in between."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: float
    end: float
    low: Bonus = 0.0
    high: Bonus

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        if not self.start < self.end:
            raise ValueError("start muss kleiner als end sein")
        return self


class SizeClass(BaseModel):
    """Employees drawn log-uniformly from ``low``..``high`` for a ``share`` of the firms."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: int = Field(ge=1)
    high: int = Field(le=500_000)
    share: Probability

    @model_validator(mode="after")
    def _check_bounds(self) -> Self:
        if self.high < self.low:
            raise ValueError("high muss mindestens low sein")
        return self


def _check_weights(name: str, weights: dict[Sector, float] | tuple[SizeClass, ...]) -> None:
    values = [c.share for c in weights] if isinstance(weights, tuple) else list(weights.values())
    if not values or any(v < 0 for v in values) or abs(sum(values) - 1.0) > _WEIGHT_TOLERANCE:
        raise ValueError(f"{name}: Anteile müssen nichtnegativ sein und sich zu 1 summieren")


class RegionSettings(BaseModel):
    """Which real municipalities get demo data."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    land_codes: tuple[str, ...] = Field(default=("05",), description="whole Länder (AGS key), 05 = NRW")
    kreis_codes: tuple[str, ...] = Field(default=REGION_STUTTGART_KREISE, description="single Kreise")


class PublicBodySettings(BaseModel):
    """Municipality and district profiles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    municipal_staff_per_1000: float = Field(default=10.0, gt=0, le=100, description="kreisangehörige Gemeinden")
    city_staff_per_1000: float = Field(
        default=16.0, gt=0, le=100, description="kreisfreie Städte / Stadtkreise (they also do Kreis tasks)"
    )
    district_staff_per_1000: float = Field(default=4.0, gt=0, le=100, description="Kreisverwaltung per resident")
    min_staff: int = Field(default=5, ge=1)


# fmt: off
# Per WZ section: share among companies, share among craft businesses, probability of sitting in an
# estate (where the town has one) and probability of shift work at 50 employees.
_SECTOR_DEFAULTS: dict[Sector, tuple[float, float, float, float]] = {
    Sector.A: (0.008, 0.00, 0.30, 0.10),
    Sector.B: (0.002, 0.00, 0.80, 0.50),
    Sector.C: (0.110, 0.20, 0.93, 0.55),
    Sector.D: (0.005, 0.00, 0.90, 0.50),
    Sector.E: (0.010, 0.00, 0.90, 0.40),
    Sector.F: (0.070, 0.45, 0.88, 0.20),
    Sector.G: (0.200, 0.15, 0.75, 0.25),
    Sector.H: (0.060, 0.00, 0.95, 0.60),
    Sector.I: (0.050, 0.00, 0.30, 0.35),
    Sector.J: (0.060, 0.00, 0.55, 0.03),
    Sector.K: (0.030, 0.00, 0.25, 0.02),
    Sector.L: (0.030, 0.00, 0.35, 0.02),
    Sector.M: (0.130, 0.00, 0.50, 0.03),
    Sector.N: (0.080, 0.05, 0.80, 0.30),
    Sector.O: (0.000, 0.00, 0.00, 0.15),  # public bodies: never in an estate
    Sector.P: (0.020, 0.00, 0.35, 0.05),
    Sector.Q: (0.090, 0.03, 0.35, 0.50),
    Sector.R: (0.015, 0.00, 0.40, 0.15),
    Sector.S: (0.030, 0.12, 0.50, 0.08),
}
# fmt: on


def _sector_column(column: int) -> dict[Sector, float]:
    return {sector: row[column] for sector, row in _SECTOR_DEFAULTS.items() if column >= 2 or row[column] > 0}


class FirmSettings(BaseModel):
    """Kind, size, sector, estate preference and shift work of companies and craft businesses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    craft_share: Probability = 0.3
    company_sizes: tuple[SizeClass, ...] = (
        SizeClass(low=1, high=9, share=0.44),
        SizeClass(low=10, high=49, share=0.34),
        SizeClass(low=50, high=249, share=0.16),
        SizeClass(low=250, high=999, share=0.05),
        SizeClass(low=1000, high=10_000, share=0.01),
    )
    craft_sizes: tuple[SizeClass, ...] = (
        SizeClass(low=1, high=9, share=0.62),
        SizeClass(low=10, high=49, share=0.33),
        SizeClass(low=50, high=249, share=0.05),
    )
    company_sectors: dict[Sector, float] = Field(default_factory=lambda: _sector_column(0))
    craft_sectors: dict[Sector, float] = Field(default_factory=lambda: _sector_column(1))
    estate_probability: dict[Sector, Probability] = Field(default_factory=lambda: _sector_column(2))
    shift_probability: dict[Sector, Probability] = Field(default_factory=lambda: _sector_column(3))
    size_pivot: int = Field(default=50, ge=1, description="employees at which the sector's shift rate applies")
    shift_size_elasticity: float = Field(default=0.15, ge=0, le=1)
    max_shift_probability: Probability = 0.95

    @model_validator(mode="after")
    def _check_mixes(self) -> Self:
        _check_weights("company_sizes", self.company_sizes)
        _check_weights("craft_sizes", self.craft_sizes)
        _check_weights("company_sectors", self.company_sectors)
        _check_weights("craft_sectors", self.craft_sectors)
        sectors = set(self.company_sectors) | set(self.craft_sectors)
        # Public bodies are sector O: they need a shift rate.
        for name, needed in (("estate_probability", sectors), ("shift_probability", sectors | {Sector.O})):
            missing = needed - set(getattr(self, name))
            if missing:
                raise ValueError(f"{name}: Wert fehlt für {', '.join(sorted(missing))}")
        return self


class SharingSettings(BaseModel):
    """Visibility to peers, consent to share the contact, and the fake phone number."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    firm_visible_base: Probability = Field(default=0.42, description="visibility of a firm with one employee")
    firm_visible_per_decade: float = Field(default=0.06, ge=-0.5, le=0.5, description="added per factor 10 of staff")
    public_visible: Probability = Field(default=0.75, description="municipalities and districts")
    contact_shareable_if_visible: Probability = 0.5
    phone: Probability = Field(default=0.5, description="share of contacts with a (fake) phone number")


class EstateSettings(BaseModel):
    """Synthetic Gewerbegebiete and where firms sit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_population: int = Field(default=3000, ge=0, description="municipalities below have no estate")
    count_at_10k: float = Field(default=1.3, gt=0, description="estates = count_at_10k x (pop/10,000)^exponent")
    count_exponent: float = Field(default=0.6, ge=0, le=1)
    max_per_municipality: int = Field(default=25, ge=1)
    distance_fraction: tuple[float, float] = Field(
        default=(0.35, 0.85), description="centre distance drawn as this fraction of the equivalent radius"
    )
    distance_km: tuple[float, float] = Field(default=(1.0, 6.0), description="clip of the centre distance")
    radius_at_10k_km: float = Field(default=0.6, gt=0)
    radius_exponent: float = Field(default=0.15, ge=0, le=1)
    radius_sigma: float = Field(default=0.35, ge=0, le=2, description="log-normal spread of the radius")
    radius_km: tuple[float, float] = Field(default=(0.3, 1.5))
    max_radius_fraction: float = Field(
        default=0.5, gt=0, le=1, description="radius at most this fraction of the municipality's equivalent radius"
    )
    centre_attempts: int = Field(default=20, ge=1, description="resamples before pulling towards the centre")
    centre_radius_fraction: float = Field(
        default=0.6, gt=0, le=1, description="firms outside estates lie within this fraction of the equivalent radius"
    )
    firm_resamples: int = Field(default=3, ge=0, description="resamples of a firm point outside its municipality")
    firm_pulls: int = Field(default=4, ge=0, description="then halvings of its offset before using the anchor")

    @model_validator(mode="after")
    def _check_ranges(self) -> Self:
        for name in ("distance_fraction", "distance_km", "radius_km"):
            low, high = getattr(self, name)
            if not 0 < low <= high:
                raise ValueError(f"{name}: erwartet 0 < Untergrenze <= Obergrenze")
        return self


_P = ProblemCode
_T = TransitClass

# fmt: off
_BASE_RATES: dict[ProblemCode, float] = {
    _P.PARKING_SHORTAGE: 0.04, _P.POOR_TRANSIT_ACCESS: 0.0, _P.TRANSIT_SCHEDULE_MISMATCH: 0.03,
    _P.SHIFT_WORK: 0.0, _P.LONG_COMMUTES: 0.06, _P.RURAL_LOCATION: 0.0, _P.CONGESTION: 0.05,
    _P.PEAK_HOUR_CROWDING: 0.02, _P.RECRUITMENT_REACHABILITY: 0.05, _P.HIGH_CAR_SHARE: 0.15,
    _P.COMMUTING_COSTS_FOR_STAFF: 0.08, _P.FLEET_EMISSIONS: 0.04, _P.FLEET_COSTS: 0.04,
    _P.BUSINESS_TRAVEL_COSTS: 0.03, _P.BUSINESS_TRAVEL_EMISSIONS: 0.02, _P.MULTI_SITE_TRAVEL: 0.03,
    _P.LAST_MILE_GAP: 0.03, _P.CYCLING_BARRIERS: 0.08, _P.UNSAFE_ROUTES: 0.04, _P.LOW_AWARENESS: 0.10,
    _P.DATA_GAP: 0.08, _P.SCOPE3_REPORTING: 0.01, _P.CARPOOL_CRITICAL_MASS: 0.02,
    _P.ALTERNATIVE_MODE_RISK: 0.04, _P.LAND_USE_PRESSURE: 0.02, _P.EV_CHARGING_DEMAND: 0.06,
    _P.VISITOR_CUSTOMER_TRAFFIC: 0.03, _P.EMPLOYEE_HEALTH: 0.05, _P.INNER_CITY_ACCESS: 0.01,
}
_BY_SECTOR: dict[Sector, dict[ProblemCode, float]] = {
    Sector.C: {_P.HIGH_CAR_SHARE: 0.05},
    Sector.F: {_P.FLEET_COSTS: 0.20, _P.FLEET_EMISSIONS: 0.12, _P.MULTI_SITE_TRAVEL: 0.20},
    Sector.G: {_P.VISITOR_CUSTOMER_TRAFFIC: 0.15, _P.FLEET_COSTS: 0.05},
    Sector.H: {_P.FLEET_EMISSIONS: 0.30, _P.FLEET_COSTS: 0.25, _P.EV_CHARGING_DEMAND: 0.10},
    Sector.I: {_P.VISITOR_CUSTOMER_TRAFFIC: 0.15},
    Sector.J: {_P.BUSINESS_TRAVEL_COSTS: 0.12, _P.BUSINESS_TRAVEL_EMISSIONS: 0.12},
    Sector.K: {_P.BUSINESS_TRAVEL_COSTS: 0.10, _P.BUSINESS_TRAVEL_EMISSIONS: 0.10},
    Sector.M: {_P.BUSINESS_TRAVEL_COSTS: 0.15, _P.BUSINESS_TRAVEL_EMISSIONS: 0.15},
    Sector.N: {_P.MULTI_SITE_TRAVEL: 0.15, _P.FLEET_COSTS: 0.10},
    Sector.O: {_P.FLEET_EMISSIONS: 0.20, _P.VISITOR_CUSTOMER_TRAFFIC: 0.20, _P.EMPLOYEE_HEALTH: 0.10},
    Sector.Q: {_P.VISITOR_CUSTOMER_TRAFFIC: 0.20, _P.MULTI_SITE_TRAVEL: 0.10},
    Sector.R: {_P.VISITOR_CUSTOMER_TRAFFIC: 0.15},
}
_BY_KIND: dict[OrganisationKind, dict[ProblemCode, float]] = {
    OrganisationKind.CRAFT_BUSINESS: {_P.MULTI_SITE_TRAVEL: 0.20, _P.FLEET_COSTS: 0.15, _P.INNER_CITY_ACCESS: 0.10},
    OrganisationKind.MUNICIPALITY: {_P.DATA_GAP: 0.10, _P.LOW_AWARENESS: 0.05},
    OrganisationKind.DISTRICT: {_P.DATA_GAP: 0.10, _P.MULTI_SITE_TRAVEL: 0.15},
}
# fmt: on


class IssueSettings(BaseModel):
    """Additive probability model of the reported problems (docs/demo-data.md, "Issues").

    For each profile and problem code: p = base + every rule that applies, then
    p x (max(employees, size_pivot) / size_pivot) ^ size_elasticity, clipped to [0, max_probability].
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: dict[ProblemCode, Probability] = Field(default_factory=lambda: dict(_BASE_RATES))
    by_transit_class: dict[ProblemCode, dict[TransitClass, Bonus]] = Field(
        default_factory=lambda: {
            _P.POOR_TRANSIT_ACCESS: {_T.B: 0.02, _T.C: 0.12, _T.D: 0.35, _T.NONE: 0.55},
            _P.LAST_MILE_GAP: {_T.B: 0.03, _T.C: 0.10, _T.D: 0.20, _T.NONE: 0.30},
            _P.RECRUITMENT_REACHABILITY: {_T.C: 0.03, _T.D: 0.08, _T.NONE: 0.15},
            _P.HIGH_CAR_SHARE: {_T.B: 0.03, _T.C: 0.08, _T.D: 0.15, _T.NONE: 0.22},
            _P.ALTERNATIVE_MODE_RISK: {_T.C: 0.02, _T.D: 0.06, _T.NONE: 0.10},
        },
        description="bonus by the site's ÖV-Güteklasse from every stop (matcher.transit, as ProfileBuilder derives it)",
    )
    by_density: dict[ProblemCode, Ramp] = Field(
        default_factory=lambda: {
            _P.PARKING_SHORTAGE: Ramp(start=500.0, end=3000.0, high=0.45),
            _P.INNER_CITY_ACCESS: Ramp(start=1000.0, end=3000.0, high=0.10),
            _P.PEAK_HOUR_CROWDING: Ramp(start=1000.0, end=3000.0, high=0.08),
            _P.LAND_USE_PRESSURE: Ramp(start=1000.0, end=3000.0, high=0.10),
        },
        description="ramps over the municipality's residents per km²",
    )
    by_commuter_balance: dict[ProblemCode, Ramp] = Field(
        default_factory=lambda: {
            _P.LONG_COMMUTES: Ramp(start=-100.0, end=250.0, high=0.45),
            _P.CONGESTION: Ramp(start=-50.0, end=250.0, high=0.35),
        },
        description="ramps over the Kreis commuter balance per 1,000 residents",
    )
    by_urbanisation: dict[ProblemCode, dict[Urbanisation, Bonus]] = Field(
        default_factory=lambda: {
            _P.RURAL_LOCATION: {Urbanisation.SPARSE: 0.60, Urbanisation.INTERMEDIATE: 0.12},
            _P.LONG_COMMUTES: {Urbanisation.SPARSE: 0.10},
            _P.CARPOOL_CRITICAL_MASS: {Urbanisation.SPARSE: 0.08},
            _P.CYCLING_BARRIERS: {Urbanisation.DENSE: 0.05},
        }
    )
    if_shift_work: dict[ProblemCode, Bonus] = Field(
        default_factory=lambda: {
            _P.SHIFT_WORK: 0.90,
            _P.TRANSIT_SCHEDULE_MISMATCH: 0.45,
            _P.PEAK_HOUR_CROWDING: 0.12,
            _P.ALTERNATIVE_MODE_RISK: 0.10,
        }
    )
    if_in_estate: dict[ProblemCode, Bonus] = Field(
        default_factory=lambda: {
            _P.LAST_MILE_GAP: 0.10,
            _P.CONGESTION: 0.08,
            _P.UNSAFE_ROUTES: 0.06,
        }
    )
    if_in_centre: dict[ProblemCode, Bonus] = Field(
        default_factory=lambda: {_P.PARKING_SHORTAGE: 0.10, _P.VISITOR_CUSTOMER_TRAFFIC: 0.05},
        description="firms outside estates, i.e. in the town centre area",
    )
    by_sector: dict[Sector, dict[ProblemCode, Bonus]] = Field(
        default_factory=lambda: {sector: dict(table) for sector, table in _BY_SECTOR.items()}
    )
    by_kind: dict[OrganisationKind, dict[ProblemCode, Bonus]] = Field(
        default_factory=lambda: {kind: dict(table) for kind, table in _BY_KIND.items()}
    )
    large_threshold: int = Field(default=250, ge=1, description="employees from which if_large applies")
    if_large: dict[ProblemCode, Bonus] = Field(
        default_factory=lambda: {
            _P.SCOPE3_REPORTING: 0.35,
            _P.DATA_GAP: 0.10,
            _P.PARKING_SHORTAGE: 0.10,
            _P.EV_CHARGING_DEMAND: 0.08,
        }
    )
    small_threshold: int = Field(default=20, ge=1, description="employees below which if_small applies")
    if_small: dict[ProblemCode, Bonus] = Field(
        default_factory=lambda: {_P.CARPOOL_CRITICAL_MASS: 0.10, _P.DATA_GAP: 0.05}
    )
    size_pivot: int = Field(default=10, ge=1, description="employers above this size report more issues")
    size_elasticity: float = Field(default=0.12, ge=0, le=1)
    max_probability: Probability = 0.95

    @model_validator(mode="after")
    def _check_base(self) -> Self:
        # The fallback draw for profiles without any issue needs a positive total.
        if sum(self.base.values()) <= 0:
            raise ValueError("base: mindestens eine Grundrate muss positiv sein")
        return self


class MeasureSettings(BaseModel):
    """Measures already in place: Poisson count, weighted choice from the catalogue."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mean_at_one: float = Field(default=0.2, ge=0, le=10, description="expected count for one employee")
    mean_per_decade: float = Field(default=0.6, ge=0, le=10, description="added per factor 10 of staff")
    max_count: int = Field(default=8, ge=0)
    issue_affinity: float = Field(
        default=4.0, ge=0, le=100, description="weight bonus per issue of the profile the measure addresses"
    )


class DemoSettings(BaseModel):
    """Root settings of the synthetic demo-data generator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    regions: RegionSettings = Field(default_factory=RegionSettings)
    public: PublicBodySettings = Field(default_factory=PublicBodySettings)
    firms: FirmSettings = Field(default_factory=FirmSettings)
    sharing: SharingSettings = Field(default_factory=SharingSettings)
    estates: EstateSettings = Field(default_factory=EstateSettings)
    issues: IssueSettings = Field(default_factory=IssueSettings)
    measures: MeasureSettings = Field(default_factory=MeasureSettings)
    geography: GeographySettings = Field(
        default_factory=GeographySettings,
        description="resolver thresholds used to keep estates inside their municipality (as MatcherSettings)",
    )
    transit: TransitSettings = Field(
        default_factory=TransitSettings,
        description="distance bands of the ÖV-Güteklassen the issues are drawn from (as MatcherSettings)",
    )
