"""Import and export of organisations over HTTP (CSV, XLSX, GeoJSON), on the building blocks of ``service.io``.

Import: admin only, all rows or none. The upload is streamed to a temporary file (CSV and XLSX are then read
row by row; GeoJSON is parsed as one document) and checked in a worker thread; one import at a time across
all processes and machines (the lock is a row in the database, service/storage/locks.py). Export: the list's
filters and scope, read in keyset pages and streamed as an attachment while it is written (CSV, GeoJSON; XLSX
goes through a temporary file); each role sees what the list shows it (docs/privacy.md).
"""

from __future__ import annotations

import gc
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import AsyncExitStack
from datetime import date
from pathlib import Path
from typing import Annotated, Any, BinaryIO

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from matcher.models import Organisation
from matcher.profiles import ProfileBuilder
from matcher.vocabulary import OrganisationKind
from service.access import AccessPolicy, ProfileView
from service.api.deps import BuilderDep, LocatorDep, PolicyDep, RepositoryDep
from service.api.filters import FiltersDep
from service.api.problems import FieldProblem, Problem, problem, problem_responses
from service.api.routes.organisations import ReaderDep
from service.api.security import require_roles
from service.api.uploads import XLSX_MEDIA_TYPE, read_upload
from service.auth import Principal
from service.config import ServiceSettings
from service.geocoding.locating import AddressLocator
from service.io import COLUMNS, ExportFormat, ImportFailed, ImportReport, RowError, import_organisations
from service.io.columns import CONTACT_COLUMNS
from service.io.exporting import (
    EXPORT_COLUMNS,
    EXPORT_PAGE_SIZE,
    CellsOf,
    export_chunks,
    export_organisations,
    organisation_cells,
)
from service.storage.locks import LockBusyError, acquire_import_lock
from service.storage.repository import OrganisationRepository, WriteMode
from service.storage.rows import Cell
from service.storage.sql_repository import SqlOrganisationRepository

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["organisations"])

IMPORT_PATH = f"{router.prefix}/organisations/import"
# The route description names the default; an app's own limit comes from its ServiceSettings.
_IMPORT_DEFAULT: int = ServiceSettings.model_fields["import_max_bytes"].default

# Raw request bodies by media type, with the file ending that tells service.io the format.
RAW_BODY_TYPES: dict[str, str] = {
    "text/csv": ".csv",
    "application/csv": ".csv",
    XLSX_MEDIA_TYPE: ".xlsx",
    "application/geo+json": ".geojson",
}
EXPORT_MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.CSV_EXCEL: "text/csv; charset=utf-8",
    ExportFormat.XLSX: XLSX_MEDIA_TYPE,
    ExportFormat.GEOJSON: "application/geo+json",
}
# What a planner's export holds (ProfileView.PUBLIC): name and location; contact data only if visible.
PUBLIC_COLUMNS = frozenset({"id", "kind", "name", "estate", "lat", "lon", "synthetic", "location_precision"})
CONTACT_CELLS = frozenset({*CONTACT_COLUMNS, "address"})


def import_body_limits(settings: ServiceSettings) -> Mapping[str, int]:
    """The ``per_path`` body limits for :class:`service.api.limits.BodySizeLimitMiddleware`."""
    return {IMPORT_PATH: settings.import_max_bytes}


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


# -- models ------------------------------------------------------------------------------------------


class FileInfo(BaseModel):
    """Was beim Lesen erkannt wurde / what reading detected."""

    format: str | None = Field(description="csv, xlsx oder geojson")
    encoding: str | None = Field(description="erkannte Kodierung (nur CSV) / detected encoding (CSV only)")
    delimiter: str | None = Field(description="erkanntes Trennzeichen (nur CSV) / detected delimiter (CSV only)")
    mapping: dict[str, str] = Field(description="Spaltenüberschrift der Datei → Feld / file header → field")
    warnings: list[str] = Field(description="Hinweise, z. B. ignorierte Spalten / warnings, e.g. ignored columns")


