"""Clusters for planners: where is a joint project worth it? (docs/planning.md, section Clusters)

Employers (optionally only those in a region, or only those reporting one problem) are clustered by density: exact
DBSCAN (``matcher.planning.clusters.density``) on stereographic kilometre coordinates, eps in km, ``min_members``
as DBSCAN's min_samples. An estate (Gewerbegebiet) DBSCAN found none of is a cluster when at least ``min_members``
selected firms within ``estate_reach_km`` name it, and clusters sharing an estate are one. When nothing is found,
the answer says why and which eps or min_members would find something. Each cluster gets its dominant problems,
estates and municipalities, the joint measures that address its problems, the funding programmes the municipality
or the members could use for them, and who should be at the table. Clusters are ranked by potential: employees
affected, members and concentration of the leading problem (``ClusterWeights``).

Pure and deterministic: the same index, reference data, settings and arguments give the same answer,
independent of the order of the organisations in the index (cluster ids derive from the member ids).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from matcher.errors import InputError
from matcher.geo.distance import FloatArray
from matcher.index import OrganisationIndex, estate_key
from matcher.planning.clusters.density import dbscan, stereographic_km
from matcher.planning.clusters.describe import (
    PROBLEM_COLUMN,
    draft_cluster,
    finish_cluster,
    municipality_names,
    order_key,
    rank_key,
    table_organisations,
    unique_names,
)
from matcher.planning.clusters.models import (
    CLUSTER_ORDER_TEXT_DE,
    DEFAULT_CLUSTER_ORDER,
    Cluster,
    ClusterAnswer,
    ClusterOrder,
    ClusterParameters,
    RegionFilter,
)
from matcher.planning.clusters.table import AdvisorLookup, FundingCheck
from matcher.reference import ReferenceData
from matcher.settings import ClusterSettings, MatcherSettings
from matcher.vocabulary import PROBLEM_LABELS_DE, STATE_NAMES_DE, ProblemCode

__all__ = ["Cluster", "ClusterAnswer", "ClusterOrder", "RegionFilter", "clusters_to_geojson", "find_clusters"]

IntArray = npt.NDArray[np.int64]
_EPS_MAX = next(float(m.le) for m in ClusterSettings.model_fields["eps_km"].metadata if hasattr(m, "le"))


def find_clusters(
    index: OrganisationIndex,
    reference: ReferenceData,
    settings: MatcherSettings,
    *,
    as_of: date,
    region: RegionFilter | None = None,
    problem: ProblemCode | None = None,
    eps_km: float | None = None,
    min_members: int | None = None,
    limit: int | None = None,
    offset: int = 0,
    order: ClusterOrder = DEFAULT_CLUSTER_ORDER,
) -> ClusterAnswer:
    """Dense groups of employers in the ``order`` asked (default: best first); ``eps_km`` / ``min_members``
    default to ``settings.clusters``.

    ``as_of`` decides which funding programmes are available. ``offset`` and ``limit`` page through the
    ordered clusters: only the page is enriched (measures, funding, table), ``total`` and the counts of
    employers cover all. Names are made unique over all clusters in score order, so they do not depend on
    the page or the order. Bad arguments raise :class:`InputError` naming the argument.
    """
    config = _overridden(settings.clusters, eps_km=eps_km, min_members=min_members)
    if limit is not None and limit < 1:
        raise InputError("limit", f"limit muss mindestens 1 sein (erhalten: {limit})", "out_of_range")
    if offset < 0:
        raise InputError("offset", f"offset muss mindestens 0 sein (erhalten: {offset})", "out_of_range")
    if region is not None and region.kreis is not None and region.kreis not in reference.geo.kreise.index:
        raise InputError("region.kreis", f"Kreis {region.kreis} ist in den Referenzdaten unbekannt", "unknown_kreis")
    selected = _select(index, region, problem)
    points = _projected(index, selected)
    groups = _cluster(index, selected, points, config)
    names = municipality_names(reference)
    ranked = unique_names(
        sorted((draft_cluster(index, names, members, problem, config) for members in groups), key=rank_key)
    )
    ordered = sorted(ranked, key=order_key(order))
    drafts = ordered[offset : offset + limit if limit is not None else None]
    tables = table_organisations(index, reference, settings, drafts)
    check = FundingCheck(reference.catalog, settings, as_of)
    advisors = AdvisorLookup(reference.catalog, settings, reference.geo.kreis_naming)
    clusters = [
        finish_cluster(index, reference, settings, check, advisors, draft, table)
        for draft, table in zip(drafts, tables, strict=True)
    ]
    clustered = sum(len(members) for members in groups)
    return ClusterAnswer(
        as_of=as_of,
        parameters=ClusterParameters(
            eps_km=config.eps_km,
            min_members=config.min_members,
            problem=problem,
            problem_label=PROBLEM_LABELS_DE[problem] if problem is not None else None,
            region=region,
            order=order,
            order_text=CLUSTER_ORDER_TEXT_DE[order],
            region_label=region_label(region, reference),
        ),
        considered=len(selected),
        clustered=clustered,
        noise=len(selected) - clustered,
        total=len(ranked),
        offset=offset,
        limit=limit,
        returned=len(clusters),
        clusters=clusters,
        note=None if groups else empty_note(points, config, problem),
    )


def clusters_to_geojson(
    answer: ClusterAnswer,
    *,
    include_members: bool = False,
    clusters: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection: one Feature per cluster of the page (hull polygon, else centroid point).

    ``rank`` counts from the first cluster of all pages (``offset + 1``); the foreign members ``total``,
    ``returned``, ``offset`` and ``limit`` say which page this is.
    Member ids are left out unless ``include_members``: the service decides by consent what may be shown.
    ``clusters`` replaces ``answer.clusters`` by JSON-ready cluster dicts in the same shape (e.g. redacted
    by the service: members only as far as visible, hull withheld); geometry and properties come from them.
    """
    data = clusters if clusters is not None else [cluster.model_dump(mode="json") for cluster in answer.clusters]
    features = []
    for rank, cluster in enumerate(data, start=answer.offset + 1):
        hull = cluster.get("hull")
        geometry: dict[str, Any] = (
            {"type": "Polygon", "coordinates": hull}
            if hull is not None
            else {"type": "Point", "coordinates": [cluster["centroid_lon"], cluster["centroid_lat"]]}
        )
        properties = {k: v for k, v in cluster.items() if k != "hull" and (include_members or k != "members")}
        properties["rank"] = rank
        features.append({"type": "Feature", "id": cluster["id"], "geometry": geometry, "properties": properties})
    return {
        "type": "FeatureCollection",
        "features": features,
        "parameters": answer.parameters.model_dump(mode="json"),
        "as_of": answer.as_of.isoformat(),
        "counts": {"considered": answer.considered, "clustered": answer.clustered, "noise": answer.noise},
        "total": answer.total,
        "returned": len(features),
        "offset": answer.offset,
        "limit": answer.limit,
    }


