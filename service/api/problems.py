"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error the API returns has ``type``, ``title``, ``status`` and ``detail``; validation errors add
``errors: [{loc, message}]`` naming the field and, where there is a fixed set, the allowed values. A client
mistake is never a 500: bad query values are 422, unknown ids and paths 404, oversize bodies 413.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from matcher.errors import InputError
from matcher.models import ORGANISATION_ID_PATTERN, POSTCODE_PATTERN
from service.access import AccessDenied
from service.api.schemas import AGS_PATTERN, BBOX_PATTERN, CATALOGUE_ID_PATTERN, CLUSTER_KREIS_PATTERN, KREIS_PATTERN
from service.io.limits import EXCERPT_CHARS, excerpt
from service.storage.database import is_disk_full

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:bmm-match:problem:"

# German titles with the English status phrase in parentheses; other statuses use the phrase alone.
TITLES: dict[int, str] = {
    400: "Ungültige Anfrage (Bad Request)",
    401: "Nicht angemeldet (Unauthorized)",
    403: "Zugriff verweigert (Forbidden)",
    404: "Nicht gefunden (Not Found)",
    405: "Methode nicht erlaubt (Method Not Allowed)",
    409: "Konflikt (Conflict)",
    413: "Anfrage zu groß (Content Too Large)",
    415: "Medientyp nicht unterstützt (Unsupported Media Type)",
    422: "Ungültige Eingabe (Unprocessable Content)",
    429: "Zu viele Anfragen (Too Many Requests)",
    500: "Interner Fehler (Internal Server Error)",
    503: "Vorübergehend nicht verfügbar (Service Unavailable)",
    507: "Speicher erschöpft (Insufficient Storage)",
}

# Machine-readable problem types (stable URNs; they do not pretend to be web pages).
TYPES: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "content-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "too-many-requests",
    500: "internal-error",
    503: "service-unavailable",
    507: "insufficient-storage",
}


class FieldProblem(BaseModel):
    loc: list[str | int] = Field(
        description="Ort des Fehlers, z. B. ['query', 'per_page'] / location of the error, e.g. ['query', 'per_page']"
    )
    message: str = Field(description="was falsch ist und was erlaubt ist (deutsch) / what is wrong and what is allowed")


class Problem(BaseModel):
    """Fehlerbeschreibung nach RFC 9457 / problem details as in RFC 9457."""

    type: str = Field(description="Fehlerart als URN / problem type as a URN, e.g. urn:bmm-match:problem:not-found")
    title: str = Field(description="kurze Beschreibung der Fehlerart / short summary of the problem type")
    status: int = Field(description="HTTP-Statuscode / HTTP status code")
    detail: str = Field(description="Erklärung dieses Fehlers (deutsch) / explanation of this occurrence (German)")
    detail_en: str = Field(description="dieselbe Erklärung auf Englisch / the same explanation in English")
    errors: list[FieldProblem] | None = Field(
        default=None, description="nur bei ungültigen Eingaben / only for validation errors (422)"
    )


def _problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def split_detail(text: str) -> tuple[str, str | None]:
    """'Deutsch. / English.' (the one bilingual form of the raise sites) → ('Deutsch.', 'English.')."""
    german, separator, english = text.partition(" / ")
    return (german.strip(), english.strip() or None) if separator else (text, None)


def problem(
    status: int, detail: str, errors: Sequence[FieldProblem] | None = None, detail_en: str | None = None
) -> Problem:
    """A problem with ``detail`` in German and ``detail_en`` in English (split from 'Deutsch. / English.')."""
    if detail_en is None:
        detail, detail_en = split_detail(detail)
    title = TITLES.get(status) or _phrase(status)
    slug = TYPES.get(status) or _phrase(status).lower().replace(" ", "-")
    return Problem(
        type=PROBLEM_TYPE_PREFIX + slug,
        title=title,
        status=status,
        detail=detail,
        detail_en=detail_en or _phrase(status) + ".",
        errors=list(errors) if errors is not None else None,
    )


