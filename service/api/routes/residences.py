"""Wohnstandortanalyse (issue 14): upload an organisation's staff home postcodes, analyse them, pool them.

Who may do what is decided by :class:`service.access.AccessPolicy` (docs/privacy.md): uploads by the organisation
itself and admins; one organisation's analysis for it, admins, and advisors of its territory when it consented
(``share_residence_aggregates``); pooled analyses for planners of the region, advisors of the territory and
admins, over the consenting organisations only. Every answer obeys the k rule of ``matcher.residences``.
Uploads are read in a worker thread, counted per postcode and never logged with their content.

Each analysis route builds the analysis dict first and renders it per ``format`` afterwards
(:func:`_render`), so another format is one more branch there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from matcher.models import ORGANISATION_ID_PATTERN, Organisation
from matcher.residences.aggregation import ResidenceCounts
from matcher.vocabulary import KIND_LABELS_DE, STATE_NAMES_DE
from service.access import AccessPolicy, ProfileView, not_found_detail
from service.api.cluster_cache import ClusterKey, cluster_answer
from service.api.deps import (
    ClusterCacheDep,
    EngineDep,
    LiveDep,
    PolicyDep,
    ResidenceAnalystDep,
    ResidencesDep,
    SettingsDep,
)
from service.api.problems import Problem, problem, problem_responses
from service.api.residence_schemas import (
    GEOJSON_MEDIA_TYPE,
    PooledResidenceAnalysis,
    PostcodeCount,
    ReadDetails,
    ResidenceAnalysis,
    ResidenceFormat,
    ResidenceUpload,
    ResidenceUploadBody,
    ResidenceUploadProblem,
    ResidenceUploadResult,
    UploadRowProblem,
)
from service.api.schemas import OrganisationIdPath
from service.api.security import OptionalPrincipalDep
from service.api.uploads import XLSX_MEDIA_TYPE, limited_body, media_type, read_upload
from service.auth import Principal
from service.config import ServiceSettings
from service.live import LiveIndex, Snapshot
from service.residences import (
    Pool,
    ResidenceAnalyst,
    ResidenceUploadError,
    TooManyRowsError,
    UploadProblem,
    read_residence_file,
    residence_counts_of,
    upload_summary,
)
from service.residences_html import HEADERS as REPORT_HEADERS
from service.residences_html import ReportSubject, render_residences_html
from service.snapshot import estate_positions
from service.storage.repository import StoredResidences

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["residences"])

CSV_TYPES = {"text/csv": ".csv", "application/csv": ".csv", XLSX_MEDIA_TYPE: ".xlsx"}
JSON_TYPE = "application/json"
MAX_SELECTED = 1_000  # ids in ?organisations=
CLUSTER_ID_PATTERN = r"^cl-[0-9a-f]{12}$"
_ID = ORGANISATION_ID_PATTERN.strip("^$")
SELECTED_IDS_PATTERN = rf"^{_ID}(?:,{_ID}){{0,{MAX_SELECTED - 1}}}$"
LIST_DESTINATION = "ausgewählte Betriebe"
POOL_KINDS = {"estate": "Gewerbegebiet", "cluster": "Cluster", "selected": "Auswahl von Organisationen"}

FormatQuery = Annotated[
    ResidenceFormat,
    Query(
        alias="format",
        description="json, geojson (PLZ-Mittelpunkte, für QGIS) oder html (druckbarer A4-Bericht) / json, geojson "
        "or html (printable A4 report)",
    ),
]


# -- upload ------------------------------------------------------------------------------------------


def _too_large(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, detail=detail)


def _byte_limit(settings: ServiceSettings) -> int:
    """The smaller of the residence limit and the general body limit (which the middleware enforces anyway)."""
    return min(settings.residence_max_bytes, settings.max_body_bytes)


def _too_large_message(limit: int) -> str:
    size = f"{limit:,}".replace(",", ".")
    return f"Die Wohnort-Datei ist größer als {size} Bytes (BMM_RESIDENCE_MAX_BYTES). / The upload exceeds the limit."


async def _json_counts(request: Request, limit: int, analyst: ResidenceAnalyst, max_rows: int) -> ResidenceCounts:
    body = b"".join([chunk async for chunk in limited_body(request, limit, _too_large_message)])
    try:
        parsed = ResidenceUploadBody.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    if len(parsed.postcodes) > max_rows:
        raise _too_large(
            f"Mehr als {max_rows:,} Einträge in postcodes (BMM_RESIDENCE_MAX_ROWS). / Too many entries.".replace(
                ",", "."
            )
        )
    return residence_counts_of([(p.postcode, p.count) for p in parsed.postcodes], analyst.known_postcodes)


def _upload_refused(error: ResidenceUploadError, json_body: bool) -> JSONResponse:
    def loc(p: UploadProblem) -> list[str | int]:
        if json_body and p.row is not None:
            return ["body", "postcodes", p.row - 1, *([p.field] if p.field else [])]
        return ["body", *(part for part in (p.row, p.field) if part is not None)]

    count = f"{error.count:,}".replace(",", ".")
    base = problem(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        f"Wohnorte abgelehnt: {count} Fehler, nichts gespeichert (das bisherige Hochladen gilt weiter). "
        f"/ Upload refused: {count} error(s), nothing stored.",
    )
    body = ResidenceUploadProblem(
        **base.model_dump(exclude={"errors"}),
        errors=[
            UploadRowProblem(loc=loc(p), message=p.message, row=p.row, field=p.field, value=p.value)
            for p in error.problems
        ],
        error_count=error.count,
        **ReadDetails.of(error.info),
    )
    return JSONResponse(body.model_dump(), status_code=body.status, media_type="application/problem+json")


def _uploader(organisation_id: str, principal: Principal | None, policy: AccessPolicy, live: LiveIndex) -> Organisation:
    organisation = live.current().organisations.get(organisation_id)
    policy.require_residence_upload(principal, organisation_id, organisation)
    assert organisation is not None
    return organisation


_UPLOAD_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": "CSV oder XLSX"}},
            }
        },
        "text/csv": {"schema": {"type": "string"}, "example": "PLZ;Anzahl\n44139;12\n44137;7\n"},
        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        JSON_TYPE: {
            "schema": {
                "type": "object",
                "required": ["postcodes"],
                "additionalProperties": False,
                "properties": {"postcodes": {"type": "array", "items": PostcodeCount.model_json_schema()}},
            },
            "example": {"postcodes": [{"postcode": "44139", "count": 12}, {"postcode": "44137", "count": 7}]},
        },
    },
}
_UPLOAD_ERRORS: dict[int | str, dict[str, Any]] = {
    **problem_responses(400, 401, 403, 404, 413, 415),
    422: {
        "model": ResidenceUploadProblem | Problem,
        "description": "Ungültige Datei oder Zeilen (z. B. unbekannte PLZ), nichts gespeichert "
        "(ResidenceUploadProblem); ein ungültiger Parameter oder JSON-Inhalt wie bei jeder Anfrage (Problem) / "
        "invalid rows, nothing stored; an invalid parameter or JSON body as for any request",
    },
}


@router.put(
    "/organisations/{organisation_id}/residences",
    summary="Wohnorte der Beschäftigten hochladen / Upload staff home postcodes",
    description=(
        "Ersetzt die gespeicherten Wohnorte der Beschäftigten: CSV (`PLZ,Anzahl` oder eine Zeile je Person mit "
        "`PLZ` und optional `Verkehrsmittel`, `Schicht`; jede Kodierung und jedes Trennzeichen wie beim "
        "Organisationsimport) als `text/csv`-Inhalt, Datei (CSV oder XLSX) als `multipart/form-data` im Feld "
        '`file`, oder JSON `{"postcodes": [{"postcode": "44139", "count": 12}]}`. Alles oder nichts: '
        "jede fehlerhafte Zeile wird mit Wert genannt (422), dann bleibt das bisherige Hochladen unverändert. "
        "Gespeichert werden nur Anzahlen je Postleitzahl, nie Zeilen je Person; Verkehrsmittel und Schicht werden "
        "nach dem Zählen verworfen. Nur die Organisation selbst und admin. Grenzen: `GET /api/v1/limits`.\n\n"
        "Replaces the stored staff home postcodes: CSV (`postcode,count` or one row per employee with `postcode` "
        "and optional `mode`, `shift`), XLSX, or JSON. All or nothing (422 naming every bad value, the previous "
        "upload stays). Only counts per postcode are stored, never rows per person. The organisation itself and "
        "admins only."
    ),
    response_model=ResidenceUploadResult,
    responses=_UPLOAD_ERRORS,
    openapi_extra={"requestBody": _UPLOAD_BODY},
)
async def upload_residences(
    organisation_id: OrganisationIdPath,
    request: Request,
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    live: LiveDep,
    residences: ResidencesDep,
    analyst: ResidenceAnalystDep,
    settings: SettingsDep,
) -> ResidenceUploadResult | JSONResponse:
    _uploader(organisation_id, principal, policy, live)
    limit, max_rows = _byte_limit(settings), settings.residence_max_rows
    json_body = media_type(request) == JSON_TYPE
    info = None
    try:
        if json_body:
            counts = await _json_counts(request, limit, analyst, max_rows)
        else:
            async with AsyncExitStack() as stack:
                source, filename = await read_upload(
                    request, stack, CSV_TYPES, limit=limit, too_large=_too_large_message, also_accepted=[JSON_TYPE]
                )
                counts, info = await run_in_threadpool(
                    read_residence_file, source, filename, analyst.known_postcodes, max_rows
                )
    except ResidenceUploadError as error:
        logger.info("residence upload for %s refused: %d errors", organisation_id, error.count)
        return _upload_refused(error, json_body)
    except TooManyRowsError as error:
        raise _too_large(f"{error} / The upload has too many rows.") from None
    stored = residences.replace(organisation_id, counts)
    # Counts only: never a postcode, never the content.
    logger.info("residences of %s stored: %d people, %d postcodes", organisation_id, counts.total, len(counts.counts))
    return ResidenceUploadResult(**upload_summary(stored), **ReadDetails.of(info))


@router.get(
    "/organisations/{organisation_id}/residences",
    summary="Stand der hochgeladenen Wohnorte / State of the uploaded home postcodes",
    description=(
        "Wann und wie viele Personen hochgeladen wurden (keine Anzahlen je PLZ; die Auswertung steht unter "
        "`…/residences/analysis`). Die Organisation selbst und admin; 404 ohne Hochladen.\n\n"
        "When and how many people were uploaded (no counts per postcode). The organisation itself and admins; "
        "404 without an upload."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
def get_residences(
    organisation_id: OrganisationIdPath,
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    live: LiveDep,
    residences: ResidencesDep,
) -> ResidenceUpload:
    _uploader(organisation_id, principal, policy, live)
    return ResidenceUpload(**upload_summary(_stored(residences.get(organisation_id), organisation_id)))


@router.delete(
    "/organisations/{organisation_id}/residences",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Wohnorte löschen / Erase the home postcodes",
    description=(
        "Löscht die gespeicherten Wohnorte vollständig; ab dann gibt es keine Auswertung und die Organisation "
        "fließt in keine gepoolte Auswertung mehr ein. Die Organisation selbst und admin; 404 ohne Hochladen.\n\n"
        "Erases the stored home postcodes; from then on there is no analysis and the organisation is in no pooled "
        "analysis. The organisation itself and admins; 404 without an upload."
    ),
    responses=problem_responses(401, 403, 404, 422),
)
def delete_residences(
    organisation_id: OrganisationIdPath,
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    live: LiveDep,
    residences: ResidencesDep,
) -> Response:
    _uploader(organisation_id, principal, policy, live)
    if not residences.delete(organisation_id):
        raise _no_upload(organisation_id)
    logger.info("residences of %s erased", organisation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _no_upload(organisation_id: str) -> HTTPException:
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        detail=f"Für die Organisation '{organisation_id}' sind keine Wohnorte hochgeladen. "
        f"/ No home postcodes uploaded for '{organisation_id}'.",
    )


def _stored(stored: StoredResidences | None, organisation_id: str) -> StoredResidences:
    if stored is None:
        raise _no_upload(organisation_id)
    return stored


# -- analyses ----------------------------------------------------------------------------------------


def _render(
    answer: dict[str, Any], response_format: ResidenceFormat, analyst: ResidenceAnalyst, subject: ReportSubject
) -> Response:
    """The analysis in the asked format; the k rule was applied when ``answer`` was built (the report and the
    GeoJSON only show what it holds). ``subject`` names the report's title and whether the data are synthetic."""
    if response_format is ResidenceFormat.GEOJSON:
        return JSONResponse(analyst.geojson(answer), media_type=GEOJSON_MEDIA_TYPE)
    if response_format is ResidenceFormat.HTML:
        features = analyst.geojson(answer)["features"]
        page = render_residences_html(answer, subject, features, analyst.reference.geo.boundaries)
        return HTMLResponse(page, headers=REPORT_HEADERS)
    return JSONResponse(answer)


