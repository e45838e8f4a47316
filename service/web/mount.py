"""Mount the web app on a FastAPI application.

* ``/app/`` — the static files of :data:`STATIC_DIR` (index.html, CSS, ES modules, vendored Leaflet);
  ``/`` redirects there.
* ``GET /web/boundaries/kreise.geojson`` — the Kreis boundaries of NRW and Baden-Württemberg (BKG VG1000),
  the offline base layer of every map, read from the package's reference data (:func:`matcher.resources.data_dir`).

None of these paths is part of the versioned API (``/api/v1``) or its OpenAPI schema; the web app calls the
API like any other client. Call :func:`mount_web` after the API routers are included so the API paths win.

Every answer of these routes carries :data:`SECURITY_HEADERS`: a Content-Security-Policy that allows scripts,
styles, images and requests from the service itself only (plus the tiles of the optional OpenStreetMap layer),
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``. The server's printable pages (the
consultation brief and the residence report, shown in a sandboxed ``srcdoc`` frame or as a ``blob:`` page)
inherit the app's policy; their stylesheets and the brief's few fixed style attributes are allowed by their
hashes (:func:`page_style_hashes`), nothing else inline.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from matcher.geo.naming import kreis_label
from service.api.deps import SettingsDep
from service.brief_html import CSS as BRIEF_CSS
from service.brief_html import STYLE_ATTRIBUTES as BRIEF_STYLE_ATTRIBUTES
from service.html_page import csp_hash
from service.residences_html import CSS as RESIDENCES_CSS

STATIC_DIR = Path(__file__).resolve().parent / "static"
APP_PATH = "/app"
BOUNDARIES_PATH = "/web/boundaries/kreise.geojson"
BOUNDARY_FILES = ("kreise_nrw_vg1000_2022.geojson", "kreise_bw_vg1000_2022.geojson")
BOUNDARY_ATTRIBUTION = "© GeoBasis-DE / BKG 2022 (Daten verändert), VG1000, dl-de/by-2-0"
CACHE_SECONDS = 86_400
GEOJSON_MEDIA_TYPE = "application/geo+json"
# The host of the optional online layer (static/js/map.js, OSM_TILES); the only origin besides the service.
OSM_TILE_ORIGIN = "https://tile.openstreetmap.org"
# The one stylesheet of each printable page and the style attributes they write (the residence report none).
PAGE_STYLESHEETS = (BRIEF_CSS, RESIDENCES_CSS)
PAGE_STYLE_ATTRIBUTES = BRIEF_STYLE_ATTRIBUTES


def page_style_hashes() -> tuple[str, ...]:
    """The hashes that let the printable pages' stylesheets and style attributes apply (and nothing else inline)."""
    sheets = (csp_hash(css) for css in PAGE_STYLESHEETS)
    return (*sheets, "'unsafe-hashes'", *(csp_hash(style) for style in PAGE_STYLE_ATTRIBUTES))


def content_security_policy() -> str:
    """The web app's policy: everything from the service itself; inline scripts, event handler attributes,
    ``eval``, plugins and ``<base>`` are refused; only the app may frame its pages."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", *page_style_hashes()],
        "img-src": ["'self'", "data:", OSM_TILE_ORIGIN],
        "connect-src": ["'self'"],
        "frame-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": content_security_policy(),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class _SecureStaticFiles(StaticFiles):
    """The app's static files with :data:`SECURITY_HEADERS` on every answer (200, 304, index.html)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        return response


@dataclass(frozen=True)
class _Payload:
    body: bytes
    gzipped: bytes
    etag: str


def merged_boundaries(folder: Path) -> dict[str, Any]:
    """One FeatureCollection of the Kreise of NRW and BW; each feature keeps ``ags``, ``name`` and ``bez``
    and gains ``state`` (DE-NW / DE-BW) and ``label``, the German name by the Kreis type ("Stadt Dortmund
    (kreisfreie Stadt)", "Kreis Unna"; ``matcher.geo.naming``), so the web app never writes "Kreis Dortmund"."""
    features: list[dict[str, Any]] = []
    for file_name, state in zip(BOUNDARY_FILES, ("DE-NW", "DE-BW"), strict=True):
        collection = json.loads((folder / file_name).read_text(encoding="utf-8"))
        for feature in collection["features"]:
            properties = feature["properties"]
            feature["properties"] = {
                "ags": properties["ags"],
                "name": properties["name"],
                "bez": properties.get("bez"),
                "state": state,
                "label": kreis_label(properties["name"], properties.get("bez")),
            }
            features.append(feature)
    return {"type": "FeatureCollection", "attribution": BOUNDARY_ATTRIBUTION, "features": features}


@cache
def _boundaries_payload(folder: Path) -> _Payload:
    body = json.dumps(merged_boundaries(folder), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return _Payload(body=body, gzipped=gzip.compress(body, compresslevel=6, mtime=0), etag=etag)


def mount_web(app: FastAPI) -> None:
    """Add the web app (``/app/``), the redirect from ``/`` and the boundaries route to ``app``."""

    @app.get("/", include_in_schema=False)
    def web_root() -> RedirectResponse:
        return RedirectResponse(f"{APP_PATH}/", status_code=307, headers=dict(SECURITY_HEADERS))

    @app.get(BOUNDARIES_PATH, include_in_schema=False)
    def web_boundaries(request: Request, settings: SettingsDep) -> Response:
        payload = _boundaries_payload(settings.resolved_data_dir() / "geo" / "boundaries")
        headers = {
            "Cache-Control": f"public, max-age={CACHE_SECONDS}",
            "ETag": payload.etag,
            "Vary": "Accept-Encoding",
            **SECURITY_HEADERS,
        }
        if payload.etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(
                payload.gzipped, media_type=GEOJSON_MEDIA_TYPE, headers={**headers, "Content-Encoding": "gzip"}
            )
        return Response(payload.body, media_type=GEOJSON_MEDIA_TYPE, headers=headers)

    app.mount(APP_PATH, _SecureStaticFiles(directory=STATIC_DIR, html=True), name="web")