class GeocodingResult(BaseModel):
    """Geokodierung der Straßenadressen / geocoding of street addresses (docs/service.md, Geokodierung)."""

    addresses: int = Field(description="Zeilen mit Adresse und PLZ, ohne Koordinaten / rows to geocode")
    cached: int = Field(description="davon schon im Zwischenspeicher / of those, answered by the cache")
    to_query: int = Field(description="Probelauf: Adressen, die abgefragt würden / dry run: addresses to ask")
    queried: int = Field(description="jetzt abgefragte Adressen / addresses sent now (0 in a dry run)")
    located: int = Field(description="an der Adresse verortet (location.precision address) / placed at the address")


class ImportResult(FileInfo):
    """Ergebnis eines erfolgreichen Imports oder Probelaufs / result of a successful import or dry run."""

    dry_run: bool = Field(description="true: nur geprüft, nichts gespeichert / checked only, nothing stored")
    rows: int = Field(description="gespeicherte (Probelauf: gültige) Datenzeilen / data rows stored (dry run: valid)")
    created: int = Field(description="neu angelegte Organisationen / organisations created")
    updated: int = Field(description="ersetzte Organisationen (upsert) / organisations replaced (upsert)")
    check_seconds: float = Field(description="Zeit für Lesen und Prüfen / time to read and check")
    store_seconds: float = Field(description="Zeit für das Speichern / time to store")
    geocoding: GeocodingResult | None = Field(
        description="null: kein Geokodierer eingestellt (BMM_GEOCODER=none) / null: no geocoder configured"
    )


class RowProblem(FieldProblem):
    row: int | None = Field(description="Tabellenzeile (Kopfzeile = 1), null: die Datei / row (header = 1)")
    field: str | None = Field(description="Spalte, null: die ganze Zeile / column, null: the whole row")