def _analysis_responses(model: type[Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "model": model,
            "description": "Auswertung (JSON) oder mit `format=geojson` eine FeatureCollection / analysis or GeoJSON",
            "content": {
                GEOJSON_MEDIA_TYPE: {
                    "schema": {
                        "type": "object",
                        "description": "FeatureCollection: je gezeigter Wohn-PLZ (≥ k) ein Punkt am PLZ-Mittelpunkt, "
                        "dazu ein Feature ohne Geometrie für die übrigen Wohnorte (count null wenn unterdrückt); die "
                        "übrigen Felder der Auswertung als zusätzliche Mitglieder / one point per listed postcode, "
                        "one feature without geometry for all others; the other fields as foreign members",
                    }
                },
                "text/html": {
                    "schema": {
                        "type": "string",
                        "description": "`format=html`: druckbarer deutscher A4-Bericht mit Karte (ohne Skripte, nicht "
                        "zwischengespeichert) / printable German A4 report with a map",
                    }
                },
            },
        },
        **problem_responses(401, 403, 404, 422),
    }


@router.get(
    "/organisations/{organisation_id}/residences/analysis",
    summary="Wohnstandortanalyse einer Organisation / Residence analysis of one organisation",
    description=(
        "Wie weit die Beschäftigten wohnen, welche Verkehrsmittel realistisch sind und wo Fahrgemeinschaften "
        "lohnen: Entfernungsbänder, Potenziale (zu Fuß, Rad, Pedelec, ÖPNV, Fahrgemeinschaft), Wohn-PLZ und "
        "-gemeinden. Keine Zelle zeigt 1 … k−1 Personen (`k` ≥ 5, unterdrückt: `count: null, suppressed: true`, "
        "kleine Wohn-PLZ nur in `other_origins`). Für die Organisation selbst, admin und Beratungsstellen ihres "
        "Gebiets, wenn sie eingewilligt hat (`share_residence_aggregates`). `format=geojson`: Punkte für QGIS.\n\n"
        "How far staff live, which modes are realistic, where carpools pay. No cell shows 1 … k−1 people. For "
        "the organisation itself, admins, and advisors of its territory if it consented. `format=geojson` for QGIS."
    ),
    responses=_analysis_responses(ResidenceAnalysis),
)
def organisation_analysis(
    organisation_id: OrganisationIdPath,
    principal: OptionalPrincipalDep,
    policy: PolicyDep,
    live: LiveDep,
    residences: ResidencesDep,
    analyst: ResidenceAnalystDep,
    response_format: FormatQuery = ResidenceFormat.JSON,
) -> Response:
    organisation = live.current().organisations.get(organisation_id)
    policy.require_residence_analysis(principal, organisation_id, organisation)
    assert organisation is not None
    answer = analyst.analysis(organisation, _stored(residences.get(organisation_id), organisation_id))
    location, naming = organisation.location, analyst.reference.geo.kreis_naming
    subject = ReportSubject(
        title=organisation.name, kind=KIND_LABELS_DE[organisation.kind], synthetic=organisation.synthetic,
        generated_on=date.today(), reference=organisation.id,
        place=f"{naming.place(location.municipality_name, location.kreis_code, location.kreis_name)}, "
        f"{STATE_NAMES_DE.get(location.state, location.state)}",
    )  # fmt: skip
    return _render(answer, response_format, analyst, subject)


