"""Synthetic home postcodes for demo firms, from the real commuter flows between Kreise (issue 14).

For a firm in Kreis K, a home Kreis is drawn per employee: another Kreis j with weight = the BA flow j → K
(``data/geo/commuter_flows_kreise.csv``), K itself with weight = the people who live and work in K. The BA
tables do not give that number, so it is estimated (own calculation) as K's population × 0.41 (employees
subject to social insurance per inhabitant in Germany: about 34.8 million at their place of residence in
June 2023 over about 84.7 million inhabitants) minus K's out-commuters. Within a Kreis, homes spread over the
postcodes by population: each municipality's population split over the postcodes touching it by their area.
Flows below 10 persons (the BA's "übrige Kreise") and commuters from abroad are left out. Deterministic by seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from matcher.geo.reference import GeoReference
from matcher.residences.aggregation import ResidenceCounts

EMPLOYED_PER_INHABITANT = 0.41
MIN_EMPLOYEES = 10


@dataclass(frozen=True)
class DemoFirm:
    organisation: str
    kreis_code: str  # Kreis of the site
    employees: int


@dataclass(frozen=True)
class SyntheticResidences:
    organisation: str
    residences: ResidenceCounts
    consented: bool  # share_residence_aggregates


def load_commuter_flows(data_dir: Path) -> pd.DataFrame:
    """``wohnort_kreis``, ``arbeitsort_kreis``, ``insgesamt`` (flows into NRW and BW workplaces)."""
    return pd.read_csv(
        data_dir / "geo" / "commuter_flows_kreise.csv",
        dtype={"wohnort_kreis": str, "arbeitsort_kreis": str, "insgesamt": np.int64},
    )


def home_kreis_weights(kreis_code: str, geo: GeoReference, flows: pd.DataFrame) -> pd.Series:
    """Probability of each home Kreis for staff working in ``kreis_code`` (index: Kreis code, sorted)."""
    inflow = flows.loc[flows["arbeitsort_kreis"] == kreis_code].groupby("wohnort_kreis")["insgesamt"].sum()
    outflow = dict(zip(geo.commuters["kreis"], geo.commuters["auspendler_insgesamt"].astype(int), strict=True))
    out = outflow.get(kreis_code, 0)
    own = max(geo.kreis_population.get(kreis_code, 0) * EMPLOYED_PER_INHABITANT - out, 0.0)
    weights = pd.concat([inflow.astype(float), pd.Series({kreis_code: own})]).groupby(level=0).sum()
    weights = weights[weights.index.isin(geo.kreis_population.keys()) & (weights > 0)].sort_index()
    if weights.empty:
        return pd.Series({kreis_code: 1.0})
    return pd.Series(weights / float(weights.sum()))


def postcode_weights(geo: GeoReference) -> pd.DataFrame:
    """One row per (postcode, municipality): ``plz``, ``kreis``, ``population`` (the municipality's, by area)."""
    pairs = geo.postcodes[["plz", "ags_list", "area_km2"]].reset_index(drop=True)
    pairs = pairs.assign(ags=pairs["ags_list"].fillna("").str.split(";")).explode("ags")
    municipalities = geo.municipalities.set_index("ags")
    pairs = pairs[pairs["ags"].isin(municipalities.index)]
    area = pairs["area_km2"].fillna(0.0).clip(lower=0.01)
    share = area / area.groupby(pairs["ags"]).transform("sum")
    return pd.DataFrame(
        {
            "plz": pairs["plz"].to_numpy(),
            "kreis": pairs["ags"].map(municipalities["kreis_code"]).to_numpy(),
            "population": (share * pairs["ags"].map(municipalities["population"])).to_numpy(dtype=np.float64),
        }
    )


def synthetic_residences(
    firms: Sequence[DemoFirm],
    geo: GeoReference,
    flows: pd.DataFrame,
    *,
    seed: int = 42,
    consents: float = 0.5,
) -> list[SyntheticResidences]:
    """Home postcode counts for every firm with ≥ 10 staff; ``consents`` is the share that agrees to pooling."""
    if not 0.0 <= consents <= 1.0:
        raise ValueError(f"consents: {consents} liegt nicht zwischen 0 und 1")
    rng = np.random.default_rng(seed)
    spread = postcode_weights(geo)
    # Per Kreis its postcodes and their probabilities, computed once (a demo has thousands of firms).
    by_kreis: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for kreis, group in spread.groupby("kreis", sort=True):
        p = group["population"].to_numpy(dtype=np.float64)
        by_kreis[str(kreis)] = (group["plz"].to_numpy().astype(str), p / p.sum())
    weights_cache: dict[str, tuple[list[str], np.ndarray]] = {}
    result = []
    for firm in firms:
        if firm.employees < MIN_EMPLOYEES:
            continue
        if firm.kreis_code not in weights_cache:
            weights = home_kreis_weights(firm.kreis_code, geo, flows)
            weights_cache[firm.kreis_code] = ([str(k) for k in weights.index], weights.to_numpy())
        kreise, probabilities = weights_cache[firm.kreis_code]
        per_kreis = rng.multinomial(firm.employees, probabilities)
        counts: dict[str, int] = {}
        for k in np.flatnonzero(per_kreis):
            if kreise[k] not in by_kreis:
                continue
            n = per_kreis[k]
            postcodes, p = by_kreis[kreise[k]]
            drawn = rng.multinomial(int(n), p)
            for i in np.flatnonzero(drawn):
                counts[postcodes[i]] = counts.get(postcodes[i], 0) + int(drawn[i])
        result.append(SyntheticResidences(firm.organisation, ResidenceCounts.of(counts), bool(rng.random() < consents)))
    return result
