"""Pooled analysis over the consenting organisations of an estate, cluster or list.

Only members with ``consented`` (the profile's ``share_residence_aggregates``) are pooled. Besides the fields of
a single analysis the answer has ``organisations`` (how many were pooled), ``cross_firm`` (postcodes where staff
of two or more organisations live, with pooled counts: two groups of 3 become one visible origin of 6) and
``corridors`` (origin municipality → estate). No cell shows 1 … k−1 people and a split by organisation is shown
only when every part holds ≥ k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.analysis import AnalysisSettings, Site, _share, analyse_located, locate
from matcher.residences.anonymity import split_by_organisation
from matcher.residences.distances import PostcodeTable, RoadDistances


@dataclass(frozen=True)
class Member:
    organisation: str  # id
    residences: ResidenceCounts
    consented: bool


def _long_table(members: Sequence[Member], table: PostcodeTable) -> pd.DataFrame:
    """One row per (organisation, postcode) with its count, for the consenting members."""
    pooled = [m for m in members if m.consented]
    sizes = [len(m.residences.postcodes) for m in pooled]
    postcodes = [p for m in pooled for p in m.residences.postcodes]
    return pd.DataFrame(
        {
            "organisation": np.repeat(np.arange(len(pooled)), sizes),
            "position": table.positions(postcodes) if postcodes else np.zeros(0, dtype=np.int64),
            "count": np.fromiter((c for m in pooled for c in m.residences.counts), dtype=np.int64),
        }
    )


def pooled_analysis(
    members: Sequence[Member],
    site: Site,
    table: PostcodeTable,
    settings: AnalysisSettings | None = None,
    *,
    destination: str = "Gewerbegebiet",
    road: RoadDistances | None = None,
) -> dict[str, Any]:
    """The pooled answer for the consenting ``members``; ``destination`` names the estate in ``corridors``;
    ``road`` as in ``analyse``."""
    settings = settings or AnalysisSettings()
    k = settings.k
    ids = [m.organisation for m in members if m.consented]
    rows = _long_table(members, table)
    per_postcode = rows.groupby("position", sort=True).agg(
        count=("count", "sum"), organisations=("organisation", "nunique")
    )
    position = per_postcode.index.to_numpy(dtype=np.int64)
    counts = per_postcode["count"].to_numpy(dtype=np.int64)
    postcodes = tuple(str(p) for p in table.index[position])
    located = locate(postcodes, counts, position, site, table, settings, road)
    distance = located.distance_km
    result = analyse_located(located, site, table, settings)
    total = int(counts.sum())

    firms = per_postcode["organisations"].to_numpy(dtype=np.int64)
    # Only origins the answer lists: one that secondary suppression merged into "other" would, shown here,
    # let other_origins minus it reveal the few people below k.
    listed = np.isin(np.asarray(located.postcodes), [o["postcode"] for o in result["origins"]])
    shared = np.flatnonzero((firms >= 2) & (counts >= k) & listed)
    cross_firm = [
        {
            "postcode": located.postcodes[i],
            "municipality": str(table.municipality[position[i]]),
            "count": int(counts[i]),
            "share": _share(int(counts[i]), total),
            "organisations": int(firms[i]),
            "distance_km": round(float(distance[i]), 1),
        }
        for i in sorted(shared, key=lambda i: (-int(counts[i]), located.postcodes[i]))
    ]

    rows["municipality"] = table.municipality[rows["position"].to_numpy(dtype=np.int64)]
    by_firm = rows.groupby(["municipality", "organisation"], sort=True)["count"].sum()
    corridors: list[dict[str, Any]] = []
    for municipality, parts in by_firm.groupby(level=0, sort=True):
        count = int(parts.sum())
        if count < k:
            continue
        split = split_by_organisation(parts.to_numpy(dtype=np.int64).tolist(), k)
        firm_ids = [ids[int(o)] for o in parts.index.get_level_values(1)]
        corridors.append(
            {
                "from": str(municipality),
                "to": destination,
                "count": count,
                "share": _share(count, total),
                "organisations": len(parts),
                "by_organisation": None
                if split is None
                else [{"organisation": f, "count": c} for f, c in zip(firm_ids, split, strict=True)],
            }
        )
    corridors.sort(key=lambda c: (-c["count"], c["from"]))
    return {**result, "organisations": len(ids), "cross_firm": cross_firm, "corridors": corridors}