# -- pooled ------------------------------------------------------------------------------------------


def _pool_caller(principal: OptionalPrincipalDep, policy: PolicyDep) -> Principal:
    """401 without a key, 403 for a role without pooled analyses (before the selection is looked at)."""
    policy.residence_pool_scope(principal)
    assert principal is not None
    return principal


PoolCallerDep = Annotated[Principal, Depends(_pool_caller)]


def _not_found(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=detail)


def _estate_pool(
    name: str, snapshot: Snapshot, in_scope: Callable[[Organisation], bool], visible: Callable[[Organisation], bool]
) -> Pool:
    found = [snapshot.organisations.at(int(p)) for p in estate_positions(snapshot.index, name)]  # a column search
    members = sorted((o for o in found if in_scope(o)), key=lambda o: o.id)
    # An estate is part of a profile: a caller learns of it only through a member it may see (as in clusters).
    if not any(visible(o) for o in members):
        # The name is not echoed: the answer reads alike for an unknown estate and one outside the caller's area.
        raise _not_found("Kein Gewerbegebiet dieses Namens in Ihrem Bereich. / No estate of this name in your area.")
    return Pool(destination=members[0].estate or name, selection={"estate": members[0].estate}, organisations=members)


def _selected_pool(
    raw: str, snapshot: Snapshot, in_scope: Callable[[Organisation], bool], visible: Callable[[Organisation], bool]
) -> Pool:
    ids = list(dict.fromkeys(raw.split(",")))  # the parameter's pattern: 1 to MAX_SELECTED ids, no blanks
    members = []
    for organisation_id in ids:
        organisation = snapshot.organisations.get(organisation_id)
        # Unknown, invisible and out-of-scope ids answer alike: existence does not leak.
        if organisation is None or not visible(organisation) or not in_scope(organisation):
            raise _not_found(not_found_detail(organisation_id))
        members.append(organisation)
    return Pool(destination=LIST_DESTINATION, selection={"selected": ids}, organisations=members)