def problem_response(
    status: int,
    detail: str,
    errors: Sequence[FieldProblem] | None = None,
    headers: dict[str, str] | None = None,
    detail_en: str | None = None,
) -> JSONResponse:
    return _problem_response(problem(status, detail, errors, detail_en), headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_DEFAULT_DETAILS: dict[int, str] = {
    404: "Diese Adresse gibt es nicht. / No such path.",
    405: "Diese Methode ist für die Adresse nicht erlaubt. / Method not allowed for this path.",
}
# FastAPI's own English details, in the bilingual form of the raise sites.
_FRAMEWORK_DETAILS: dict[str, str] = {
    "There was an error parsing the body": "Der Anfrageinhalt ist nicht lesbar (z. B. kein gültiges JSON oder "
    "keine UTF-8-Kodierung). / There was an error parsing the body.",
}

# Readable German names of the formats the API declares as ``pattern``s (else the pattern itself is shown).
FORMAT_HINTS: dict[str, str] = {
    ORGANISATION_ID_PATTERN: "1 bis 64 Zeichen aus A–Z, a–z, 0–9, _ . -",
    CATALOGUE_ID_PATTERN: "1 bis 64 Zeichen aus a–z, 0–9, _",
    KREIS_PATTERN: "5 Ziffern, z. B. 05913",
    AGS_PATTERN: "8 Ziffern, z. B. 05913000",
    CLUSTER_KREIS_PATTERN: "5 Ziffern eines Kreises in Nordrhein-Westfalen (05…) oder Baden-Württemberg (08…), "
    "z. B. 05913",
    POSTCODE_PATTERN: "5 Ziffern, z. B. 44139",
    BBOX_PATTERN: "minlon,minlat,maxlon,maxlat (WGS84, Längen −180…180, Breiten −90…90), z. B. 6.9,51.3,7.6,51.6",
}


def _listing(values: Any) -> str:
    return str(values).replace("'", "").replace(" or ", ", ")


def field_message(error: dict[str, Any]) -> str:
    """A German message for one pydantic/FastAPI validation error (falls back to its own text)."""
    kind = error.get("type", "")
    ctx: dict[str, Any] = error.get("ctx") or {}
    given = error.get("input")
    if isinstance(given, str) and len(given) > EXCERPT_CHARS:
        given = excerpt(given)  # an error never echoes unbounded input
    messages: dict[str, str] = {
        "missing": "Pflichtangabe fehlt (required).",
        "enum": f"Unbekannter Wert {given!r}; erlaubt sind: {_listing(ctx.get('expected'))}.",
        "literal_error": f"Unbekannter Wert {given!r}; erlaubt sind: {_listing(ctx.get('expected'))}.",
        "greater_than_equal": f"Muss mindestens {ctx.get('ge')} sein (must be ≥ {ctx.get('ge')}).",
        "greater_than": f"Muss größer als {ctx.get('gt')} sein (must be > {ctx.get('gt')}).",
        "less_than_equal": f"Darf höchstens {ctx.get('le')} sein (must be ≤ {ctx.get('le')}).",
        "less_than": f"Muss kleiner als {ctx.get('lt')} sein (must be < {ctx.get('lt')}).",
        "int_parsing": f"{given!r} ist keine ganze Zahl (integer expected).",
        "int_from_float": f"{given!r} ist keine ganze Zahl (integer expected).",
        "float_parsing": f"{given!r} ist keine Zahl; erwartet z. B. 0.5 (number expected).",
        "string_too_long": f"Zu lang: höchstens {ctx.get('max_length')} Zeichen (too long).",
        "string_too_short": f"Zu kurz: mindestens {ctx.get('min_length')} Zeichen (too short).",
        "string_pattern_mismatch": f"{given!r} hat nicht das erwartete Format: "
        f"{FORMAT_HINTS.get(str(ctx.get('pattern')), ctx.get('pattern'))} (format).",
        "extra_forbidden": "Unbekanntes Feld; bitte weglassen (unknown field).",
        "bool_parsing": f"{given!r} ist kein Wahrheitswert; erlaubt sind: true, false.",
        "date_from_datetime_parsing": f"{given!r} ist kein Datum; erwartet JJJJ-MM-TT (YYYY-MM-DD).",
        "date_parsing": f"{given!r} ist kein Datum; erwartet JJJJ-MM-TT (YYYY-MM-DD).",
        "date_from_datetime_inexact": f"{given!r} ist kein Datum; erwartet JJJJ-MM-TT (YYYY-MM-DD).",
        "json_invalid": "Kein gültiges JSON (invalid JSON).",
    }
    return messages.get(kind) or str(error.get("msg", "ungültiger Wert (invalid value)"))


def validation_problem(errors: Sequence[dict[str, Any]]) -> Problem:
    fields = [FieldProblem(loc=list(error.get("loc", ())), message=field_message(error)) for error in errors]
    names = ", ".join(dict.fromkeys(".".join(str(part) for part in f.loc[1:] or f.loc) for f in fields))
    return problem(422, f"Ungültige Eingabe in: {names}.", fields, f"Invalid input in: {names}.")


async def validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _problem_response(validation_problem(exc.errors()))


HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """The methods of the request's path: Starlette's 405 names only those of the first route that matched the
    path, and each method of an API path is a route of its own. The first route (or included router) that
    knows the path decides, as in routing and as OpenAPI matches concrete paths (``/organisations/export``)
    before templated ones (``/organisations/{organisation_id}``)."""
    for route in request.app.router.routes:
        if route.matches(request.scope)[0] is not Match.NONE:
            allowed = [m for m in HTTP_METHODS if route.matches({**request.scope, "method": m})[0] is Match.FULL]
            return ", ".join(allowed)
    return ""


async def http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    if detail is None or detail == _phrase(exc.status_code):
        detail = _DEFAULT_DETAILS.get(exc.status_code, TITLES.get(exc.status_code, _phrase(exc.status_code)))
    detail = _FRAMEWORK_DETAILS.get(detail, detail)
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        headers["Allow"] = allowed_methods(request)
    return problem_response(exc.status_code, detail, headers=headers or None)


async def input_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, InputError)
    # The matcher names the field of what it was given; on a request with a body that is the body's field.
    has_body = request.method in ("POST", "PUT", "PATCH")
    field = FieldProblem(loc=["body", exc.field] if has_body else [exc.field], message=exc.message)
    return problem_response(
        422, f"Ungültige Eingabe in: {exc.field}.", [field], detail_en=f"Invalid input in: {exc.field}."
    )