class ImportProblem(FileInfo):
    """Problemdetails eines abgelehnten Imports (nichts gespeichert) / problem details of a refused import."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[RowProblem] = Field(description="die ersten Fehler (höchstens 1.000) / the first errors (≤ 1,000)")
    error_count: int = Field(description="Anzahl aller Fehler / number of all errors")
    omitted: int = Field(description="nicht aufgeführte Fehler / errors not listed")
    rows: int = Field(description="gelesene Datenzeilen / data rows read")


# -- import ------------------------------------------------------------------------------------------

AdminDep = Annotated[Principal, Depends(require_roles())]
ModeQuery = Annotated[
    WriteMode,
    Query(
        description="upsert: vorhandene ids ersetzen; insert: vorhandene id ist ein Fehler / insert: stored id fails"
    ),
]


KindQuery = Annotated[
    OrganisationKind | None,
    Query(
        description="Art für Zeilen ohne eigene, z. B. craft_business für eine HWK-Liste / kind for rows without one"
    ),
]
DryRunQuery = Annotated[
    bool,
    Query(
        description="true: nur prüfen und zeigen, was gespeichert würde (Kodierung, Zuordnung, Anzahlen, Fehler) "
        "/ check only, store nothing"
    ),
]


def _run_import(
    source: BinaryIO,
    filename: str | None,
    mode: WriteMode,
    repository: OrganisationRepository,
    builder: ProfileBuilder,
    kind: OrganisationKind | None = None,
    dry_run: bool = False,
    locator: AddressLocator | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport | ImportFailed:
    # As in 'bmm import': millions of new acyclic objects make full cyclic collections rescan them repeatedly
    # (halves the time for 300,000 rows). Imports run one at a time (import lock), so this cannot interleave.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return import_organisations(
            source,
            repository,
            builder,
            mode=mode,
            filename=filename,
            kind=kind,
            dry_run=dry_run,
            locator=locator,
            progress=progress,
        )
    finally:
        if collecting:
            gc.enable()


def _row_problem(error: RowError) -> RowProblem:
    loc: list[str | int] = ["body", *(part for part in (error.row, error.field) if part is not None)]
    return RowProblem(loc=loc, message=error.message, row=error.row, field=error.field)


def _import_failed(result: ImportFailed) -> JSONResponse:
    count = f"{result.error_count:,}".replace(",", ".")
    detail = (
        f"Import abgebrochen: {count} Fehler, nichts gespeichert. / Import failed: {count} error(s), nothing stored."
    )
    base = problem(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)
    body = ImportProblem(
        **base.model_dump(exclude={"errors"}),
        errors=[_row_problem(e) for e in result.errors],
        error_count=result.error_count,
        omitted=result.omitted,
        rows=result.rows,
        **result.info.as_dict(),
    )
    return JSONResponse(body.model_dump(), status_code=body.status, media_type="application/problem+json")


_IMPORT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": "CSV, XLSX, GeoJSON"}},
            }
        },
        "text/csv": {"schema": {"type": "string"}},
        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        "application/geo+json": {"schema": {"type": "object"}},
    },
}
_IMPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    **problem_responses(401, 403, 413),
    400: problem_responses(400)[400] | {"description": "multipart-Inhalt fehlerhaft / malformed multipart body"},
    409: problem_responses(409)[409] | {"description": "Es läuft bereits ein Import / another import is running"},
    415: problem_responses(415)[415] | {"description": "Content-Type nicht unterstützt / unsupported content type"},
    422: {
        "model": ImportProblem | Problem,
        "description": "Ungültige Datei oder Zeilen, nichts gespeichert; jeder Fehler mit Zeile, Spalte und Meldung "
        "(ImportProblem); ein ungültiger Parameter wie bei jeder Anfrage (Problem) / invalid file or rows, nothing "
        "stored, every error with row, column and message; an invalid parameter as for any request",
    },
    507: problem_responses(507)[507]
    | {"description": "Speicherplatz der Datenbank erschöpft, nichts gespeichert / database full, nothing stored"},
}


@router.post(
    "/organisations/import",
    summary="Organisationen importieren / Import organisations",
    description=(
        "Importiert eine CSV-Datei (UTF-8 mit oder ohne BOM, Windows-1252, ISO-8859-1/15 oder UTF-16 „Unicode-Text“; "
        "`;`, `,` oder Tabulator; die erkannte Kodierung und das Trennzeichen stehen in der Antwort), "
        "XLSX (erstes Tabellenblatt) oder GeoJSON: entweder alle Zeilen oder keine. Hochladen als "
        "`multipart/form-data` im Feld `file` (das Format folgt aus dem Dateinamen, sonst dem Inhalt) oder als "
        f"Rohinhalt mit `Content-Type: text/csv`, `{XLSX_MEDIA_TYPE}` oder `application/geo+json`. Spalten: "
        f"{', '.join(COLUMNS)} oder ihre deutschen Namen (Mitglieds-Nr., Firma, Straße + Hausnr., PLZ, Ort, WZ 2008, "
        "Beschäftigte, Größenklasse …; nicht erkannte Spalten werden mit einem Hinweis ignoriert); Pflicht sind "
        "kind (oder der Parameter `kind`), name, employees oder size_class und lat+lon oder postcode, leere Zellen "
        "heißen "
        "„nicht angegeben“, Listen (issues, measures_in_place) durch `;` oder `|` in der Zelle getrennt. Jede "
        "ungültige Zeile: 422 mit allen Fehlern als `errors: [{row, field, message, loc}]` (Kopfzeile = Zeile 1), "
        "nichts gespeichert. `mode=insert` lehnt gespeicherte ids ab (422, die Zeile wird genannt), `upsert` "
        "ersetzt sie (mit der Mitgliedsnummer als id aktualisiert die Liste des nächsten Monats, statt zu "
        "verdoppeln). `dry_run=true` prüft nur: Kodierung, Zuordnung, Anzahlen, Hinweise und Fehler, nichts "
        f"gespeichert. Höchstens {_megabytes(_IMPORT_DEFAULT)} (413), ein Import zugleich (409). Nur admin; "
        "Organisationen ändern ihr Profil mit PUT.\n\n"
        "Imports a CSV file (UTF-8 ± BOM, Windows-1252, ISO-8859-1/15 or UTF-16; `;`, `,` or tab), XLSX (first sheet) "
        "or "
        "GeoJSON: all rows or none. Upload as `multipart/form-data` field `file` (format from the file name, else "
        "the content) or as the raw body with one of the content types above. Required: kind, name, employees and "
        "lat+lon or postcode; empty cells mean 'not given'; list cells separated by `;` or `|`. Any invalid row: "
        "422 listing every error as `errors: [{row, field, message, loc}]`, nothing stored. `mode=insert` refuses "
        "stored ids (422 naming the row), `upsert` replaces them; `dry_run=true` checks and stores nothing; `kind` "
        f"applies to rows without one. At most {_megabytes(_IMPORT_DEFAULT)} (413), "
        "one import at a time (409). Admin only."
    ),
    response_model=ImportResult,
    responses=_IMPORT_ERRORS,
    openapi_extra={"requestBody": _IMPORT_BODY},
)
async def import_organisations_file(
    request: Request,
    principal: AdminDep,
    repository: RepositoryDep,
    builder: BuilderDep,
    locator: LocatorDep,
    mode: ModeQuery = WriteMode.UPSERT,
    kind: KindQuery = None,
    dry_run: DryRunQuery = False,
) -> ImportResult | JSONResponse:
    assert isinstance(repository, SqlOrganisationRepository)  # the lock lives in the same database
    async with AsyncExitStack() as stack:
        try:  # before the upload is read: a refused upload costs nothing
            lock = await run_in_threadpool(acquire_import_lock, repository.engine)
        except LockBusyError:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                detail="Es läuft bereits ein Import; bitte danach erneut versuchen. / Another import is running.",
            ) from None
        stack.push_async_callback(run_in_threadpool, lock.release)  # last out: after the upload is closed
        source, filename = await read_upload(request, stack, RAW_BODY_TYPES)
        result = await run_in_threadpool(
            _run_import,
            source,
            filename,
            mode,
            repository,
            builder,
            kind,
            dry_run,
            locator,
            lambda _rows: lock.refresh(),
        )
    if isinstance(result, ImportFailed):
        logger.info("import by key %s refused: %d errors in %d rows", principal.key_id, result.error_count, result.rows)
        return _import_failed(result)
    logger.info(
        "import%s by key %s: %d rows, %d created, %d updated",
        " (dry run)" if result.dry_run else "",
        principal.key_id,
        result.rows,
        result.created,
        result.updated,
    )
    return ImportResult(
        **result.info.as_dict(),
        dry_run=result.dry_run,
        rows=result.rows,
        created=result.created,
        updated=result.updated,
        check_seconds=round(result.check_seconds, 3),
        store_seconds=round(result.store_seconds, 3),
        geocoding=None if result.geocoding is None else GeocodingResult(**result.geocoding.as_dict()),
    )


# -- export ------------------------------------------------------------------------------------------


def _cells_for(policy: AccessPolicy, principal: Principal) -> CellsOf:
    """The cells the principal may see: the list's view per organisation (docs/privacy.md)."""

    def cells(organisation: Organisation) -> dict[str, Cell]:
        visible = policy.contact_visible(principal, organisation)
        row = organisation_cells(organisation, include_contacts=visible)
        if not visible:
            row["address"] = None  # contact data, like the contact person
        if policy.profile_view(principal, organisation) is ProfileView.PUBLIC:
            shown = PUBLIC_COLUMNS | (CONTACT_CELLS if visible else frozenset())
            row = {column: row[column] if column in shown else None for column in EXPORT_COLUMNS}
            row["lat"], row["lon"] = organisation.location.lat, organisation.location.lon
        return row

    return cells


