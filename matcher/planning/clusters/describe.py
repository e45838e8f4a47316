"""One cluster of `finding`: members, score, name, geometry, estates and what to do about it.

``draft_cluster`` computes what ranking needs (problems, score, name, centroid) for every cluster;
``finish_cluster`` adds the rest (hull, estates, municipalities, measures, funding, table) to those shown.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import MultiPoint
from shapely.geometry.polygon import orient

from matcher.explain import Contribution, Reason, explain
from matcher.geo.distance import haversine_km
from matcher.index import OrganisationIndex, estate_key
from matcher.models import Organisation, OrganisationProfile
from matcher.planning.clusters.models import Cluster, ClusterOrder, EstateCount, MunicipalityCount, ProblemShare
from matcher.planning.clusters.table import AdvisorLookup, FundingCheck, at_the_table, suggested_measures
from matcher.planning.clusters.transit import transit_classes, transit_note, transit_stop_note
from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData
from matcher.settings import ClusterSettings, MatcherSettings
from matcher.vectorise import PROBLEMS
from matcher.vocabulary import PROBLEM_LABELS_DE, SITE_PRECISIONS, OrganisationKind, ProblemCode

IntArray = npt.NDArray[np.int64]
PROBLEM_COLUMN = {code: i for i, code in enumerate(PROBLEMS)}
_ESTATE_PREFIX = "Gewerbegebiet "


@dataclass(frozen=True)
class Draft:
    """A cluster before enrichment: members (sorted by id), geometry, problems, score."""

    id: str
    members: IntArray
    dominant: list[ProblemShare]
    score: float
    reasons: list[Reason]
    name: str
    centroid: tuple[float, float]
    nearest_member: int
    radius_km: float
    employees_affected: int
    estates: list[EstateCount]
    members_outside_estates: int
    municipalities: list[MunicipalityCount]


def rank_key(draft: Draft) -> tuple[float, str]:
    return (-draft.score, draft.id)


_ORDER_MEASURE: dict[ClusterOrder, Callable[[Draft], float]] = {
    ClusterOrder.SCORE: lambda draft: draft.score,
    ClusterOrder.SIZE: lambda draft: len(draft.members),
    ClusterOrder.EMPLOYEES_AFFECTED: lambda draft: draft.employees_affected,
}


def order_key(order: ClusterOrder) -> Callable[[Draft], tuple[float, float, str]]:
    """Sort key of ``order``: its measure descending, ties by score, then id (CLUSTER_ORDER_TEXT_DE)."""
    measure = _ORDER_MEASURE[order]
    return lambda draft: (-measure(draft), -draft.score, draft.id)


def municipality_names(reference: ReferenceData) -> dict[str, str]:
    """AGS -> short name of every municipality in the reference data."""
    table = reference.geo.municipalities
    return dict(zip(table["ags"].astype(str), table["short_name"].astype(str), strict=True))


def draft_cluster(
    index: OrganisationIndex,
    names: dict[str, str],
    members: IntArray,
    problem: ProblemCode | None,
    config: ClusterSettings,
) -> Draft:
    ids = index.ids[members]
    cluster_id = "cl-" + hashlib.sha1("\n".join(ids.tolist()).encode("utf-8")).hexdigest()[:12]
    size = len(members)
    counts = index.issues[members].sum(axis=0)
    order = sorted(np.flatnonzero(counts).tolist(), key=lambda c: (-counts[c], c))
    if problem is not None:
        order = [PROBLEM_COLUMN[problem]] + [c for c in order if c != PROBLEM_COLUMN[problem]]
    dominant = [
        ProblemShare(
            code=PROBLEMS[c],
            label=PROBLEM_LABELS_DE[PROBLEMS[c]],
            members=int(counts[c]),
            share=round(float(counts[c]) / size, 4),
        )
        for c in order[: config.dominant_problems]
    ]
    employees = index.employees[members]
    affected = int(employees[index.issues[members, order[0]]].sum()) if order else 0
    centre = index.xyz[members].mean(axis=0)
    lat = math.degrees(math.atan2(centre[2], math.hypot(centre[0], centre[1])))
    lon = math.degrees(math.atan2(centre[1], centre[0]))
    distance = haversine_km(lat, lon, index.lat[members], index.lon[members])
    score, reasons = explain(_contributions(size, affected, dominant, config))
    estates, outside = _estates(index, members)
    municipalities = [
        MunicipalityCount(ags=ags, name=names.get(ags, ags), members=count)
        for ags, count in _by_count(Counter(index.municipality_ags[members].tolist()))
    ]
    return Draft(
        id=cluster_id,
        members=members,
        dominant=dominant,
        score=score,
        reasons=reasons,
        name=cluster_name(size, dominant, estates, municipalities),
        centroid=(round(lat, 6), round(lon, 6)),
        nearest_member=int(members[int(np.argmin(distance))]),
        radius_km=round(float(distance.max()), 3),
        employees_affected=affected,
        estates=estates,
        members_outside_estates=outside,
        municipalities=municipalities,
    )


def _contributions(
    size: int, affected: int, dominant: list[ProblemShare], config: ClusterSettings
) -> list[Contribution]:
    weights = config.weights
    parts = [
        Contribution(
            "employees_affected",
            f"{_int(affected)} Beschäftigte betroffen",
            weights.employees_affected * min(1.0, math.log1p(affected) / math.log1p(config.full_employees)),
        ),
        Contribution(
            "members",
            f"{_int(size)} Betriebe im Cluster",
            weights.members * min(1.0, math.log1p(size) / math.log1p(config.full_members)),
        ),
    ]
    if dominant:
        lead = dominant[0]
        text = f"{round(lead.share * 100)} % teilen {lead.label}"
        parts.append(Contribution("concentration", text, weights.concentration * lead.share))
    return parts


def cluster_name(
    size: int,
    dominant: list[ProblemShare],
    estates: list[EstateCount],
    municipalities: list[MunicipalityCount],
    detail: str = "",
) -> str:
    """ "Cluster <estate, else municipality>[ <detail>]: <leading problem> (<n> Betriebe)"."""
    if estates and 2 * estates[0].members >= size:
        place = estates[0].name.removeprefix(_ESTATE_PREFIX)
    else:
        place = municipalities[0].name + ("" if 2 * municipalities[0].members >= size else " und Umgebung")
    what = f": {dominant[0].label}" if dominant else ""
    return f"Cluster {place}{detail}{what} ({_int(size)} Betriebe)"


def unique_names(drafts: list[Draft]) -> list[Draft]:
    """Names unique within an answer (drafts best first): a repeated name gets the estate that most of its
    members name, else its other municipalities ("Bergkamen – Gewerbegebiet Rünthe"), and if that still
    repeats an ordinal by rank ("(2)"). Decided over all clusters before any limit, so paging keeps names."""
    counts = Counter(d.name for d in drafts)
    named: list[str] = []
    for draft in drafts:
        name = draft.name
        if counts[draft.name] > 1:
            name = cluster_name(len(draft.members), draft.dominant, draft.estates, draft.municipalities, _detail(draft))
        named.append(name)
    return [replace(draft, name=name) for draft, name in zip(drafts, ordinal_names(named), strict=True)]


def ordinal_names(names: list[str]) -> list[str]:
    """Names in rank order, each repeat with its ordinal: "Cluster Köln (2): Parkplatzmangel (5 Betriebe)"."""
    seen: Counter[str] = Counter()
    result = []
    for name in names:
        seen[name] += 1
        if seen[name] == 1:
            result.append(name)
        elif ":" in name:
            result.append(name.replace(":", f" ({seen[name]}):", 1))
        else:
            result.append(f"{name} ({seen[name]})")
    return result


def _detail(draft: Draft) -> str:
    size = len(draft.members)
    if draft.estates and 2 * draft.estates[0].members < size:
        return f" – {draft.estates[0].name}"
    others = [m.name for m in draft.municipalities[1:3]]
    return f" – mit {' und '.join(others)}" if others else ""


def _estates(index: OrganisationIndex, members: IntArray) -> tuple[list[EstateCount], int]:
    return estate_counts(index.estate_names[members].tolist())


def estate_counts(estates: Sequence[str | None]) -> tuple[list[EstateCount], int]:
    """Estates with member counts (most members first), named in their most frequent spelling; and the
    number of members outside any estate. ``estates``: each member's estate as written (None: none)."""
    pairs = Counter((key, str(name)) for name in estates if (key := estate_key(name)))
    totals: Counter[str] = Counter()
    spelling: dict[str, tuple[int, str]] = {}
    for (key, name), count in pairs.items():
        totals[key] += count
        spelling[key] = min(spelling.get(key, (0, name)), (-count, name))
    named = [EstateCount(name=spelling[key][1], members=count) for key, count in totals.items()]
    named.sort(key=lambda estate: (-estate.members, estate.name))
    return named, len(estates) - sum(totals.values())