async def access_denied_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AccessDenied)
    headers = {"WWW-Authenticate": "ApiKey"} if exc.status_code == 401 else None
    return problem_response(exc.status_code, exc.detail, headers=headers)


DATABASE_RETRY_SECONDS = 5


async def database_unavailable_handler(request: Request, exc: Exception) -> JSONResponse:
    """The database cannot be reached (restart, failover, SQLite busy beyond its timeout): 503 with
    ``Retry-After``, never a 500; the engine's pre-ping reconnects by itself once it is back.

    A full database (disk or SQLite's page limit) is 507 instead: retrying does not help until an
    operator frees space, and the write was rolled back, so the store is as it was."""
    assert isinstance(exc, OperationalError | InterfaceError)
    if is_disk_full(exc):
        logger.error("database full in %s %s", request.method, request.url.path)
        return problem_response(
            507,
            "Speicherplatz der Datenbank erschöpft; nichts wurde gespeichert. Bitte den Betrieb verständigen.",
            detail_en="The database ran out of storage space; nothing was stored. Please inform the operators.",
        )
    logger.warning("database unavailable in %s %s: %s", request.method, request.url.path, type(exc.orig).__name__)
    return problem_response(
        503,
        "Die Datenbank ist vorübergehend nicht erreichbar; bitte in einigen Sekunden erneut.",
        headers={"Retry-After": str(DATABASE_RETRY_SECONDS)},
        detail_en="The database is temporarily unavailable; please retry in a few seconds.",
    )


async def internal_error_handler(request: Request, exc: Exception) -> JSONResponse:
    # Log method and path only: request bodies may hold personal or confidential data.
    logger.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        500,
        "Unerwarteter Fehler im Dienst; bitte später erneut.",
        detail_en="Unexpected server error; please retry later.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    app.add_exception_handler(InputError, input_error_handler)
    app.add_exception_handler(AccessDenied, access_denied_handler)
    app.add_exception_handler(OperationalError, database_unavailable_handler)
    app.add_exception_handler(InterfaceError, database_unavailable_handler)
    app.add_exception_handler(Exception, internal_error_handler)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the problem details a route can return."""
    return {
        status: {"model": Problem, "description": PROBLEM_DESCRIPTIONS.get(status, TITLES.get(status, _phrase(status)))}
        for status in statuses
    }


PROBLEM_DESCRIPTIONS: dict[int, str] = {
    400: "Anfrageinhalt nicht lesbar / request body cannot be parsed",
    401: "API-Schlüssel fehlt oder ist ungültig / API key missing or invalid",
    403: "Die Rolle darf das nicht / the key's role may not do this",
    404: "Unbekannte id / unknown id",
    409: "id bereits vergeben / id already taken",
    413: "Anfrage zu groß / request body too large",
    415: "Content-Type nicht unterstützt / unsupported content type",
    422: "Ungültige Eingabe, mit Feld und erlaubten Werten / invalid input, naming the field and allowed values",
    429: "Zu viele ungültige API-Schlüssel von dieser Adresse, mit Retry-After / too many invalid API keys",
    503: "Datenbank vorübergehend nicht erreichbar, mit Retry-After / database temporarily unavailable",
    507: "Speicherplatz der Datenbank erschöpft, nichts gespeichert / database full, nothing stored",
}


def use_problem_media_type(schema: dict[str, Any]) -> dict[str, Any]:
    """Document error responses (4xx/5xx) as ``application/problem+json`` (idempotent)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    response["content"] = {PROBLEM_MEDIA_TYPE: content["application/json"]}
    return schema