def _cluster_pool(
    cluster_id: str,
    principal: Principal,
    policy: AccessPolicy,
    snapshot: Snapshot,
    cache: ClusterCacheDep,
    matching: EngineDep,
    in_scope: Callable[[Organisation], bool],
) -> Pool:
    cluster = cache.find(snapshot.revision, cluster_id)
    if cluster is None:  # not listed since the last change: look among the default clusters of the caller's region
        clusters = matching.settings.clusters
        key = ClusterKey(
            revision=snapshot.revision, region=policy.cluster_region(principal, None), problem=None,
            eps_km=clusters.eps_km, min_members=clusters.min_members, limit=None, as_of=date.today(),
        )  # fmt: skip
        answer = cluster_answer(cache, key, snapshot.index, matching.reference, matching.settings)
        cluster = next((c for c in answer.clusters if c.id == cluster_id), None)
    if cluster is not None:
        snapshot.organisations.prefetch(cluster.members)
    found = [] if cluster is None else [snapshot.organisations.get(m) for m in cluster.members]
    members = [o for o in found if o is not None and in_scope(o)]
    if cluster is None or not members:
        raise _not_found(
            f"Cluster „{cluster_id}“ nicht gefunden; Cluster-ids gelten für den aktuellen Datenstand, bitte "
            f"GET /api/v1/clusters erneut abrufen. / Cluster '{cluster_id}' not found."
        )
    name = policy.redact_cluster(principal, cluster, snapshot.organisations)["name"]
    return Pool(destination=str(name), selection={"cluster": cluster_id}, organisations=members)