# -- selection and clustering -------------------------------------------------------------------


def _overridden(config: ClusterSettings, **overrides: float | int | None) -> ClusterSettings:
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return ClusterSettings.model_validate({**config.model_dump(), **given})
    except ValidationError as error:
        name = str(error.errors()[0]["loc"][0])
        field = ClusterSettings.model_fields[name]
        limits = ", ".join(_limit_text(m) for m in field.metadata if _limit_text(m))
        raise InputError(name, f"{name}={given.get(name)!r} ist nicht zulässig ({limits})", "out_of_range") from error


def _limit_text(constraint: object) -> str:
    for attribute, text in (("gt", "größer als"), ("ge", "mindestens"), ("lt", "kleiner als"), ("le", "höchstens")):
        if hasattr(constraint, attribute):
            return f"{text} {getattr(constraint, attribute)}"
    return ""


def _select(index: OrganisationIndex, region: RegionFilter | None, problem: ProblemCode | None) -> IntArray:
    mask = (index.groups == "employers") & index.alive
    if region is not None:
        if region.kreis is not None:
            mask &= index.kreis_codes == region.kreis
        if region.state is not None:
            mask &= index.states == region.state
        if region.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = region.bbox
            mask &= (index.lon >= min_lon) & (index.lon <= max_lon) & (index.lat >= min_lat) & (index.lat <= max_lat)
    if problem is not None:
        mask &= index.issues[:, PROBLEM_COLUMN[problem]]
    return np.flatnonzero(mask)


def _projected(index: OrganisationIndex, selected: IntArray) -> FloatArray:
    """(n, 2) km coordinates of the selection, stereographic about its centre."""
    if len(selected) == 0:
        return np.zeros((0, 2))
    # Projection centre rounded, so that reordering the index cannot change the coordinates' last bits.
    centre = index.xyz[selected].mean(axis=0)
    lat0 = round(math.degrees(math.atan2(centre[2], math.hypot(centre[0], centre[1]))), 4)
    lon0 = round(math.degrees(math.atan2(centre[1], centre[0])), 4)
    return stereographic_km(index.lat[selected], index.lon[selected], lat0, lon0)


def _cluster(
    index: OrganisationIndex, selected: IntArray, points: FloatArray, config: ClusterSettings
) -> list[IntArray]:
    """Member positions of each cluster (sorted by id); clusters below min_members are dropped."""
    if len(selected) == 0:
        return []
    labels = dbscan(points, config.eps_km, config.min_members).labels
    labels = _estate_groups(index, selected, points, labels, config)
    inside = labels >= 0
    positions, labels = selected[inside], labels[inside]
    order = np.lexsort((index.id_order(positions), labels))
    positions, labels = positions[order], labels[order]
    labels = _join_shared_estates(index, positions, labels)
    order = np.lexsort((index.id_order(positions), labels))
    positions, labels = positions[order], labels[order]
    groups = np.split(positions, np.flatnonzero(np.diff(labels)) + 1)
    # A border firm nearer to another cluster's core can leave a cluster below min_members: dropped.
    return [g for g in groups if len(g) >= config.min_members]


