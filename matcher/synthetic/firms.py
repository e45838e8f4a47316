"""Companies and craft businesses: kind, size, sector, municipality, estate, shift work and position."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray
from matcher.synthetic.estates import EstatePlan
from matcher.synthetic.placement import PolygonLocator, scatter_within
from matcher.synthetic.regions import BoolArray, DemoRegion
from matcher.synthetic.settings import EstateSettings, FirmSettings, SizeClass
from matcher.vocabulary import Sector

SECTORS: tuple[Sector, ...] = tuple(Sector)


@dataclass(frozen=True)
class Firms:
    """One row per firm, in the order of the generated ids."""

    is_craft: BoolArray
    sector: IntArray  # index into SECTORS
    employees: IntArray
    municipality: IntArray  # index into the DemoRegion
    estate: IntArray  # index into the EstatePlan, -1 = town centre area
    lat: FloatArray
    lon: FloatArray

    def __len__(self) -> int:
        return len(self.sector)


def draw_employees(rng: np.random.Generator, classes: tuple[SizeClass, ...], n: int) -> IntArray:
    """Size class by its share, then log-uniform within the class (most firms at the lower end)."""
    shares = np.array([c.share for c in classes], dtype=np.float64)
    chosen = rng.choice(len(classes), size=n, p=shares / shares.sum())
    low = np.array([c.low for c in classes], dtype=np.float64)[chosen]
    high = np.array([c.high for c in classes], dtype=np.float64)[chosen]
    value = np.floor(low * np.exp(rng.random(n) * np.log((high + 1.0) / low)))
    return np.clip(value, low, high).astype(np.int64)


def draw_sectors(rng: np.random.Generator, weights: dict[Sector, float], n: int) -> IntArray:
    keys = np.array([SECTORS.index(s) for s in weights], dtype=np.int64)
    p = np.array(list(weights.values()), dtype=np.float64)
    return keys[rng.choice(len(keys), size=n, p=p / p.sum())]


def sector_table(values: dict[Sector, float], default: float = 0.0) -> FloatArray:
    """A per-sector lookup array indexed like SECTORS."""
    return np.array([values.get(s, default) for s in SECTORS], dtype=np.float64)


def draw_firms(
    rng: np.random.Generator,
    n: int,
    region: DemoRegion,
    estates: EstatePlan,
    locator: PolygonLocator,
    firm_settings: FirmSettings,
    estate_settings: EstateSettings,
) -> Firms:
    is_craft = rng.random(n) < firm_settings.craft_share
    craft = np.flatnonzero(is_craft)
    company = np.flatnonzero(~is_craft)
    sector = np.empty(n, dtype=np.int64)
    employees = np.empty(n, dtype=np.int64)
    sector[company] = draw_sectors(rng, firm_settings.company_sectors, len(company))
    sector[craft] = draw_sectors(rng, firm_settings.craft_sectors, len(craft))
    employees[company] = draw_employees(rng, firm_settings.company_sizes, len(company))
    employees[craft] = draw_employees(rng, firm_settings.craft_sizes, len(craft))

    # Firms follow the residents: municipality chosen in proportion to population.
    weights = region.population / region.population.sum()
    municipality = rng.choice(len(region), size=n, p=weights)

    has_estate = estates.start[municipality + 1] > estates.start[municipality]
    wants_estate = rng.random(n) < sector_table(firm_settings.estate_probability)[sector]
    in_estate = has_estate & wants_estate
    estate = np.full(n, -1, dtype=np.int64)
    estate[in_estate] = _pick_estate(rng, estates, municipality[in_estate])

    lat, lon = _place(rng, region, estates, locator, municipality, estate, estate_settings)
    return Firms(
        is_craft=is_craft,
        sector=sector,
        employees=employees,
        municipality=municipality,
        estate=estate,
        lat=lat,
        lon=lon,
    )


def _pick_estate(rng: np.random.Generator, estates: EstatePlan, municipality: IntArray) -> IntArray:
    """One estate of the firm's town, chosen in proportion to estate area (vectorised inverse CDF)."""
    cumulative = np.cumsum(estates.radius_km**2)
    before = np.concatenate(([0.0], cumulative))
    low = before[estates.start[municipality]]
    high = before[estates.start[municipality + 1]]
    target = low + rng.random(len(municipality)) * (high - low)
    chosen = np.searchsorted(cumulative, target, side="right").astype(np.int64)
    # Guard the float edge case target == high; stay inside the town's own range.
    picked: IntArray = np.clip(chosen, estates.start[municipality], estates.start[municipality + 1] - 1)
    return picked


def _place(
    rng: np.random.Generator,
    region: DemoRegion,
    estates: EstatePlan,
    locator: PolygonLocator,
    municipality: IntArray,
    estate: IntArray,
    settings: EstateSettings,
) -> tuple[FloatArray, FloatArray]:
    """Estate firms uniformly in their estate disc, the others around the town centre, all inside the town."""
    target = region.positions[municipality]
    lat = np.empty(len(municipality), dtype=np.float64)
    lon = np.empty(len(municipality), dtype=np.float64)
    inside = np.flatnonzero(estate >= 0)
    e = estate[inside]
    lat[inside], lon[inside] = scatter_within(
        rng, locator, estates.lat[e], estates.lon[e], estates.radius_km[e], target[inside],
        resamples=settings.firm_resamples, pulls=settings.firm_pulls,
    )  # fmt: skip
    centre = np.flatnonzero(estate < 0)
    m = municipality[centre]
    # Uniform in distance rather than area: denser towards the centre, like a town's core.
    lat[centre], lon[centre] = scatter_within(
        rng, locator, region.lat[m], region.lon[m], settings.centre_radius_fraction * region.radius_km[m],
        target[centre], resamples=settings.firm_resamples, pulls=settings.firm_pulls, uniform=False,
    )  # fmt: skip
    return lat, lon