def table_organisations(
    index: OrganisationIndex, reference: ReferenceData, settings: MatcherSettings, drafts: list[Draft]
) -> list[Organisation | None]:
    """A municipality at each centroid; where that is not in Germany (a cluster along the border), at the
    member nearest to the centroid."""
    builder = ProfileBuilder(reference, settings)

    def profile(draft: Draft, lat: float, lon: float) -> tuple[OrganisationProfile, str]:
        table = OrganisationProfile(
            kind=OrganisationKind.MUNICIPALITY,
            name="Runder Tisch",
            employees=0,
            lat=lat,
            lon=lon,
            issues=[p.code for p in draft.dominant],
        )
        return table, f"table-{draft.id}"

    built = builder.build_many([profile(d, *d.centroid) for d in drafts])
    result: list[Organisation | None] = []
    for draft, table in zip(drafts, built, strict=True):
        if not isinstance(table, Organisation):
            nearest = draft.nearest_member
            table = builder.build_many([profile(draft, float(index.lat[nearest]), float(index.lon[nearest]))])[0]
        result.append(table if isinstance(table, Organisation) else None)
    return result


def finish_cluster(
    index: OrganisationIndex,
    reference: ReferenceData,
    settings: MatcherSettings,
    check: FundingCheck,
    advisors: AdvisorLookup,
    draft: Draft,
    table: Organisation | None,
) -> Cluster:
    members = draft.members
    config = settings.clusters
    dominant_codes = [p.code for p in draft.dominant]
    measures = suggested_measures(index, reference.catalog, members, dominant_codes, config.suggested_measures)
    kinds = Counter(OrganisationKind(k) for k in index.kinds[members].tolist())
    funding, seats = [], []
    if table is not None:
        measure_ids = [m.id for m in measures]
        funding = check.programmes(index, members, measure_ids, table, config.suggested_funding)
        seats = at_the_table(table, advisors, settings, dict(kinds), dominant_codes)
    return Cluster(
        id=draft.id,
        name=draft.name,
        score=draft.score,
        reasons=draft.reasons,
        members=index.ids[members].tolist(),
        size=len(members),
        employees=int(index.employees[members].sum()),
        employees_affected=draft.employees_affected,
        centroid_lat=draft.centroid[0],
        centroid_lon=draft.centroid[1],
        radius_km=draft.radius_km,
        members_located_at_site=sum(1 for p in index.precisions[members].tolist() if p in SITE_PRECISIONS),
        hull=_hull(index.lon[members], index.lat[members]),
        dominant_problems=draft.dominant,
        estates=draft.estates,
        members_outside_estates=draft.members_outside_estates,
        municipalities=draft.municipalities,
        transit_classes=transit_classes(index, members),
        transit_note=transit_note(index, members, dominant_codes),
        transit_stop_note=transit_stop_note(index, members, dominant_codes),
        suggested_measures=measures,
        funding=funding,
        at_the_table=seats,
    )


def _hull(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> list[list[list[float]]] | None:
    """Convex hull as GeoJSON Polygon coordinates (counter-clockwise, closed), None below 3 distinct points
    or when all points lie on a line. Over a few kilometres lon/lat is an affine image of the ground, so
    the hull's corners are the same members."""
    points = np.unique(np.column_stack((np.round(lon, 6), np.round(lat, 6))), axis=0)
    if len(points) < 3:
        return None
    hull = MultiPoint(points).convex_hull
    if not isinstance(hull, shapely.Polygon):
        return None
    ring = orient(hull, sign=1.0).exterior.coords
    return [[[round(x, 6), round(y, 6)] for x, y in ring]]


def _by_count(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _int(value: int) -> str:
    """German thousands separator: 1.240."""
    return f"{value:,}".replace(",", ".")