@router.get(
    "/residences/analysis",
    summary="Gepoolte Wohnstandortanalyse / Pooled residence analysis",
    description=(
        "Wohnstandortanalyse über die Betriebe eines Gewerbegebiets (`estate`), eines Clusters von "
        "`GET /api/v1/clusters` (`cluster`) oder einer Liste (`organisations=a,b,…`), genau eine Auswahl. "
        "Einbezogen werden nur Betriebe, die eingewilligt haben (`share_residence_aggregates`) und Wohnorte "
        "hochgeladen haben; die übrigen zählt `left_out`, ohne sie zu nennen. Standort: Mittelpunkt der "
        "einbezogenen Betriebe. Dieselben Felder wie die Einzelanalyse, dazu `organisations` (Anzahl), "
        "`cross_firm` (Wohn-PLZ mit Beschäftigten mehrerer Betriebe, ≥ k zusammen: 3 + 3 werden eine sichtbare 6) "
        "und `corridors` (Wohngemeinde → Ziel, für Shuttle und Bus). Für planner ihrer Region, advisor ihres "
        "Gebiets und admin; andere Betriebe als die des eigenen Bereichs werden nicht einbezogen.\n\n"
        "Pooled over the firms of an estate, a cluster or a list (exactly one selector), only those that consented "
        "and uploaded; the others are counted in `left_out`, never named. Site: the pooled firms' centroid. "
        "Planners of the region, advisors of the territory, admins."
    ),
    responses=_analysis_responses(PooledResidenceAnalysis),
)
def pooled_analysis(
    principal: PoolCallerDep,
    policy: PolicyDep,
    live: LiveDep,
    matching: EngineDep,
    cache: ClusterCacheDep,
    residences: ResidencesDep,
    analyst: ResidenceAnalystDep,
    estate: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Name des Gewerbegebiets (wie im Profil) / estate name"),
    ] = None,
    cluster: Annotated[
        str | None,
        Query(pattern=CLUSTER_ID_PATTERN, description="Cluster-id aus GET /api/v1/clusters / cluster id"),
    ] = None,
    organisations: Annotated[
        str | None,
        Query(
            pattern=SELECTED_IDS_PATTERN,
            description=f"ids durch Kommas getrennt (höchstens {MAX_SELECTED}) / comma-separated ids (at most "
            f"{MAX_SELECTED})",
        ),
    ] = None,
    response_format: FormatQuery = ResidenceFormat.JSON,
) -> Response:
    given = [name for name, value in (("estate", estate), ("cluster", cluster), ("organisations", organisations))
             if value is not None and value.strip()]  # fmt: skip
    if len(given) != 1:
        message = "Genau eine Auswahl angeben: estate, cluster oder organisations (exactly one selector)."
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": message, "type": "value_error"} for name in (given or ["estate"])]
        )
    in_scope = policy.residence_pool_scope(principal)
    snapshot = live.current()

    def visible(organisation: Organisation) -> bool:
        return policy.profile_view(principal, organisation) is not ProfileView.NONE

    if estate is not None and given == ["estate"]:
        pool = _estate_pool(estate, snapshot, in_scope, visible)
    elif cluster is not None and given == ["cluster"]:
        pool = _cluster_pool(cluster, principal, policy, snapshot, cache, matching, in_scope)
    else:
        assert organisations is not None
        pool = _selected_pool(organisations, snapshot, in_scope, visible)
    pool = replace(pool, may_name=visible)
    stored = residences.get_many([o.id for o in pool.organisations])
    answer = analyst.pooled(pool, stored)
    logger.info(
        "pooled residence analysis by key %s: %s, %d pooled, %d left out",
        principal.key_id, next(iter(pool.selection)), answer["organisations"], answer["left_out"]["total"],
    )  # fmt: skip
    kind = next(iter(pool.selection))
    subject = ReportSubject(
        title=pool.destination, kind=POOL_KINDS[kind], synthetic=any(o.synthetic for o in pool.organisations),
        generated_on=date.today(), reference=str(pool.selection[kind]) if kind != "selected" else "",
        names={o.id: o.name for o in pool.organisations if visible(o)},
    )  # fmt: skip
    return _render(answer, response_format, analyst, subject)
