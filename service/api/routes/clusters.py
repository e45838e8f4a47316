"""Clusters for planners: dense groups of employers sharing a problem (API key: admin, advisor, planner).

The clusters are computed by :func:`~matcher.planning.clusters.finding.find_clusters` over all
employers of the (narrowed) region of the in-memory snapshot and redacted per request
(:meth:`AccessPolicy.redact_cluster`, docs/privacy.md): ``members`` only the ids the caller may see,
``member_count`` all members, ``hull`` only when every member is shown.
Clustering is CPU-heavy (about 4 s at 200,000 organisations), so the route runs in the thread pool and
the unredacted answers are cached per (store revision, parameters, page, order, as_of) in a small LRU;
a write creates a new revision, and the next request computes afresh.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from matcher.planning.clusters.finding import clusters_to_geojson
from matcher.planning.clusters.models import CLUSTER_STATES, DEFAULT_CLUSTER_ORDER, ClusterOrder, RegionFilter
from matcher.reference import ReferenceData
from matcher.settings import ClusterSettings
from matcher.vocabulary import ProblemCode
from service.access import Capability, region_state
from service.api.cluster_cache import ClusterKey, cluster_answer
from service.api.cluster_schemas import (
    CLUSTER_PAGE_MAX,
    CLUSTER_PAGE_SIZE,
    ClusterFormat,
    ClusterResult,
    ClusterState,
)
from service.api.deps import ClusterCacheDep, EngineDep, LiveDep, PolicyDep
from service.api.filters import BBoxQuery, parse_bbox
from service.api.problems import problem_responses
from service.api.schemas import CLUSTER_KREIS_PATTERN, IsoDate
from service.api.security import OptionalPrincipalDep
from service.auth import Principal

router = APIRouter(prefix="/api/v1", tags=["clusters"])

GEOJSON_MEDIA_TYPE = "application/geo+json"


def _cluster_caller(principal: OptionalPrincipalDep, policy: PolicyDep) -> Principal:
    """401 without a key, 403 for a role without clusters (decided before the parameters are looked at)."""
    admitted = policy.require(principal, Capability.CLUSTERS)
    assert admitted is not None
    return admitted


CallerDep = Annotated[Principal, Depends(_cluster_caller)]


def _bound(name: str, attribute: str) -> Any:
    """A numeric bound (``gt``, ``ge``, ``le``) of a :class:`ClusterSettings` field: API and library agree."""
    for constraint in ClusterSettings.model_fields[name].metadata:
        if hasattr(constraint, attribute):
            return getattr(constraint, attribute)
    raise LookupError(f"ClusterSettings.{name} has no {attribute} bound")


_EPS_GE, _EPS_LE = _bound("eps_km", "ge"), _bound("eps_km", "le")
_MIN_GE, _MIN_LE = _bound("min_members", "ge"), _bound("min_members", "le")
_DEFAULTS = ClusterSettings()


def _invalid(field: str, message: str) -> RequestValidationError:
    return RequestValidationError([{"loc": ("query", field), "msg": message, "type": "value_error"}])


def _check_kreis(kreis: str, reference: ReferenceData) -> str:
    if kreis not in reference.geo.kreise.index or region_state(kreis) not in CLUSTER_STATES:
        raise _invalid(
            "kreis",
            f"{kreis!r} ist kein bekannter Kreisschlüssel in Nordrhein-Westfalen oder Baden-Württemberg; erwartet "
            "werden 5 Ziffern, beginnend mit 05 (NRW) oder 08 (BW), z. B. 05913 für Dortmund.",
        )
    return kreis


def _region(
    kreis: str | None, state: ClusterState | None, bbox: str | None, reference: ReferenceData
) -> RegionFilter | None:
    """The asked region (422 naming the field for a bad value), None when nothing was asked."""
    box = parse_bbox(bbox) if bbox is not None else None
    code = _check_kreis(kreis, reference) if kreis is not None else None
    if code is None and state is None and box is None:
        return None
    # A Kreis implies its Land: asked with or without it (or narrowed for a planner), the same cache key.
    land = state.value if state is not None else region_state(code) if code is not None else None
    try:
        return RegionFilter(kreis=code, state=land, bbox=box)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "kreis"
        raise _invalid(field, str(first["msg"]).removeprefix("Value error, ")) from None


# -- route -----------------------------------------------------------------------------------------

CLUSTER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": (
            "Cluster (JSON) oder, mit `format=geojson`, eine GeoJSON-FeatureCollection / clusters (JSON) or, "
            "with `format=geojson`, a GeoJSON FeatureCollection"
        ),
        "content": {
            GEOJSON_MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "description": (
                        "FeatureCollection einer Seite: je Cluster ein Feature (Hülle als Polygon, sonst "
                        "Schwerpunkt als Punkt); properties wie im JSON ohne hull, dazu rank (ab offset+1); "
                        "Fremdelemente parameters, as_of, counts, total, returned, offset, limit / one page: one "
                        "Feature per cluster (hull polygon, else centroid point); properties as in JSON without "
                        "hull, plus rank (from offset+1); foreign members parameters, as_of, counts, total, "
                        "returned, offset, limit"
                    ),
                }
            }
        },
    },
    **problem_responses(401, 403, 422),
}


@router.get(
    "/clusters",
    response_model=ClusterResult,
    summary="Cluster von Arbeitgebern mit gemeinsamem Problem / Clusters of employers sharing a problem",
    description=(
        "Dichte Gruppen von Arbeitgebern (DBSCAN, `eps_km` Nachbarschaft, `min_size` Mitglieder), optional "
        "nur mit einem Problem (`issue`) und in einer Region (`kreis`, `state`, `bbox`): mit gemeinsamen "
        "Maßnahmen, Förderprogrammen am Stichtag `as_of` (Standard: heute) und wer an den Tisch gehört. "
        "Sortiert nach `order` (Standard `score`: Relevanz aus betroffenen Beschäftigten, Zahl der Betriebe "
        "und Anteil mit dem Hauptproblem; `size`: Zahl der Betriebe; `employees_affected`: betroffene "
        "Beschäftigte; gleichauf nach Relevanz, dann id) und seitenweise: `limit` Cluster (Standard "
        f"{CLUSTER_PAGE_SIZE}, höchstens {CLUSTER_PAGE_MAX}) ab `offset`; `total` nennt alle gefundenen, "
        "`returned` die dieser Seite. admin, advisor und planner (planner nur in der eigenen Region; eine "
        "andere Region ist 403). Gezählt werden alle Arbeitgeber; `members` nennt nur die ids, die Sie sehen "
        "dürfen (Planer: für Peers sichtbare), `member_count` alle, `hull` nur wenn alle gezeigt werden. "
        "`format=geojson` liefert dieselbe Seite als FeatureCollection (`application/geo+json`); für alle "
        "Cluster die Seiten abrufen.\n\n"
        "Dense groups of employers (DBSCAN with neighbourhood `eps_km` and `min_size` members), optionally "
        "only those reporting `issue` and within a region (`kreis`, `state`, `bbox`), with joint measures, "
        "funding available on `as_of` (default: today) and who should be at the table. Ordered by `order` "
        "(default `score`: the score from affected employees, members and the share with the leading problem;"
        " `size`: members; `employees_affected`: affected employees; ties by score, then id) and paged: "
        f"`limit` clusters (default {CLUSTER_PAGE_SIZE}, at most {CLUSTER_PAGE_MAX}) from `offset`; `total` "
        "counts all clusters found, `returned` those of this page. admin, advisor and planner (planners only "
        "in their own region; another region is 403). All employers are counted; `members` lists only the ids"
        " you may see (planners: those visible to peers), `member_count` all of them, `hull` only when all "
        "are shown. `format=geojson` answers the same page as a FeatureCollection (`application/geo+json`); "
        "fetch every page for all clusters."
    ),
    responses=CLUSTER_RESPONSES,
)
def list_clusters(
    principal: CallerDep,
    policy: PolicyDep,
    live: LiveDep,
    matching: EngineDep,
    cache: ClusterCacheDep,
    issue: Annotated[
        ProblemCode | None, Query(description="nur Arbeitgeber mit diesem Problem / only employers reporting it")
    ] = None,
    kreis: Annotated[
        str | None,
        Query(
            pattern=CLUSTER_KREIS_PATTERN,
            description="Kreisschlüssel in NRW (05…) oder BW (08…), z. B. 05913; muss zu `state` passen / Kreis "
            "code in NRW or BW (a Kreis the reference data knows, within `state` if given)",
        ),
    ] = None,
    state: Annotated[ClusterState | None, Query(description="Land: DE-NW oder DE-BW / Land")] = None,
    bbox: BBoxQuery = None,
    min_size: Annotated[
        int | None,
        Query(
            ge=_MIN_GE,
            le=_MIN_LE,
            description=f"Mindestzahl Mitglieder je Cluster ({_MIN_GE}–{_MIN_LE}, Standard {_DEFAULTS.min_members}) "
            "/ minimum members per cluster",
        ),
    ] = None,
    eps_km: Annotated[
        float | None,
        Query(
            ge=_EPS_GE,
            le=_EPS_LE,
            description=f"Nachbarschaft in km ({_EPS_GE} bis {_EPS_LE}, Standard {_DEFAULTS.eps_km}) / "
            "neighbourhood size in km (DBSCAN eps)",
        ),
    ] = None,
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=CLUSTER_PAGE_MAX,
            description=f"Cluster je Seite (1–{CLUSTER_PAGE_MAX}, Standard {CLUSTER_PAGE_SIZE}; Zählungen bleiben) / "
            "clusters per page",
        ),
    ] = CLUSTER_PAGE_SIZE,
    offset: Annotated[
        int, Query(ge=0, description="übersprungene Cluster, z. B. 50 für Seite 2 / clusters to skip")
    ] = 0,
    order: Annotated[
        ClusterOrder,
        Query(
            description="Reihenfolge: score (Relevanz, Standard), size (Betriebe), employees_affected (betroffene "
            "Beschäftigte) / order of the clusters"
        ),
    ] = DEFAULT_CLUSTER_ORDER,
    as_of: Annotated[
        IsoDate | None,
        Query(description="Stichtag JJJJ-MM-TT für Förderprogramme (Standard: heute) / date YYYY-MM-DD"),
    ] = None,
    response_format: Annotated[
        ClusterFormat, Query(alias="format", description="json oder geojson / response format")
    ] = ClusterFormat.JSON,
) -> Response:
    reference, settings = matching.reference, matching.settings
    region = policy.cluster_region(principal, _region(kreis, state, bbox, reference))
    snapshot = live.current()
    key = ClusterKey(
        revision=snapshot.revision,
        region=region,
        problem=issue,
        eps_km=eps_km if eps_km is not None else settings.clusters.eps_km,
        min_members=min_size if min_size is not None else settings.clusters.min_members,
        limit=limit,
        as_of=as_of or date.today(),
        offset=offset,
        order=order,
    )
    answer = cluster_answer(cache, key, snapshot.index, reference, settings)
    # Per request, never cached: what a caller may see of the members depends on the caller.
    clusters = policy.redact_clusters(principal, answer.clusters, snapshot.organisations.without_features())
    if response_format is ClusterFormat.GEOJSON:
        collection = clusters_to_geojson(answer, include_members=True, clusters=clusters)
        return JSONResponse(collection, media_type=GEOJSON_MEDIA_TYPE)
    # The redacted clusters are JSON-ready dicts in the shape of ClusterView (tested); written as they are,
    # because validating and dumping a few thousand nested models again costs more than the redaction.
    result = {**answer.model_dump(mode="json", exclude={"clusters"}), "clusters": clusters}
    return JSONResponse(result)