def _estate_keys(index: OrganisationIndex, positions: IntArray) -> list[str]:
    """'AGS|estate' per position ('' outside any estate): names such as 'Gewerbegebiet Nord' repeat across towns."""
    places, estates = index.municipality_ags[positions].tolist(), index.estate_names[positions].tolist()
    return [f"{ags}|{estate_key(name)}" if estate_key(name) else "" for ags, name in zip(places, estates, strict=True)]


def _estate_groups(
    index: OrganisationIndex, selected: IntArray, points: FloatArray, labels: IntArray, config: ClusterSettings
) -> IntArray:
    """An estate DBSCAN found none of: its firms within ``estate_reach_km`` of their median position get a label of
    their own when they are at least min_members.

    DBSCAN alone misses an estate whose firms are spread wider than eps (five shift plants on an estate of 1 km
    radius are rarely five within 500 m), although the estate is where a joint shuttle or timetable request is
    planned; then the estate name is the only sign of the group. Where DBSCAN found some of an estate, its answer
    stands (split parts are joined later), so eps keeps its meaning there and noise firms are not pulled in. The
    median keeps one far-off firm with the same estate name from moving the estate."""
    keys = np.array(_estate_keys(index, selected), dtype=str)
    labels = labels.copy()
    next_label = int(labels.max(initial=-1)) + 1
    names, group = np.unique(keys, return_inverse=True)
    order = np.argsort(group, kind="stable")
    for key, members in zip(names, np.split(order, np.flatnonzero(np.diff(group[order])) + 1), strict=True):
        if not key or len(members) < config.min_members or (labels[members] >= 0).any():
            continue
        reach = np.linalg.norm(points[members] - np.median(points[members], axis=0), axis=1) <= config.estate_reach_km
        if reach.sum() >= config.min_members:
            labels[members[reach]] = next_label
            next_label += 1
    return labels


def empty_note(points: FloatArray, config: ClusterSettings, problem: ProblemCode | None) -> str:
    """German: why no cluster was found and which eps or minimum size would find one (exact for DBSCAN's cores)."""
    what = "Arbeitgeber" if problem is None else f"Arbeitgeber mit „{PROBLEM_LABELS_DE[problem]}“"
    count = len(points)
    if count < config.min_members:
        return (
            f"Kein Cluster: nur {count} {what} in der Auswahl, mindestens {config.min_members} nötig. "
            "Eine größere Region oder kein Problemfilter findet mehr."
        )
    tree = cKDTree(points)
    densest = int(tree.query_ball_point(points, config.eps_km, return_length=True).max())
    # The smallest eps at which some firm has min_members firms (itself included) around it: a core point.
    kth, _ = tree.query(points, k=config.min_members)
    needed = math.ceil(float(np.asarray(kth)[:, -1].min()) * 10 - 1e-9) / 10
    eps = _km(config.eps_km)
    text = (
        f"Kein Cluster: {count} {what} in der Auswahl, aber nirgends {config.min_members} innerhalb von {eps} "
        f"(dichteste Stelle: {densest}) und kein Gewerbegebiet mit {config.min_members} davon."
    )
    options = []
    if densest >= 2:
        options.append(f"einer Mindestgröße von {densest}")
    if needed <= _EPS_MAX:
        options.append(f"einer Nachbarschaft (eps) von {_km(needed)}")
    return text + (f" Ein Cluster ergäbe sich mit {' oder '.join(options)}." if options else "")


def _km(value: float) -> str:
    return f"{value:g} km".replace(".", ",")


def region_label(region: RegionFilter | None, reference: ReferenceData) -> str:
    """German: 'Kreis Unna', 'Stadt Dortmund (kreisfreie Stadt)', 'Nordrhein-Westfalen', 'Kartenausschnitt', 'alle'."""
    if region is None:
        return "alle Standorte"
    parts = []
    if region.kreis is not None:
        name = str(reference.geo.kreise.loc[region.kreis, "short_name"])
        parts.append(reference.geo.kreis_naming.kreis(region.kreis, name))
    elif region.state is not None:
        parts.append(STATE_NAMES_DE[region.state])
    if region.bbox is not None:
        parts.append("Kartenausschnitt")
    return ", ".join(parts) or "alle Standorte"


def _join_shared_estates(index: OrganisationIndex, positions: IntArray, labels: IntArray) -> IntArray:
    """Clusters whose members name the same estate (Gewerbegebiet) in the same municipality become one: an
    estate larger than eps is not split. Connected components over (cluster, estate) links, so exact and
    independent of the order of the input."""
    keys = _estate_keys(index, positions)
    named = [i for i, key in enumerate(keys) if key]
    if not named:
        return labels
    _, cluster_of = np.unique(labels, return_inverse=True)
    estate_names, estate_of = np.unique([keys[i] for i in named], return_inverse=True)
    n_clusters = int(cluster_of.max()) + 1
    rows = cluster_of[named]
    cols = n_clusters + estate_of.ravel()
    size = n_clusters + len(estate_names)
    graph = coo_matrix((np.ones(len(named), dtype=np.int8), (rows, cols)), shape=(size, size))
    _, component = connected_components(graph, directed=False)
    return np.asarray(component[cluster_of.ravel()], dtype=np.int64)