def _write_xlsx(organisations: Iterator[Organisation], cells_of: CellsOf) -> tuple[Path, int]:
    """XLSX does not stream (a zip archive that openpyxl assembles from temporary files): written to a temporary
    file, removed after sending; memory stays flat all the same."""
    handle, name = tempfile.mkstemp(prefix="bmm-export-", suffix=ExportFormat.XLSX.suffix)
    os.close(handle)
    path = Path(name)
    try:
        count = export_organisations(organisations, ExportFormat.XLSX, path, cells_of=cells_of)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path, count


def _logged(
    organisations: Iterator[Organisation], principal: Principal, file_format: ExportFormat
) -> Iterator[Organisation]:
    """The organisations, logging their number once the stream has sent them all."""
    count = 0
    for organisation in organisations:
        count += 1
        yield organisation
    logger.info("export by key %s: %d organisations as %s", principal.key_id, count, file_format.value)


FormatQuery = Annotated[
    ExportFormat,
    Query(
        alias="format",
        description="csv, csv-excel (für deutsches Excel: `;`, Dezimalkomma, UTF-8 mit BOM), xlsx oder geojson "
        "(WGS84-Punkte, für QGIS) / csv, csv-excel (German Excel), xlsx or geojson",
    ),
]


@router.get(
    "/organisations/export",
    summary="Organisationen exportieren / Export organisations",
    description=(
        "Die Organisationen, die die Rolle in der Liste sieht, mit denselben Filtern, als Datei zum Herunterladen "
        "(`Content-Disposition: attachment`): CSV (UTF-8 mit BOM, `,`; Listen mit `;`) oder XLSX mit den Spalten "
        "des Imports und `location_precision` (coordinates, address, postcode, municipality; beim Import ignoriert), "
        "oder GeoJSON (WGS84-Punkte mit Gemeinde, Kreis, Land und `synthetic`, für QGIS). admin alle "
        "mit Kontaktdaten; advisor alle, Kontaktdaten nur mit Einwilligung im eigenen Gebiet; planner nur die für "
        "Peers sichtbaren seiner Region und nur id, kind, name, estate und Standort (Kontaktdaten nur mit "
        "Einwilligung); organisation nur sich selbst. Kontaktdaten sind Kontaktperson und Adresse. Ein Export "
        "von admin lässt sich unverändert wieder importieren.\n\n"
        "The organisations the role sees in the list, with the same filters, as a download: CSV (UTF-8 with BOM) "
        "or XLSX with the import's columns and `location_precision` (ignored on import), "
        "or GeoJSON (WGS84 points with municipality, Kreis, Land and "
        "`synthetic`, for QGIS). Admins all with contacts; advisors all, contacts only with consent in their "
        "territory; planners only those of their region visible to peers and only id, kind, name, estate and "
        "location; organisations only themselves. An admin's export can be imported again unchanged."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "die Datei / the file",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                "application/geo+json": {"schema": {"type": "object"}},
            },
        },
        **problem_responses(401, 422),
    },
)
def export_organisations_file(
    principal: ReaderDep,
    policy: PolicyDep,
    repository: RepositoryDep,
    filters: FiltersDep,
    file_format: FormatQuery = ExportFormat.CSV,
) -> Response:
    scope = policy.listing_scope(principal)
    organisations: Iterator[Organisation] = iter(())
    if not scope.nothing:
        found = repository.iter_matching(filters.query(scope), batch_size=EXPORT_PAGE_SIZE)
        # defence in depth: the SQL scope already left out what the principal may not see
        organisations = (o for o in found if policy.profile_view(principal, o) is not ProfileView.NONE)
    filename = f"bmm-organisationen-{date.today().isoformat()}{file_format.suffix}"
    cells_of = _cells_for(policy, principal)
    if file_format is ExportFormat.XLSX:
        path, count = _write_xlsx(organisations, cells_of)
        logger.info("export by key %s: %d organisations as %s", principal.key_id, count, file_format.value)
        return FileResponse(
            path,
            media_type=EXPORT_MEDIA_TYPES[file_format],
            filename=filename,
            background=BackgroundTask(path.unlink, missing_ok=True),
        )
    # Streamed page by page (keyset) as it is written: constant memory, no temporary file. Starlette iterates
    # this synchronous iterator in its thread pool, so the database reads never block the event loop.
    chunks = export_chunks(_logged(organisations, principal, file_format), file_format, cells_of=cells_of)
    return StreamingResponse(
        chunks,
        media_type=EXPORT_MEDIA_TYPES[file_format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
