"""Synthetic Gewerbegebiete (industrial estates) near the real towns of the demo region."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from matcher.geo.boundaries import IntArray
from matcher.geo.distance import FloatArray
from matcher.geo.resolver import LocationResolver
from matcher.synthetic.placement import offset_points
from matcher.synthetic.regions import DemoRegion
from matcher.synthetic.settings import EstateSettings

_DIRECTIONS = ("Nord", "Nordost", "Ost", "Südost", "Süd", "Südwest", "West", "Nordwest")
_MAX_PULLS = 8  # halvings of the centre distance before an estate sits at the municipality centre


class DemoEstate(BaseModel):
    """A synthetic industrial estate: a disc around a centre inside one real municipality."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description='e.g. "Gewerbegebiet Dortmund-Nord 2 (Demo)"')
    lat: float
    lon: float
    radius_km: float = Field(gt=0)
    municipality_ags: str


@dataclass(frozen=True)
class EstatePlan:
    """Estates ordered by municipality; ``start[m]:start[m + 1]`` are those of region municipality m."""

    municipality: IntArray  # index into the DemoRegion
    lat: FloatArray
    lon: FloatArray
    radius_km: FloatArray
    names: list[str]
    start: IntArray

    def __len__(self) -> int:
        return len(self.names)

    def models(self, region: DemoRegion) -> list[DemoEstate]:
        return [
            DemoEstate(
                name=name,
                lat=float(self.lat[i]),
                lon=float(self.lon[i]),
                radius_km=float(self.radius_km[i]),
                municipality_ags=region.ags[int(self.municipality[i])],
            )
            for i, name in enumerate(self.names)
        ]


def estate_counts(population: FloatArray, settings: EstateSettings) -> IntArray:
    """Number of estates per municipality: grows sub-linearly with population, none in small villages."""
    raw = np.rint(settings.count_at_10k * (population / 10_000.0) ** settings.count_exponent)
    counts = np.clip(raw, 1, settings.max_per_municipality).astype(np.int64)
    return np.where(population >= settings.min_population, counts, 0)


def plan_estates(
    rng: np.random.Generator, region: DemoRegion, resolver: LocationResolver, settings: EstateSettings
) -> EstatePlan:
    counts = estate_counts(region.population, settings)
    municipality = np.repeat(np.arange(len(region), dtype=np.int64), counts)
    n = len(municipality)
    rank = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    equivalent = region.radius_km[municipality]
    # Spread the estates of one town around it (even angles plus jitter) so they rarely overlap.
    turn = rng.uniform(0.0, 2.0 * np.pi, len(region))[municipality]
    per_town = counts[municipality]
    angle = turn + 2.0 * np.pi * rank / per_town + rng.uniform(-0.25, 0.25, n) * 2.0 * np.pi / per_town
    distance = _draw_distance(rng, equivalent, settings)
    east, north = distance * np.sin(angle), distance * np.cos(angle)
    lat, lon = _place_centres(rng, region, resolver, municipality, east, north, settings)

    population = region.population[municipality]
    radius = settings.radius_at_10k_km * (population / 10_000.0) ** settings.radius_exponent
    radius = radius * rng.lognormal(0.0, settings.radius_sigma, n)
    low, high = settings.radius_km
    upper = np.clip(settings.max_radius_fraction * equivalent, low, high)
    radius_km: FloatArray = np.round(np.clip(radius, low, upper), 3).astype(np.float64)

    start = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    names = _names(region, municipality, lat, lon)
    return EstatePlan(municipality=municipality, lat=lat, lon=lon, radius_km=radius_km, names=names, start=start)


def _draw_distance(rng: np.random.Generator, equivalent_km: FloatArray, settings: EstateSettings) -> FloatArray:
    fraction = rng.uniform(*settings.distance_fraction, len(equivalent_km))
    return np.clip(fraction * equivalent_km, *settings.distance_km)


def _place_centres(
    rng: np.random.Generator,
    region: DemoRegion,
    resolver: LocationResolver,
    municipality: IntArray,
    east: FloatArray,
    north: FloatArray,
    settings: EstateSettings,
) -> tuple[FloatArray, FloatArray]:
    """Estate centres that the resolver puts into their own municipality: resample, then pull inwards."""
    anchor_lat = region.lat[municipality]
    anchor_lon = region.lon[municipality]
    target = region.positions[municipality]
    lat, lon = offset_points(anchor_lat, anchor_lon, east, north)
    bad: IntArray = np.flatnonzero(resolver.municipality_positions(lat, lon) != target)
    for attempt in range(settings.centre_attempts + _MAX_PULLS):
        if len(bad) == 0:
            break
        if attempt < settings.centre_attempts:
            distance = _draw_distance(rng, region.radius_km[municipality[bad]], settings)
            angle = rng.uniform(0.0, 2.0 * np.pi, len(bad))
            east[bad], north[bad] = distance * np.sin(angle), distance * np.cos(angle)
        else:
            east[bad] *= 0.5
            north[bad] *= 0.5
        lat[bad], lon[bad] = offset_points(anchor_lat[bad], anchor_lon[bad], east[bad], north[bad])
        bad = bad[resolver.municipality_positions(lat[bad], lon[bad]) != target[bad]]
    # Real municipality centres resolve to their own municipality (checked in the tests).
    lat[bad] = anchor_lat[bad]
    lon[bad] = anchor_lon[bad]
    return lat, lon


def _names(region: DemoRegion, municipality: IntArray, lat: FloatArray, lon: FloatArray) -> list[str]:
    """ "Gewerbegebiet <Ort>-<Himmelsrichtung>[ <n>] (Demo)", numbered per town and direction."""
    north = lat - region.lat[municipality]
    east = (lon - region.lon[municipality]) * np.cos(np.radians(lat))
    bearing = np.degrees(np.arctan2(east, north)) % 360.0
    sector = np.rint(bearing / 45.0).astype(np.int64) % len(_DIRECTIONS)
    at_centre = (north == 0) & (east == 0)
    seen: dict[tuple[int, str], int] = {}
    names: list[str] = []
    for m, s, centre in zip(municipality.tolist(), sector.tolist(), at_centre.tolist(), strict=True):
        direction = "Mitte" if centre else _DIRECTIONS[s]
        number = seen.get((m, direction), 0) + 1
        seen[(m, direction)] = number
        suffix = f" {number}" if number > 1 else ""
        qualifier = f"{region.qualifier[m]}, " if region.qualifier[m] else ""
        names.append(f"Gewerbegebiet {region.short_name[m]}-{direction}{suffix} ({qualifier}Demo)")
    return names
